"""Which work plan a request is about: the current one, or the one an address under /plans/<code>/ names.

The prefix works like a script prefix (SCRIPT_NAME): it is taken off the path before the URL is resolved and
set as the script prefix for the request, so every reverse() and {% url %} of the page keeps the plan, and the
apps' URL patterns know nothing of it. A write (POST, PUT, PATCH, DELETE) under a closed plan is refused here
at once; the services refuse it too, whatever the address (a closed plan is a read-only record).
"""
import re

from django.http import Http404
from django.urls import get_script_prefix, set_script_prefix
from django.utils.functional import SimpleLazyObject

from .selectors import request_plans
from .services import refuse_closed_plan

PREFIX = re.compile(r"^/plans/(?P<code>[A-Za-z0-9_-]{1,30})(?P<rest>/.*)$")
SAFE_METHODS = {"GET", "HEAD", "OPTIONS", "TRACE"}


def _plans():
    from .selectors import workplans_all

    return workplans_all()


def _choose(request):
    code = request.plan_code
    for plan in request.plans:
        if (plan.code == code) if code else plan.is_current:
            return plan
    if code:
        return None
    from .selectors import workplan_current

    return workplan_current()  # no plan is current (a fresh database): the latest


class WorkPlanMiddleware:
    """Sets request.plan (lazy: read when a page asks), request.plans (every plan, one query) and
    request.plan_code ("" for the current plan's own addresses)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        previous = get_script_prefix()
        match = PREFIX.match(request.path_info)
        request.plan_code = match["code"] if match else ""
        request.plans = SimpleLazyObject(_plans)
        request.plan = SimpleLazyObject(lambda: _choose(request))
        token = request_plans.set(request.plans)
        try:
            return self._serve(request, match, previous)
        finally:
            request_plans.reset(token)

    def _serve(self, request, match, previous):
        if match is None:
            return self.get_response(request)
        plan = _choose(request)
        if plan is None:
            # The error page shows the current plan.
            request.plan_code = ""
            request.plan = SimpleLazyObject(lambda: _choose(request))
            raise Http404(f"There is no work plan {match['code']}.")
        request.plan = plan
        request.path_info = match["rest"]
        set_script_prefix(f"{previous.rstrip('/')}/plans/{match['code']}/")
        try:
            if request.method not in SAFE_METHODS:
                refuse_closed_plan(plan)
            return self.get_response(request)
        finally:
            # The test client (and a thread serving the next request) must not inherit this request's prefix.
            set_script_prefix(previous)
