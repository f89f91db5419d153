"""Sign-in throttling (django-axes): the lockout page, the client's address, the secretariat's unlock."""
from axes.helpers import get_cool_off
from axes.models import AccessAttempt
from axes.utils import reset
from django.conf import settings
from django.db.models import Max, Sum
from django.shortcuts import render
from django.utils import timezone


def client_ip(request) -> str | None:
    """The address a lockout counts: REMOTE_ADDR, or behind TRUSTED_PROXY_COUNT proxies the one they saw."""
    count = settings.TRUSTED_PROXY_COUNT
    forwarded = [part.strip() for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if part.strip()]
    if count and len(forwarded) >= count:
        return forwarded[-count]
    return request.META.get("REMOTE_ADDR")


def lockout_response(request, original_response=None, credentials=None):
    """429 in the site's layout: why, until when, and what to do. Says nothing about whether the user exists."""
    cool_off = get_cool_off(request)
    # Every refused try during a lockout starts the cool-off again (axes' default), so it ends cool_off from now.
    retry_at = timezone.localtime(timezone.now() + cool_off) if cool_off else None
    return render(request, "registration/locked_out.html", {
        "retry_at": retry_at, "minutes": int(cool_off.total_seconds() // 60) if cool_off else None,
        "failure_limit": settings.AXES_FAILURE_LIMIT,
    }, status=429)


def locked_out() -> dict[str, list[dict]]:
    """The usernames and the addresses locked out now: failures at the limit within the cool-off, newest first."""
    since = timezone.now() - settings.AXES_COOLOFF_TIME
    recent = AccessAttempt.objects.filter(attempt_time__gte=since)
    found = {}
    for field in ("username", "ip_address"):
        found[field] = list(
            recent.exclude(**{f"{field}__isnull": True}).values(field)
            .annotate(failures=Sum("failures_since_start"), last=Max("attempt_time"))
            .filter(failures__gte=settings.AXES_FAILURE_LIMIT).order_by("-last")
        )
        for row in found[field]:
            row["until"] = row["last"] + settings.AXES_COOLOFF_TIME
            row["value"] = row[field]
    return found


def lockout_lift(*, username: str = "", ip_address: str = "") -> int:
    """Forget the failures of one username or one address, so it may sign in again. Safe to repeat."""
    if username:
        return reset(username=username)
    if ip_address:
        return reset(ip=ip_address)
    return 0
