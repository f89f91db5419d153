"""What the backup and restore commands say when they stop: one line, no traceback."""
from contextlib import contextmanager

from django.core.management.base import CommandError
from django.db import DatabaseError

from backups.services import BackupError


@contextmanager
def one_line_errors():
    try:
        yield
    except BackupError as error:
        raise CommandError(str(error)) from None
    except DatabaseError as error:
        raise CommandError(f"Database error: {str(error).strip().splitlines()[-1]}") from None


def media_files(manifest: dict) -> list[dict]:
    return [f for f in manifest["files"] if f["path"].startswith("media/")]
