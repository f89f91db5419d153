"""Reads of the work tables that pages and reports share, the plan page's among them."""
from dataclasses import dataclass

from django.core.paginator import Paginator
from django.db.models import Count

from accomplishments.models import ExpectedAccomplishment, WorkPlan
from emgplan import fragments

from .models import Activity


def activity_queryset():
    return Activity.objects.select_related("lead_body", "accomplishment__work_plan")


# A plan up to this many milestones reads best on one page (the 2014–2015 plan has 22); a larger one opens
# at its first expected accomplishment, with the others (and the whole plan) a link away.
ONE_PAGE_MILESTONES = 120
WHOLE_PLAN = "all"


# A section (or the whole plan) with more activities than this is shown a page of them at a time.
ACTIVITIES_PER_PAGE = 30


@dataclass
class Group:
    accomplishment: ExpectedAccomplishment
    activities: list  # the accomplishment's activities on this page, in order


@dataclass
class PlanSections:
    sections: list  # every expected accomplishment, with n_activities and n_milestones
    chosen: str  # the code shown, or WHOLE_PLAN
    shown: list  # the accomplishments shown (Group), with their activities on this page
    page_obj: object  # the page of activities (django.core.paginator.Page)


def plan_sections(*, plan: WorkPlan, chosen: str = "", page=None) -> PlanSections:
    """What the plan page shows: the accomplishment asked for, or by default the whole plan if it is small; a page
    of at most ACTIVITIES_PER_PAGE activities (their milestones are read by the page, activities/tables.py).
    Three queries whatever the plan's size, two when the parts are in the shared cache."""
    # The parts with their counts, the same for everyone: from the shared cache, retired by any change to the
    # plan's milestones or frame (the count grows with the plan: it reads every milestone).
    sections = fragments.fragment("plan-sections", plan_id=plan.pk, kinds=[fragments.PLAN, fragments.FRAME],
                                  build=lambda: list(
        ExpectedAccomplishment.objects.filter(work_plan=plan).order_by("order", "code")
        .annotate(n_activities=Count("activities", distinct=True), n_milestones=Count("activities__milestones"))))
    codes = [s.code for s in sections]
    if chosen not in codes and chosen != WHOLE_PLAN:
        small = sum(s.n_milestones for s in sections) <= ONE_PAGE_MILESTONES
        chosen = WHOLE_PLAN if small or not codes else codes[0]
    shown = [s for s in sections if chosen in (WHOLE_PLAN, s.code)]
    activities = (Activity.objects.filter(accomplishment__in=shown).select_related("lead_body", "accomplishment")
                  .order_by("accomplishment__order", "accomplishment__code", "number"))
    page_obj = Paginator(activities, ACTIVITIES_PER_PAGE).get_page(page)
    by_accomplishment = {}
    for activity in page_obj.object_list:
        by_accomplishment.setdefault(activity.accomplishment_id, []).append(activity)
    # One page: every accomplishment shown, with or without activities; several: those with activities here.
    groups = [Group(s, by_accomplishment.get(s.pk, [])) for s in shown
              if s.pk in by_accomplishment or not page_obj.has_other_pages()]
    return PlanSections(sections=sections, chosen=chosen, shown=groups, page_obj=page_obj)
