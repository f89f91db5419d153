"""What every page's layout needs from accounts: the signed-in user's unread notices."""
from .models import Notice


def notices(request):
    return {"unread_notices": lambda: _unread_notices(request)}


def _unread_notices(request) -> int:
    """How many notices the signed-in user has not read: counted when the user is loaded
    (accounts.backends.StaffModelBackend.get_user), else one COUNT, only when a page shows it."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return 0
    counted = getattr(user, "unread_notice_count", None)
    if counted is not None:
        return counted
    return Notice.objects.filter(user=user, read_at__isnull=True).count()
