from pathlib import Path

from celery import shared_task

from .services import backup_rotate


@shared_task
def backup_nightly(directory: str, keep: int = 14) -> str:
    """Write a dated archive into `directory`, keeping the newest `keep` (each run adds one; safe to repeat)."""
    out, _manifest = backup_rotate(directory=Path(directory), keep=keep)
    return str(out)
