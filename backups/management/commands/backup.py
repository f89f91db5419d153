from pathlib import Path

from django.core.management.base import BaseCommand

from backups.services import backup_create, backup_rotate

from ._errors import media_files, one_line_errors


class Command(BaseCommand):
    help = "Write one archive (tar.gz) with the database, every file under MEDIA_ROOT and a manifest of checksums."

    def add_arguments(self, parser):
        where = parser.add_mutually_exclusive_group(required=True)
        where.add_argument("--out", type=Path, help="the archive to write, e.g. emgplan-2026-11-28.tar.gz")
        where.add_argument("--dir", type=Path, help="write emgplan-<UTC time>.tar.gz in this folder, keeping --keep")
        parser.add_argument("--keep", type=int, default=14, help="with --dir: how many archives to keep (14)")

    def handle(self, *args, out, dir, keep, **options):
        with one_line_errors():
            if dir is not None:
                out, manifest = backup_rotate(directory=dir, keep=keep)
            else:
                manifest = backup_create(out=out)
        media = media_files(manifest)
        self.stdout.write(
            f"Backup written to {out}: {manifest['database']['vendor']} database, "
            f"{sum(manifest['row_counts'].values())} rows in {len(manifest['row_counts'])} tables, "
            f"{len(media)} files ({sum(f['size'] for f in media)} bytes).")
