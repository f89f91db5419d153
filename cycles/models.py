"""Reporting cycles (progress due before a meeting) and the record of reminders already sent."""
from django.conf import settings
from django.db import models
from django.db.models import F, Q

from accomplishments.models import Meeting, WorkPlan
from emgplan import clock


class ReportingCycle(models.Model):
    """The secretariat asks the leads for progress before a meeting: filed by the cut-off, reviewed by the deadline."""

    class Status(models.TextChoices):
        OPEN = "open", "Open"
        CLOSED = "closed", "Closed"

    work_plan = models.ForeignKey(WorkPlan, on_delete=models.CASCADE, related_name="cycles")
    meeting = models.ForeignKey(Meeting, on_delete=models.PROTECT, related_name="cycles")
    period_start = models.DateField(
        "progress counted from",
        help_text="Accepted updates for a reporting period ending on or after this date count for the cycle.",
    )
    cut_off = models.DateField("cut-off date", help_text="Leads must have filed their progress by this date.")
    review_deadline = models.DateField(
        "review deadline", help_text="The secretariat reviews what was filed by this date.")
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.OPEN)
    opened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    created = models.DateTimeField(default=clock.now, editable=False)
    closed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-cut_off", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["work_plan", "meeting"], condition=Q(status="open"), name="cycle_one_open_per_meeting",
                violation_error_message="A cycle for this meeting is already open.",
            ),
            models.CheckConstraint(
                condition=Q(review_deadline__gte=F("cut_off")), name="cycle_review_after_cut_off",
                violation_error_message="The review deadline cannot be before the cut-off.",
            ),
            models.CheckConstraint(
                condition=Q(cut_off__gte=F("period_start")), name="cycle_cut_off_after_period_start",
                violation_error_message="The cut-off cannot be before the start of the reporting period.",
            ),
        ]

    def __str__(self):
        return f"Reporting cycle for {self.meeting.code} (cut-off {self.cut_off:%-d %b %Y})"

    @property
    def is_open(self):
        return self.status == self.Status.OPEN


class ReminderSent(models.Model):
    """One reminder that went out; the unique constraint makes a rerun or a second beat send nothing twice."""

    class Kind(models.TextChoices):
        LEAD_DIGEST = "lead_digest", "Lead digest before the cut-off"
        MISSING = "missing", "Missing progress, to the secretariat"
        CHAIR_SUMMARY = "chair_summary", "Summary for the Chair"
        REVIEW = "review", "Updates waiting for review, to the secretariat"

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="reminders_sent")
    cycle = models.ForeignKey(ReportingCycle, on_delete=models.CASCADE, related_name="reminders")
    kind = models.CharField(max_length=16, choices=Kind.choices)
    offset = models.IntegerField(help_text="Days before (+) or after (-) the cut-off; weeks for review reminders.")
    sent_on = models.DateField()
    items = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["-sent_on", "kind", "user_id"]
        constraints = [
            models.UniqueConstraint(fields=["user", "cycle", "kind", "offset"], name="reminder_once_per_offset"),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} to {self.user} ({self.offset}) on {self.sent_on}"
