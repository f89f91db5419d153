"""The daily reminder job, run by Celery beat (see CELERY_BEAT_SCHEDULE in settings)."""
import datetime

from celery import shared_task

from emgplan import clock

from .services import reminders_send


@shared_task(name="cycles.tasks.send_reminders")
def send_reminders(today: str | None = None) -> int:
    """Send today's reminders (the application's today unless given). Safe to run twice: returns how many went."""
    day = datetime.date.fromisoformat(today) if today else clock.configured_today()
    return len(reminders_send(today=day))
