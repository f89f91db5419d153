"""Reads of the plan that pages and reports share."""
from django.db.models import Prefetch, Subquery

from activities.models import Activity, Milestone
from emgplan.plan_cache import VERSION_PK

from .models import ExpectedAccomplishment, PlanVersion, WorkPlan


def workplan_current() -> WorkPlan | None:
    """The plan people work on: the latest by period, with the plan version its pages are cached under."""
    version = PlanVersion.objects.filter(pk=VERSION_PK).values("number")[:1]
    return WorkPlan.objects.annotate(cache_version=Subquery(version)).order_by("-first_year", "-id").first()


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


def plan_overview(*, plan: WorkPlan) -> list[ExpectedAccomplishment]:
    """A–D with their activities and milestones, in the order of the document; constant query count."""
    activities = Activity.objects.select_related("lead_body", "accomplishment").prefetch_related(
        milestones_prefetch()
    ).order_by("number")
    return list(
        ExpectedAccomplishment.objects.filter(work_plan=plan)
        .order_by("order", "code")
        .prefetch_related(Prefetch("activities", queryset=activities))
    )
