"""Error pages in the site's layout: why it happened and what to do (handler400/403/404/500, CSRF failure, 413).

Each page is rendered with the request, so a signed-in user keeps the header and its Sign out. If the
layout itself cannot be rendered (the database is down, say), a plain page says the same in fewer words.
"""
import logging

from django.contrib.auth.models import User
from django.http import HttpResponse
from django.template.loader import render_to_string
from django.utils.html import escape

from .logs import current_request_id
from .roles import SECRETARIAT, has_role

logger = logging.getLogger("emgplan.errors")

TITLES = {400: "Bad request", 403: "Not allowed", 404: "Page not found", 413: "Too large", 500: "Something went wrong"}


def error_page(request, template: str, status: int, context: dict | None = None) -> HttpResponse:
    context = {"status": status, "request_id": current_request_id() or getattr(request, "id", ""), **(context or {})}
    try:
        html = render_to_string(template, context, request=request)
    except Exception:  # the layout needs the database and the session; an error page must not fail too
        logger.exception("error page %s could not be rendered; sending the plain one", template)
        html = (f"<!doctype html><title>{TITLES.get(status, 'Error')}</title><h1>{TITLES.get(status, 'Error')}</h1>"
                f"<p>Please try again in a few minutes. If it goes on, tell the EMG secretariat and quote the "
                f"reference {escape(context['request_id'])}.</p><p><a href=\"/\">Back to the work plan</a></p>")
    return HttpResponse(html, status=status)


def bad_request(request, exception=None):
    return error_page(request, "errors/400.html", 400)


def permission_denied(request, exception=None):
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated and not has_role(user):
        secretariat = User.objects.filter(groups__name=SECRETARIAT, is_active=True).exclude(email="") \
            .order_by("last_name", "first_name", "username")[:5]
        return error_page(request, "errors/no_role.html", 403, {"secretariat": secretariat})
    # A refusal that is not about the role (a closed work plan) says why in its own words.
    return error_page(request, "errors/403.html", 403, {"reason": getattr(exception, "explanation", "")})


def page_not_found(request, exception=None):
    return error_page(request, "errors/404.html", 404)


def server_error(request):
    return error_page(request, "errors/500.html", 500)


def csrf_failure(request, reason=""):
    return error_page(request, "errors/csrf.html", 403, {"reason": reason})


def request_too_large(request, limit: int):
    return error_page(request, "errors/413.html", 413, {"limit_mb": limit // (1024 * 1024)})
