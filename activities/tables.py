"""The milestone tables of activities (the activity page's; on the plan page each whole activity with its
table), from the shared cache.

A table shows an activity's milestones with their due dates, status and health as of the day: the same for
everyone who may read the plan, except the column of what the reader may do (change status, or file progress),
which makes three variants. Each table is a fragment of scope "activity" (emgplan/fragments.py): a change to
one of its milestones or progress updates retires that table alone; a change to the plan's frame (meetings,
accomplishments, activities, reporting cycles, lead bodies) retires them all. Milestones are read only for the
activities whose table is missing. The plan page in arranging mode (the secretariat's edit and move controls,
with their CSRF tokens) is built for its reader alone.
"""
import datetime

from django.db.models import prefetch_related_objects
from django.urls import reverse

from emgplan import fragments

from .models import Activity
from .selectors import milestones_prefetch

SCOPE = "activity"


def milestone_tables(activities, *, plan_id, rights, today: datetime.date, request,
                     name: str = "milestone-table") -> fragments.Batch:
    """The batch of fragments `name` for {% shared_fragment %} (the plan page's are whole activities, the
    activity page's their table); the activities whose fragment is missing get their milestones."""
    variants = {}
    for activity in activities:
        if activity.pk in rights.status:  # the "Change status" link comes back to this page
            variants[activity.pk] = ("status", request.get_full_path())
        elif activity.pk in rights.progress:
            variants[activity.pk] = "progress"
    batch = fragments.Batch(name, plan_id=plan_id, kinds=[fragments.FRAME], scope=SCOPE,
                            ids=[a.pk for a in activities], variants=variants,
                            parts=[today.isoformat(), reverse("activities:plan")])
    missing = set(batch.missing)
    if missing:  # building the prefetch's query costs as much as a cached table's whole page
        prefetch_related_objects([a for a in activities if a.pk in missing], milestones_prefetch(today=today))
    return batch


def plan_activity_ids(plan_id) -> list[int]:
    """The ids of the plan's activities (whose scope tokens a fragment of the whole plan holds), from the shared
    cache: an activity added, deleted or moved retires the plan's frame, and with it this list."""
    return fragments.fragment("plan-activity-ids", plan_id=plan_id, kinds=[fragments.FRAME], build=lambda: list(
        Activity.objects.filter(accomplishment__work_plan_id=plan_id).order_by("pk").values_list("pk", flat=True)))


def milestones_read(activities, *, today: datetime.date) -> None:
    """Every activity's milestones, for a page that shows them without the shared cache (the plan's arranging)."""
    prefetch_related_objects(list(activities), milestones_prefetch(today=today))
