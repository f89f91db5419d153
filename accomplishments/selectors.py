"""Reads of the plan's frame that pages and reports share (reads with milestones: activities.selectors)."""
from contextvars import ContextVar

from django.db.models import Case, When
from django.utils.functional import SimpleLazyObject, empty

from .models import WorkPlan


def workplan_current() -> WorkPlan | None:
    """The plan people work on (status current).

    Without a current plan (a fresh database holding only drafts), the latest by period, so pages still show one.
    """
    plans = list(WorkPlan.objects.order_by(
        Case(When(status=WorkPlan.Status.CURRENT, then=0), default=1), "-first_year", "-id")[:1])
    return plans[0] if plans else None


def workplan_of(request) -> WorkPlan | None:
    """The plan the request is about (WorkPlanMiddleware): the current one unless the address names another."""
    if not hasattr(request, "plan"):
        return workplan_current()  # a request that did not pass the middleware (RequestFactory)
    plan = request.plan
    if isinstance(plan, SimpleLazyObject):  # unwrapped, so that `plan is None` means what it says
        if plan._wrapped is empty:
            plan._setup()
        plan = plan._wrapped
    return plan


def closed_plan_ids(user) -> frozenset:
    """Ids of the closed plans, read once per request (kept on the user object, like the user's roles): from
    the plans WorkPlanMiddleware read for the page when it did, else in one query."""
    if not hasattr(user, "_emg_closed_plan_ids"):
        plans = request_plans.get()
        if plans is None:
            ids = WorkPlan.objects.filter(status=WorkPlan.Status.CLOSED).values_list("pk", flat=True)
        else:
            ids = [p.pk for p in plans if p.status == WorkPlan.Status.CLOSED]
        user._emg_closed_plan_ids = frozenset(ids)
    return user._emg_closed_plan_ids


# The plans of the request being served (WorkPlanMiddleware), for the rules, which do not see the request.
request_plans: ContextVar = ContextVar("request_plans", default=None)


def workplan_for_code(code: str) -> WorkPlan | None:
    """The plan whose pages live under /plans/<code>/, or None."""
    return WorkPlan.objects.filter(code=code).first()


def workplans_all() -> list[WorkPlan]:
    """Every plan, the current one first, then drafts, then past and closed ones, latest first.

    Read for nearly every page (which plan it is about, which are closed), the same for everyone: kept in the
    shared cache under the plans' frame, which any change to a plan retires once it commits (accomplishments/apps.py;
    the synthetic plan's bulk change of statuses is followed by a plan created, which retires it too). One query
    when it is not there."""
    from emgplan import fragments

    def build():
        rank = Case(When(status=WorkPlan.Status.CURRENT, then=0), When(status=WorkPlan.Status.DRAFT, then=1),
                    default=2)
        return list(WorkPlan.objects.annotate(rank=rank).order_by("rank", "-first_year", "-id"))

    return fragments.fragment("work-plans", plan_id=0, kinds=[fragments.FRAME], build=build)
