from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.db import DatabaseError

from backups.services import BackupError, backup_restore


class Command(BaseCommand):
    help = ("Restore an archive written by `backup`: checks every checksum first, then replaces the database "
            "and puts the files back under MEDIA_ROOT. Refuses a database that holds users or plan data "
            "unless --force.")

    def add_arguments(self, parser):
        parser.add_argument("archive", type=Path)
        parser.add_argument("--force", action="store_true",
                            help="replace a database that already holds users or plan data")

    def handle(self, *args, archive, force, **options):
        try:
            manifest = backup_restore(archive=archive, force=force)
        except BackupError as error:
            raise CommandError(str(error)) from None
        except DatabaseError as error:
            raise CommandError(f"Database error: {str(error).strip().splitlines()[-1]}") from None
        media = [f for f in manifest["files"] if f["path"].startswith("media/")]
        self.stdout.write(
            f"Restored the backup of {manifest['created_at']}: {sum(manifest['row_counts'].values())} rows "
            f"in {len(manifest['row_counts'])} tables and {len(media)} files, all checksums and row counts verified.")
