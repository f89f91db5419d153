from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.db import DatabaseError

from backups.services import BackupError, backup_create


class Command(BaseCommand):
    help = "Write one archive (tar.gz) with the database, every file under MEDIA_ROOT and a manifest of checksums."

    def add_arguments(self, parser):
        parser.add_argument("--out", required=True, type=Path,
                            help="the archive to write, e.g. emgplan-2026-11-28.tar.gz")

    def handle(self, *args, out, **options):
        try:
            manifest = backup_create(out=out)
        except BackupError as error:
            raise CommandError(str(error)) from None
        except DatabaseError as error:
            raise CommandError(f"Database error: {str(error).strip().splitlines()[-1]}") from None
        media = [f for f in manifest["files"] if f["path"].startswith("media/")]
        self.stdout.write(
            f"Backup written to {out}: {manifest['database']['vendor']} database, "
            f"{sum(manifest['row_counts'].values())} rows in {len(manifest['row_counts'])} tables, "
            f"{len(media)} files ({sum(f['size'] for f in media)} bytes).")
