"""Reads of the plan that pages and reports share."""
from contextvars import ContextVar
from dataclasses import dataclass

from django.db.models import Case, Count, Prefetch, Subquery, When
from django.utils.functional import SimpleLazyObject, empty

from activities.models import Activity, Milestone
from emgplan.plan_cache import VERSION_PK

from .models import ExpectedAccomplishment, PlanVersion, WorkPlan


def _with_version():
    version = PlanVersion.objects.filter(pk=VERSION_PK).values("number")[:1]
    return WorkPlan.objects.annotate(cache_version=Subquery(version))


def workplan_current() -> WorkPlan | None:
    """The plan people work on (status current), with the plan version its pages are cached under.

    Without a current plan (a fresh database holding only drafts), the latest by period, so pages still show one.
    """
    plans = list(_with_version().order_by(
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
    return _with_version().filter(code=code).first()


def workplans_all() -> list[WorkPlan]:
    """Every plan, the current one first, then drafts, then past and closed ones, latest first, each with the
    plan version its pages are cached under (one query)."""
    rank = Case(When(status=WorkPlan.Status.CURRENT, then=0), When(status=WorkPlan.Status.DRAFT, then=1), default=2)
    return list(_with_version().annotate(rank=rank).order_by("rank", "-first_year", "-id"))


def milestones_prefetch():
    """Top-level milestones with their sub-items, in document order (two queries in all)."""
    children = Milestone.objects.select_related("due_meeting", "activity__accomplishment").order_by("order", "label")
    return Prefetch(
        "milestones",
        queryset=Milestone.objects.filter(parent__isnull=True)
        .select_related("due_meeting")
        .prefetch_related(Prefetch("children", queryset=children))
        .order_by("order", "label"),
        to_attr="top_milestones",
    )


def plan_overview(*, plan: WorkPlan, codes=None) -> list[ExpectedAccomplishment]:
    """A–D (or those of `codes`) with their activities and milestones, in document order; constant query count."""
    activities = Activity.objects.select_related("lead_body", "accomplishment").prefetch_related(
        milestones_prefetch()
    ).order_by("number")
    accomplishments = ExpectedAccomplishment.objects.filter(work_plan=plan)
    if codes is not None:
        accomplishments = accomplishments.filter(code__in=codes)
    return list(accomplishments.order_by("order", "code").prefetch_related(Prefetch("activities", queryset=activities)))


# A plan up to this many milestones reads best on one page (the 2014–2015 plan has 22); a larger one opens
# at its first expected accomplishment, with the others (and the whole plan) a link away.
ONE_PAGE_MILESTONES = 120
WHOLE_PLAN = "all"


@dataclass
class PlanSections:
    sections: list  # every expected accomplishment, with n_activities and n_milestones
    chosen: str  # the code shown, or WHOLE_PLAN
    shown: list  # the accomplishments shown, with their activities and milestones


def plan_sections(*, plan: WorkPlan, chosen: str = "") -> PlanSections:
    """What the plan page shows: the accomplishment asked for, or by default the whole plan if it is small."""
    sections = list(
        ExpectedAccomplishment.objects.filter(work_plan=plan).order_by("order", "code")
        .annotate(n_activities=Count("activities", distinct=True), n_milestones=Count("activities__milestones"))
    )
    codes = [s.code for s in sections]
    if chosen not in codes and chosen != WHOLE_PLAN:
        small = sum(s.n_milestones for s in sections) <= ONE_PAGE_MILESTONES
        chosen = WHOLE_PLAN if small or not codes else codes[0]
    shown = plan_overview(plan=plan, codes=None if chosen == WHOLE_PLAN else [chosen])
    return PlanSections(sections=sections, chosen=chosen, shown=shown)
