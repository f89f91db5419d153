"""Reads of the work tables that pages and reports share."""
from django.db.models import Prefetch

from accomplishments.selectors import milestones_prefetch

from .models import Activity


def activity_queryset():
    return Activity.objects.select_related("lead_body", "accomplishment__work_plan")


def activity_detail_prefetches():
    """What the activity page shows besides the activity: its milestones (with sub-items) and partners."""
    return [milestones_prefetch(), Prefetch("partners")]
