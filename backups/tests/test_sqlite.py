"""On SQLite (the embedded default) a backup restores into a fresh database file with every row and file."""
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

from django.conf import settings


def _manage(*args, database: Path, media: Path):
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{database}", "MEDIA_ROOT": str(media),
           "CACHE_URL": "locmemcache://"}
    result = subprocess.run([sys.executable, "manage.py", *args], cwd=settings.BASE_DIR, env=env,
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    return result


def _rows(database: Path) -> dict[str, list]:
    conn = sqlite3.connect(database)
    try:
        tables = [r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]
        return {t: sorted(map(repr, conn.execute(f'SELECT * FROM "{t}"'))) for t in tables}
    finally:
        conn.close()


def test_sqlite_round_trip_gives_every_row_and_file_back(tmp_path):
    original, media = tmp_path / "site.sqlite3", tmp_path / "media"
    (media / "evidence" / "7").mkdir(parents=True)
    (media / "evidence" / "7" / "minutes.pdf").write_bytes(b"%PDF-1.4 minutes" * 100)
    _manage("migrate", "-v0", database=original, media=media)
    _manage("load_workplan", "-v0", database=original, media=media)
    _manage("backup", "--out", str(tmp_path / "b.tar.gz"), database=original, media=media)

    restored, restored_media = tmp_path / "fresh.sqlite3", tmp_path / "restored-media"
    result = _manage("restore", str(tmp_path / "b.tar.gz"), database=restored, media=restored_media)
    assert "all checksums and row counts verified" in result.stdout
    before, after = _rows(original), _rows(restored)
    assert before.keys() == after.keys() and len(before["activities_activity"]) == 10
    for table in before.keys():
        assert after[table] == before[table], table
    assert (restored_media / "evidence" / "7" / "minutes.pdf").read_bytes() == b"%PDF-1.4 minutes" * 100
