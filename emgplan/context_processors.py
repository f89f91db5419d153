import datetime

from django.conf import settings

from emgplan import clock


def site(request):
    """Values every page's layout needs."""
    return {"EMG_DEMO": settings.EMG_DEMO, "EMG_AS_OF": _as_of(request), "EMG_PLAN_TODAY": clock.today(request),
            "unread_notices": lambda: _unread_notices(request)}


def _unread_notices(request) -> int:
    """How many notices the signed-in user has not read: counted when the user is loaded
    (emgplan.backends.StaffModelBackend.get_user), else one COUNT, only when a page shows it."""
    from accounts.models import Notice

    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return 0
    counted = getattr(user, "unread_notice_count", None)
    if counted is not None:
        return counted
    return Notice.objects.filter(user=user, read_at__isnull=True).count()


def _as_of(request):
    """The date a signed-in user chose to view the plan as of, or None (see overview.views.AsOfView)."""
    session = getattr(request, "session", None)
    chosen = session.get(clock.SESSION_KEY) if session is not None else None
    try:
        return datetime.date.fromisoformat(chosen) if chosen else None
    except ValueError:
        return None
