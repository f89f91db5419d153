import datetime

from django.conf import settings

from emgplan import clock


def site(request):
    """Values every page's layout needs."""
    return {"EMG_DEMO": settings.EMG_DEMO, "EMG_AS_OF": _as_of(request), "EMG_PLAN_TODAY": clock.today(request)}


def _as_of(request):
    """The date a signed-in user chose to view the plan as of, or None (see overview.views.AsOfView)."""
    session = getattr(request, "session", None)
    chosen = session.get(clock.SESSION_KEY) if session is not None else None
    try:
        return datetime.date.fromisoformat(chosen) if chosen else None
    except ValueError:
        return None
