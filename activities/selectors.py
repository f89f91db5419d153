"""Reads of the work tables that pages and reports share."""
from django.db.models import Prefetch

from accomplishments.selectors import milestones_prefetch

from .models import Activity


def activity_detail_queryset():
    return Activity.objects.select_related("lead_body", "accomplishment__work_plan").prefetch_related(
        milestones_prefetch(), Prefetch("partners")
    )
