from pathlib import Path

from django.core.management.base import BaseCommand

from backups.services import backup_restore

from ._errors import media_files, one_line_errors


class Command(BaseCommand):
    help = ("Restore an archive written by `backup`: checks every checksum first, then replaces the database "
            "and puts the files back under MEDIA_ROOT. Refuses a database that holds users or plan data "
            "unless --force.")

    def add_arguments(self, parser):
        parser.add_argument("archive", type=Path)
        parser.add_argument("--force", action="store_true",
                            help="replace a database that already holds users or plan data")

    def handle(self, *args, archive, force, **options):
        with one_line_errors():
            manifest = backup_restore(archive=archive, force=force)
        media = media_files(manifest)
        self.stdout.write(
            f"Restored the backup of {manifest['created_at']}: {sum(manifest['row_counts'].values())} rows "
            f"in {len(manifest['row_counts'])} tables and {len(media)} files, all checksums and row counts verified.")
