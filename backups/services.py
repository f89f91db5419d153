"""Backup and restore of the whole site: the database and every file under MEDIA_ROOT, in one archive.

The archive is a tar.gz holding `manifest.json`, the database (`database.dump`, a `pg_dump --format=custom`
on PostgreSQL; `database.sqlite3`, a copy made with SQLite's backup API, on SQLite) and the files under
`media/`. The manifest lists every other member with its size and sha256, and the row count of every table.

A restore checks every checksum before it touches anything, replaces the database in one transaction
(pg_restore --single-transaction), puts the files back, then verifies the files on disk and the row counts
against the manifest. Evidence and report files live only in MEDIA_ROOT, so a database-only restore would
leave reports "Ready" whose downloads are gone: the two always travel together here.
"""
import datetime
import hashlib
import io
import json
import os
import platform
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
import zlib
from pathlib import Path

import django
from django.apps import apps
from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import connection, transaction

from emgplan import fragments

FORMAT = 1
MANIFEST = "manifest.json"
MEDIA_PREFIX = "media/"
DATABASE_MEMBER = {"postgresql": "database.dump", "sqlite": "database.sqlite3"}
CHUNK = 1024 * 1024


class BackupError(Exception):
    """A backup or restore that cannot go on; the message is one line for the operator."""


# ---------------------------------------------------------------------------------------------- backup


def backup_create(*, out: Path) -> dict:
    """Write the archive to `out` (replaced only once complete) and return its manifest."""
    out = Path(out)
    vendor = connection.vendor
    if vendor not in DATABASE_MEMBER:
        raise BackupError(f"Backups support PostgreSQL and SQLite, not {vendor}.")
    if out.is_dir():
        raise BackupError(f"{out} is a directory; give the archive's file name, e.g. {out / 'emgplan.tar.gz'}.")
    try:
        partial = tempfile.NamedTemporaryFile(dir=out.parent, prefix=f".{out.name}.", suffix=".partial",
                                              delete=False)
    except OSError as error:
        raise BackupError(f"Cannot write the archive in {out.parent}: {error.strerror}.") from None
    try:
        with partial, tempfile.TemporaryDirectory(prefix="emgplan-backup-") as work:
            member = DATABASE_MEMBER[vendor]
            database_file = Path(work) / member
            row_counts = _database_dump(vendor=vendor, path=database_file)
            with tarfile.open(fileobj=partial, mode="w:gz") as tar:
                files = [_tar_add(tar, source=database_file, name=member)]
                media_root = Path(settings.MEDIA_ROOT)
                for source in sorted(p for p in media_root.rglob("*") if p.is_file()) if media_root.is_dir() else []:
                    files.append(_tar_add(tar, source=source,
                                          name=MEDIA_PREFIX + source.relative_to(media_root).as_posix()))
                manifest = {
                    "format": FORMAT,
                    "created_at": datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"),
                    "versions": {"django": django.get_version(), "python": platform.python_version(),
                                 "app_commit": _git_commit(), "migrations": _latest_migrations()},
                    "database": {"vendor": vendor, "file": member},
                    "files": files,
                    "row_counts": row_counts,
                }
                data = json.dumps(manifest, indent=2, sort_keys=True).encode()
                info = tarfile.TarInfo(MANIFEST)
                info.size, info.mtime, info.mode = len(data), int(datetime.datetime.now().timestamp()), 0o644
                tar.addfile(info, io.BytesIO(data))
        os.replace(partial.name, out)
    except OSError as error:
        raise BackupError(f"Cannot write the archive {out}: {error.strerror or error}.") from None
    finally:
        if os.path.exists(partial.name):
            os.unlink(partial.name)
    return manifest


def backup_rotate(*, directory: Path, keep: int) -> tuple[Path, dict]:
    """Write `emgplan-<UTC time>.tar.gz` into `directory` and delete all but the newest `keep` such archives;
    return the new archive's path and manifest."""
    if keep < 1:
        raise BackupError("Keep at least one archive.")
    directory = Path(directory)
    try:
        directory.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise BackupError(f"Cannot create the folder {directory}: {error.strerror}.") from None
    stamp = datetime.datetime.now(datetime.UTC).strftime("%Y%m%dT%H%M%SZ")
    out = directory / f"emgplan-{stamp}.tar.gz"
    manifest = backup_create(out=out)
    # The names sort by time; only archives this function wrote match the pattern.
    for old in sorted(directory.glob("emgplan-*Z.tar.gz"))[:-keep]:
        old.unlink()
    return out, manifest


def _database_dump(*, vendor: str, path: Path) -> dict[str, int]:
    """Dump the database to `path`; return the row count of every table, as of the dump."""
    if vendor == "sqlite":
        source = sqlite3.connect(settings.DATABASES["default"]["NAME"])
        target = sqlite3.connect(path)
        try:
            source.backup(target)
            # Counted in the copy itself, so the counts are those of the archived database.
            tables = [row[0] for row in target.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'")]
            return {t: target.execute(f'SELECT COUNT(*) FROM "{t}"').fetchone()[0] for t in sorted(tables)}
        finally:
            source.close()
            target.close()
    if shutil.which("pg_dump") is None:
        raise BackupError("pg_dump not found: install the PostgreSQL client tools (Debian: postgresql-client).")
    # pg_dump reads the snapshot exported by this transaction, so the dump and the row counts are the same
    # moment of the database even while the site keeps writing.
    nested = connection.in_atomic_block
    with transaction.atomic(), connection.cursor() as cursor:
        snapshot = []
        if not nested:
            cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
            cursor.execute("SELECT pg_export_snapshot()")
            snapshot = [f"--snapshot={cursor.fetchone()[0]}"]
        _pg_run(["pg_dump", "--format=custom", "--no-owner", f"--file={path}", *snapshot])
        return _row_counts(cursor)


def _tar_add(tar: tarfile.TarFile, *, source: Path, name: str) -> dict:
    """Add one file and return its manifest entry, hashed from the very bytes written to the archive."""
    with open(source, "rb") as handle:
        info = tar.gettarinfo(fileobj=handle, arcname=name)
        info.uid = info.gid = 0
        info.uname = info.gname = ""
        reader = _HashingReader(handle)
        tar.addfile(info, reader)
    return {"path": name, "size": info.size, "sha256": reader.digest.hexdigest()}


class _HashingReader:
    def __init__(self, handle):
        self.handle, self.digest = handle, hashlib.sha256()

    def read(self, size=-1):
        data = self.handle.read(size)
        self.digest.update(data)
        return data


# --------------------------------------------------------------------------------------------- restore


def backup_restore(*, archive: Path, force: bool = False) -> dict:
    """Replace the database and the files under MEDIA_ROOT with the archive's; return its manifest.

    Nothing changes unless every checksum in the archive matches and (without `force`) the database holds
    no users and no plan data."""
    archive = Path(archive)
    if not archive.is_file():
        raise BackupError(f"No archive at {archive}.")
    with tempfile.TemporaryDirectory(prefix="emgplan-restore-") as work:
        work = Path(work)
        manifest = _archive_unpack_verified(archive=archive, into=work)
        vendor = manifest["database"]["vendor"]
        if vendor != connection.vendor:
            raise BackupError(f"The archive holds a {vendor} database; this site runs on {connection.vendor}.")
        if not force:
            occupied = _database_occupied()
            if occupied:
                raise BackupError(f"The database is not empty ({occupied}); restoring would replace it: "
                                  "add --force to do so.")
        _database_load(vendor=vendor, path=work / manifest["database"]["file"])
        media_root = Path(settings.MEDIA_ROOT)
        for entry in manifest["files"]:
            if entry["path"].startswith(MEDIA_PREFIX):
                target = media_root / entry["path"][len(MEDIA_PREFIX):]
                target.parent.mkdir(parents=True, exist_ok=True)
                staged = target.with_name(f".{target.name}.restoring")
                shutil.copyfile(work / entry["path"], staged)
                os.replace(staged, target)
    _restore_verify(manifest=manifest)
    # No page may show the replaced database. Every shared fragment's key holds the fragments' generation, so
    # replacing it retires them all; cache.clear() would also wipe a Redis database shared with the broker.
    fragments.retire_all()
    return manifest


def _archive_unpack_verified(*, archive: Path, into: Path) -> dict:
    """Unpack into `into` and check every member against the manifest; refuse anything else."""
    try:
        with tarfile.open(archive, mode="r:gz") as tar:
            members = tar.getmembers()
            if not all(m.isfile() for m in members):
                raise BackupError(f"{archive} holds links or devices; a backup archive holds only files.")
            tar.extractall(into, filter="data")
    except (tarfile.TarError, EOFError, zlib.error, OSError) as error:
        raise BackupError(f"{archive} is not a readable backup archive ({error}).") from None
    try:
        manifest = json.loads((into / MANIFEST).read_text())
        entries = {entry["path"]: entry for entry in manifest["files"]}
        _ = manifest["database"]["vendor"], dict(manifest["row_counts"])
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        raise BackupError(f"{archive} has no valid {MANIFEST}; it was not written by `manage.py backup`.") from None
    if manifest.get("format") != FORMAT:
        raise BackupError(f"{archive} is in backup format {manifest.get('format')}; this version reads {FORMAT}.")
    extra = {m.name for m in members} - set(entries) - {MANIFEST}
    if extra:
        raise BackupError(f"{archive} holds files its manifest does not list: {', '.join(sorted(extra)[:3])}.")
    if manifest["database"].get("file") not in entries:
        raise BackupError(f"{archive} holds no database.")
    for path, entry in entries.items():
        problem = _file_check(into / path, entry)
        if problem:
            raise BackupError(f"{archive} is damaged: {path} {problem}; nothing was restored.")
    return manifest


def _file_check(path: Path, entry: dict) -> str:
    """'' when the file has the manifest's size and sha256, else what is wrong with it."""
    if not path.is_file():
        return "is missing"
    if path.stat().st_size != entry["size"]:
        return f"has {path.stat().st_size} bytes instead of {entry['size']}"
    if _sha256(path) != entry["sha256"]:
        return "does not match its checksum"
    return ""


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        while chunk := handle.read(CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def _database_occupied() -> str:
    """What makes the database worth keeping ('' when nothing): users, or rows of this project's apps."""
    tables = set(connection.introspection.table_names())
    user_table = get_user_model()._meta.db_table
    base = Path(settings.BASE_DIR).resolve()
    candidates = [user_table] + [
        model._meta.db_table for model in apps.get_models(include_auto_created=True)
        if Path(model._meta.app_config.path).resolve().parent == base]
    with connection.cursor() as cursor:
        for table in dict.fromkeys(candidates):
            if table in tables:
                cursor.execute(f"SELECT EXISTS (SELECT 1 FROM {connection.ops.quote_name(table)})")
                if cursor.fetchone()[0]:
                    return f"table {table} has rows"
    return ""


def _database_load(*, vendor: str, path: Path) -> None:
    connection.close()  # our own session must hold nothing the restore has to drop
    if vendor == "sqlite":
        source, target = sqlite3.connect(path), sqlite3.connect(settings.DATABASES["default"]["NAME"])
        try:
            source.backup(target)
        finally:
            source.close()
            target.close()
        return
    if shutil.which("pg_restore") is None:
        raise BackupError("pg_restore not found: install the PostgreSQL client tools (Debian: postgresql-client).")
    # One transaction: a restore that fails half-way leaves the database as it was.
    _pg_run(["pg_restore", "--clean", "--if-exists", "--no-owner", "--no-privileges", "--single-transaction",
             "--exit-on-error", f"--dbname={settings.DATABASES['default']['NAME']}", str(path)])


def _restore_verify(*, manifest: dict) -> None:
    media_root = Path(settings.MEDIA_ROOT)
    for entry in manifest["files"]:
        if entry["path"].startswith(MEDIA_PREFIX):
            problem = _file_check(media_root / entry["path"][len(MEDIA_PREFIX):], entry)
            if problem:
                raise BackupError(f"After the restore, {entry['path']} {problem}.")
    with connection.cursor() as cursor:
        counts = _row_counts(cursor)
    wrong = {t: (n, counts.get(t)) for t, n in manifest["row_counts"].items() if counts.get(t) != n}
    if wrong:
        table, (expected, found) = next(iter(wrong.items()))
        raise BackupError(f"After the restore, {len(wrong)} tables have other row counts than the backup "
                          f"(e.g. {table}: {found} instead of {expected}).")


# ------------------------------------------------------------------------------------------------ both


def _row_counts(cursor) -> dict[str, int]:
    counts = {}
    for table in sorted(connection.introspection.table_names(cursor)):
        cursor.execute(f"SELECT COUNT(*) FROM {connection.ops.quote_name(table)}")
        counts[table] = cursor.fetchone()[0]
    return counts


def _pg_run(command: list[str]) -> None:
    """Run a PostgreSQL client tool against the configured database (password in the environment only)."""
    db = settings.DATABASES["default"]
    env = dict(os.environ)
    for variable, value in (("PGHOST", db.get("HOST")), ("PGPORT", db.get("PORT")), ("PGUSER", db.get("USER")),
                            ("PGPASSWORD", db.get("PASSWORD")), ("PGDATABASE", db.get("NAME")),
                            ("PGSSLMODE", db.get("OPTIONS", {}).get("sslmode"))):
        if value:
            env[variable] = str(value)
    result = subprocess.run(command, env=env, capture_output=True, text=True)
    if result.returncode:
        lines = [line for line in result.stderr.splitlines() if line.strip()]
        raise BackupError(f"{command[0]} failed: {lines[-1] if lines else f'exit status {result.returncode}'}")


def _git_commit() -> str | None:
    try:
        result = subprocess.run(["git", "rev-parse", "HEAD"], cwd=settings.BASE_DIR, capture_output=True,
                                text=True, timeout=5)
    except (OSError, subprocess.SubprocessError):
        return None
    return result.stdout.strip() or None


def _latest_migrations() -> dict[str, str]:
    from django.db.migrations.recorder import MigrationRecorder

    latest = {}
    for app, name in MigrationRecorder(connection).applied_migrations():
        latest[app] = max(latest.get(app, name), name)
    return dict(sorted(latest.items()))
