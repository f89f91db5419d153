"""`manage.py backup` and `manage.py restore` on PostgreSQL: a round trip into a fresh database gives every table's
rows and every file back, a ready report downloads after a restore, and a non-empty database or a damaged archive
is refused before anything changes."""
import datetime
import hashlib
import io
import json
import os
import subprocess
import sys
import tarfile
from pathlib import Path

import psycopg2
import pytest
import time_machine
from django.conf import settings
from django.core.files.base import ContentFile
from django.core.management import CommandError, call_command
from django.db import connection
from django.urls import reverse

from activities.models import EvidenceFile, Milestone
from activities.tests.factories import ProgressUpdateFactory
from backups.tasks import backup_nightly
from devtools.testing import _database_url
from emgplan import fragments
from reports.models import Report
from reports.tests.conftest import request_form_data

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True),
              pytest.mark.usefixtures("seed_restored_after")]

EVIDENCE = b"%PDF-1.4\nminutes of the meeting\n" + bytes(range(256)) * 40


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.EMG_TODAY = "2014-09-20"
    return Path(settings.MEDIA_ROOT)


@pytest.fixture
def site(media, seed_plan, demo_users, client_as):
    """The seed plan and demo users, an uploaded evidence file and a report compiled to "ready" (committed)."""
    milestone = Milestone.objects.filter(activity__accomplishment__work_plan=seed_plan).first()
    update = ProgressUpdateFactory(milestone=milestone, author=demo_users["chair"])
    EvidenceFile.objects.create(update=update, file=ContentFile(EVIDENCE, name="minutes.pdf"),
                                original_name="Minutes.pdf", content_type="application/pdf", size=len(EVIDENCE))
    client_as("chair").post(reverse("reports:create"), request_form_data())
    report = Report.objects.get()
    assert report.state == Report.State.READY and report.pdf and report.docx and report.xlsx
    return report


@pytest.fixture
def scratch_database():
    """A second, empty database on the same server (dropped afterwards)."""
    name = f"{connection.settings_dict['NAME']}_restore"
    _admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    _admin(f'CREATE DATABASE "{name}"')
    yield name
    _admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _connect(dbname):
    s = connection.settings_dict
    return psycopg2.connect(dbname=dbname, user=s["USER"], password=s["PASSWORD"], host=s["HOST"] or "127.0.0.1",
                            port=s["PORT"] or 5432)


def _admin(sql):
    conn = _connect("postgres")
    conn.autocommit = True
    try:
        with conn.cursor() as cursor:
            cursor.execute(sql)
    finally:
        conn.close()


def _tables(dbname) -> dict[str, list[str]]:
    """Every table's rows, each as its text form, in a fixed order."""
    conn = _connect(dbname)
    try:
        with conn.cursor() as cursor:
            cursor.execute("SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY 1")
            tables = [row[0] for row in cursor.fetchall()]
            dump = {}
            for table in tables:
                cursor.execute(f'SELECT t::text FROM "{table}" AS t ORDER BY 1')
                dump[table] = [row[0] for row in cursor.fetchall()]
            return dump
    finally:
        conn.close()


def _files(root: Path) -> dict[str, str]:
    return {p.relative_to(root).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(root.rglob("*")) if p.is_file()}


def _manage(*args, database, media_root):
    """Run manage.py in a process of its own against another database and media folder."""
    env = {**os.environ, "DATABASE_URL": database, "MEDIA_ROOT": str(media_root), "CACHE_URL": "locmemcache://"}
    return subprocess.run([sys.executable, "manage.py", *args], cwd=settings.BASE_DIR, env=env,
                          capture_output=True, text=True, timeout=120)


def test_round_trip_into_a_fresh_database_gives_every_row_and_file_back(site, media, scratch_database, tmp_path):
    archive = tmp_path / "backup.tar.gz"
    call_command("backup", "--out", str(archive), stdout=io.StringIO())
    original_rows, original_files = _tables(connection.settings_dict["NAME"]), _files(media)
    assert len(original_files) == 4  # the evidence file and the report's PDF, DOCX and XLSX

    restored_media = tmp_path / "restored-media"
    database = _database_url().rsplit("/", 1)[0] + f"/{scratch_database}"
    result = _manage("restore", str(archive), database=database, media_root=restored_media)
    assert result.returncode == 0, result.stderr
    assert "all checksums and row counts verified" in result.stdout

    assert _files(restored_media) == original_files
    restored_rows = _tables(scratch_database)
    assert restored_rows.keys() == original_rows.keys()
    for table in original_rows.keys():
        assert restored_rows[table] == original_rows[table], table
    assert len(original_rows["auth_user"]) > 1 and len(original_rows["activities_evidencefile"]) == 1
    counts = json.loads(_manifest_text(archive))["row_counts"]
    assert counts["activities_milestone"] == len(restored_rows["activities_milestone"])


def _manifest_text(archive: Path) -> str:
    with tarfile.open(archive) as tar:
        return tar.extractfile("manifest.json").read().decode()


def test_manifest_lists_every_file_with_its_checksum_and_every_table_count(site, media, tmp_path):
    archive = tmp_path / "backup.tar.gz"
    call_command("backup", "--out", str(archive), stdout=io.StringIO())
    manifest = json.loads(_manifest_text(archive))
    files = {entry["path"]: entry for entry in manifest["files"]}
    assert set(files) == {"database.dump"} | {f"media/{path}" for path in _files(media)}
    for path, digest in _files(media).items():
        assert files[f"media/{path}"]["sha256"] == digest
        assert files[f"media/{path}"]["size"] == (media / path).stat().st_size
    assert manifest["database"]["vendor"] == "postgresql"
    assert manifest["row_counts"]["reports_report"] == 1 and manifest["row_counts"]["activities_evidencefile"] == 1
    assert manifest["versions"]["django"].startswith("5.2")


def test_restore_brings_back_lost_files_and_ready_reports_download_again(site, media, tmp_path, client_as):
    """What a database-only restore gets wrong: after losing the files, a ready report's download is a 404."""
    archive = tmp_path / "backup.tar.gz"
    call_command("backup", "--out", str(archive), stdout=io.StringIO())
    pdf = site.pdf.read()
    site.pdf.close()
    for path in list(media.rglob("*")):
        if path.is_file():
            path.unlink()
    client = client_as("viewer")
    url = reverse("reports:download", args=[site.pk, "pdf"])
    assert client.get(url).status_code == 404
    key = fragments.fragment_key("any", plan_id=1, kinds=fragments.KINDS)

    call_command("restore", str(archive), "--force", stdout=io.StringIO())

    response = client_as("viewer").get(url)
    assert response.status_code == 200 and b"".join(response.streaming_content) == pdf
    evidence = EvidenceFile.objects.get()
    assert client_as("chair").get(reverse("activities:evidence-download", args=[evidence.pk])).status_code == 200
    assert evidence.file.read() == EVIDENCE
    evidence.file.close()
    assert fragments.fragment_key("any", plan_id=1, kinds=fragments.KINDS) != key  # every fragment retired


def test_restore_into_a_database_with_data_is_refused_and_changes_nothing(site, media, tmp_path):
    archive = tmp_path / "backup.tar.gz"
    call_command("backup", "--out", str(archive), stdout=io.StringIO())
    Report.objects.all().delete()  # a change after the backup, which a restore would undo
    rows, files = _tables(connection.settings_dict["NAME"]), _files(media)

    result = _manage("restore", str(archive), database=_database_url(), media_root=media)

    assert result.returncode != 0
    assert "The database is not empty" in result.stderr and "--force" in result.stderr
    assert "Traceback" not in result.stderr and len(result.stderr.strip().splitlines()) == 1
    assert _tables(connection.settings_dict["NAME"]) == rows and _files(media) == files


def test_a_damaged_archive_is_refused_before_anything_changes(site, media, tmp_path, scratch_database):
    archive = tmp_path / "backup.tar.gz"
    call_command("backup", "--out", str(archive), stdout=io.StringIO())
    # The same archive with one byte of the evidence file changed (its manifest unchanged).
    damaged = tmp_path / "damaged.tar.gz"
    with tarfile.open(archive) as source, tarfile.open(damaged, "w:gz") as target:
        for member in source.getmembers():
            data = bytearray(source.extractfile(member).read())
            if member.name.startswith("media/evidence/"):
                data[100] ^= 0xFF
            target.addfile(member, io.BytesIO(bytes(data)))
    Report.objects.all().delete()
    rows, files = _tables(connection.settings_dict["NAME"]), _files(media)

    with pytest.raises(CommandError, match=r"is damaged: media/evidence/.* does not match its checksum"):
        call_command("restore", str(damaged), "--force")
    assert _tables(connection.settings_dict["NAME"]) == rows and _files(media) == files

    restored_media = tmp_path / "restored-media"
    database = _database_url().rsplit("/", 1)[0] + f"/{scratch_database}"
    result = _manage("restore", str(damaged), database=database, media_root=restored_media)
    assert result.returncode != 0 and "does not match its checksum" in result.stderr
    assert _tables(scratch_database) == {} and not restored_media.exists()


def test_backup_errors_are_one_line_with_a_failing_exit(tmp_path):
    database = _database_url()
    unwritable = _manage("backup", "--out", str(tmp_path / "missing" / "b.tar.gz"), database=database,
                         media_root=tmp_path)
    assert unwritable.returncode != 0
    assert unwritable.stderr.strip() == f"CommandError: Cannot write the archive in {tmp_path / 'missing'}: " \
                                        "No such file or directory."
    env = {**os.environ, "DATABASE_URL": database, "PATH": str(tmp_path)}  # no pg_dump on the PATH
    no_pg_dump = subprocess.run([sys.executable, "manage.py", "backup", "--out", str(tmp_path / "b.tar.gz")],
                                cwd=settings.BASE_DIR, env=env, capture_output=True, text=True, timeout=60)
    assert no_pg_dump.returncode != 0 and "pg_dump not found" in no_pg_dump.stderr
    assert "Traceback" not in no_pg_dump.stderr and not (tmp_path / "b.tar.gz").exists()
    missing = _manage("restore", str(tmp_path / "nothing.tar.gz"), database=database, media_root=tmp_path)
    assert missing.returncode != 0 and "No archive at" in missing.stderr
    not_an_archive = tmp_path / "notes.tar.gz"
    not_an_archive.write_bytes(b"not a tar file")
    broken = _manage("restore", str(not_an_archive), database=database, media_root=tmp_path)
    assert broken.returncode != 0 and "is not a readable backup archive" in broken.stderr
    assert "Traceback" not in broken.stderr


def test_nightly_backups_keep_the_newest_archives(media, tmp_path):
    nightly = tmp_path / "nightly"
    with time_machine.travel(datetime.datetime(2026, 11, 1, 2, 30, tzinfo=datetime.UTC), tick=False) as clock:
        for _ in range(3):
            call_command("backup", "--dir", str(nightly), "--keep", "2", stdout=io.StringIO())
            clock.shift(datetime.timedelta(days=1))
        assert sorted(p.name for p in nightly.iterdir()) == ["emgplan-20261102T023000Z.tar.gz",
                                                           "emgplan-20261103T023000Z.tar.gz"]
        # The beat job does the same (the schedule entry exists once BACKUP_DIR is set).
        written = backup_nightly.delay(str(nightly), keep=1).get()
    assert sorted(nightly.iterdir()) == [Path(written)] and written.endswith("emgplan-20261104T023000Z.tar.gz")
    schedule = subprocess.run(
        [sys.executable, "-c", "import django; django.setup(); from django.conf import settings; "
                               "print(settings.CELERY_BEAT_SCHEDULE['backups-nightly'])"],
        cwd=settings.BASE_DIR, capture_output=True, text=True, timeout=60,
        env={**os.environ, "DJANGO_SETTINGS_MODULE": "emgplan.settings", "BACKUP_DIR": "/var/backups/emgplan"})
    assert "backups.tasks.backup_nightly" in schedule.stdout and "/var/backups/emgplan" in schedule.stdout
