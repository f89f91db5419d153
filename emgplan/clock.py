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
