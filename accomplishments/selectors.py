"""Reads of the plan's frame that pages and reports share (reads with milestones: activities.selectors)."""
from django.db.models import Subquery

from emgplan.plan_cache import VERSION_PK

from .models import PlanVersion, WorkPlan


def workplan_current() -> WorkPlan | None:
    """The plan people work on: the latest by period, with the plan version its pages are cached under."""
    version = PlanVersion.objects.filter(pk=VERSION_PK).values("number")[:1]
    return WorkPlan.objects.annotate(cache_version=Subquery(version)).order_by("-first_year", "-id").first()
