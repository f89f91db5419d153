"""The application's one notion of today.

The real date by default; a fixed date when EMG_TODAY is configured; and, for a signed-in user,
the "as of" date chosen in the page header (kept in the session).
"""
import datetime

from django.conf import settings
from django.utils import timezone

SESSION_KEY = "emg_as_of"


def configured_today() -> datetime.date:
    if settings.EMG_TODAY:
        return datetime.date.fromisoformat(settings.EMG_TODAY)
    return timezone.localdate()


def today(request=None) -> datetime.date:
    if request is not None and hasattr(request, "session"):
        chosen = request.session.get(SESSION_KEY)
        if chosen:
            try:
                return datetime.date.fromisoformat(chosen)
            except ValueError:
                pass
    return configured_today()


def now() -> datetime.datetime:
    """The moment to stamp on what the application records: the real time, or in a replay (EMG_TODAY)
    the real time of day on the configured date, so that what users do in a replayed 2014 is dated in 2014."""
    real = timezone.now()
    if not settings.EMG_TODAY:
        return real
    day = configured_today()
    return timezone.localtime(real).replace(year=day.year, month=day.month, day=day.day)


def _stamp_history(sender, instance, history_instance, **kwargs):
    """History written without an explicit date (`_history_date`) takes the application's clock."""
    if settings.EMG_TODAY and not hasattr(instance, "_history_date"):
        history_instance.history_date = now()


def connect_signals() -> None:
    from simple_history.signals import pre_create_historical_record

    pre_create_historical_record.connect(_stamp_history, dispatch_uid="emg-clock-history-date")


def on_app_clock(moment: datetime.datetime | None) -> datetime.datetime | None:
    """A moment the machinery recorded on the real clock (a job's start, say), as the application tells
    time: in a replay everything happens on the configured date, at its real time of day."""
    if moment is None or not settings.EMG_TODAY:
        return moment
    day = configured_today()
    return timezone.localtime(moment).replace(year=day.year, month=day.month, day=day.day)
