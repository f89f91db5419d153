"""Reusable filters for the work tables (django-oscar style: QuerySet methods)."""
from django.db import models
from django.db.models import Q

from .status import OPEN_STATUSES, due_expression, open_q, overdue_q

__all__ = ["OPEN_STATUSES", "MilestoneQuerySet", "ProgressUpdateQuerySet", "ContributionQuerySet"]


class MilestoneQuerySet(models.QuerySet):
    def open(self):
        return self.filter(open_q())

    def with_due(self):
        """Annotate `due_on`: the milestone's own date, else its meeting's first day."""
        return self.annotate(due_on=due_expression())

    def overdue(self, today):
        return self.with_due().filter(overdue_q(today))

    def led_by(self, user):
        return self.filter(activity__lead_body__leads=user)

    def for_plan_display(self):
        return self.select_related("due_meeting", "parent").order_by("activity", "parent_id", "order", "label")


class ProgressUpdateQuerySet(models.QuerySet):
    def accepted(self):
        return self.filter(review_state="accepted")

    def visible_to(self, user):
        """Accepted updates for everyone; drafts and the rest only to their author, leads and the secretariat."""
        from .permissions import is_secretariat, lead_body_ids

        if is_secretariat(user):
            return self
        # The bodies the user leads are read once per request: no join through their leads, so no DISTINCT
        # (PostgreSQL took longer to plan that query, 7 ms, than to run it).
        visible = Q(review_state="accepted") | Q(author=user)
        led = lead_body_ids(user)
        if led:
            visible |= Q(activity__lead_body_id__in=sorted(led)) & ~Q(review_state="draft")
        return self.filter(visible)


class ContributionQuerySet(models.QuerySet):
    def totals(self):
        return self.aggregate(
            staff_days=models.Sum("staff_days"), amount_usd=models.Sum("amount_usd"),
            count=models.Count("id"),
        )
