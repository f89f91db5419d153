"""Reads of the work tables that pages and reports share, the plan page's among them."""
import datetime
from dataclasses import dataclass

from django.db.models import Count, Prefetch

from accomplishments.models import ExpectedAccomplishment, WorkPlan

from .models import Activity, Milestone
from .row_figures import milestones_annotated


def activity_queryset():
    return Activity.objects.select_related("lead_body", "accomplishment__work_plan")


def milestones_prefetch(*, today: datetime.date):
    """Top-level milestones with their sub-items, in document order, each with the figures other apps derive
    (its health: activities.row_figures), as of `today` (two queries in all)."""
    children = milestones_annotated(
        Milestone.objects.select_related("due_meeting", "activity__accomplishment").order_by("order", "label"), today)
    return Prefetch(
        "milestones",
        queryset=milestones_annotated(Milestone.objects.filter(parent__isnull=True), today)
        .select_related("due_meeting")
        .prefetch_related(Prefetch("children", queryset=children))
        .order_by("order", "label"),
        to_attr="top_milestones",
    )


def plan_overview(*, plan: WorkPlan, today: datetime.date, codes=None,
                  with_milestones: bool = True) -> list[ExpectedAccomplishment]:
    """A–D (or those of `codes`) with their activities and (unless not `with_milestones`: the page reads them
    only for the activities whose table is not in the shared cache) milestones, in document order; constant
    query count."""
    activities = Activity.objects.select_related("lead_body", "accomplishment").order_by("number")
    if with_milestones:
        activities = activities.prefetch_related(milestones_prefetch(today=today))
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


def plan_sections(*, plan: WorkPlan, today: datetime.date, chosen: str = "",
                  with_milestones: bool = True) -> PlanSections:
    """What the plan page shows: the accomplishment asked for, or by default the whole plan if it is small."""
    sections = list(
        ExpectedAccomplishment.objects.filter(work_plan=plan).order_by("order", "code")
        .annotate(n_activities=Count("activities", distinct=True), n_milestones=Count("activities__milestones"))
    )
    codes = [s.code for s in sections]
    if chosen not in codes and chosen != WHOLE_PLAN:
        small = sum(s.n_milestones for s in sections) <= ONE_PAGE_MILESTONES
        chosen = WHOLE_PLAN if small or not codes else codes[0]
    shown = plan_overview(plan=plan, today=today, codes=None if chosen == WHOLE_PLAN else [chosen],
                          with_milestones=with_milestones)
    return PlanSections(sections=sections, chosen=chosen, shown=shown)
