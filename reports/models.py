"""Report requests: one row per request, with its state, its compiled files and the data it was built from."""
import uuid

from django.conf import settings
from django.core.validators import RegexValidator
from django.db import models
from django.db.models import Q

from accomplishments.models import Meeting, WorkPlan

FORMATS = ("pdf", "docx", "xlsx")

symbol_validator = RegexValidator(
    r"^[A-Z][A-Za-z0-9]*(?:[./-][A-Za-z0-9]+)*$",
    "Use capital letters, digits, dots, slashes and dashes, e.g. EMG/SOM.20/3.",
    code="invalid_symbol",
)


class ReportQuerySet(models.QuerySet):
    def for_list(self):
        return self.select_related("meeting", "requested_by", "work_plan").defer("snapshot")

    def stuck(self, *, running_before, queued_before):
        """Jobs that outlived their time limit (running) or were never picked up (queued)."""
        return self.filter(
            Q(state=Report.State.RUNNING, started_at__lt=running_before)
            | Q(state=Report.State.QUEUED, requested_at__lt=queued_before)
        )


class Report(models.Model):
    class Kind(models.TextChoices):
        SOM = "som", "SOM progress report"
        UNEA = "unea", "Report to the UN Environment Assembly"

    class State(models.TextChoices):
        QUEUED = "queued", "Queued"
        RUNNING = "running", "Running"
        READY = "ready", "Ready"
        FAILED = "failed", "Failed"

    # Names the report's folder of files: unique across databases that share one media folder.
    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    work_plan = models.ForeignKey(WorkPlan, on_delete=models.PROTECT, related_name="reports")
    kind = models.CharField(max_length=8, choices=Kind.choices, default=Kind.SOM)
    meeting = models.ForeignKey(Meeting, on_delete=models.PROTECT, related_name="reports")
    as_of = models.DateField("as of", help_text="Progress accepted for periods starting on or before this date counts.")
    symbol = models.CharField("document symbol", max_length=60, validators=[symbol_validator])
    issued_on = models.DateField("date of the document")
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="reports_requested"
    )
    state = models.CharField(max_length=8, choices=State.choices, default=State.QUEUED)
    failure_reason = models.TextField(blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    requested_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    snapshot = models.JSONField(null=True, blank=True, editable=False)
    pdf = models.FileField(upload_to="reports/", blank=True, max_length=200)
    docx = models.FileField(upload_to="reports/", blank=True, max_length=200)
    xlsx = models.FileField(upload_to="reports/", blank=True, max_length=200)

    objects = ReportQuerySet.as_manager()

    class Meta:
        ordering = ["-requested_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(state="failed") | ~Q(failure_reason=""),
                name="report_failed_has_reason",
                violation_error_message="A failed report needs the reason.",
            ),
        ]
        indexes = [models.Index(fields=["state", "started_at"])]

    def __str__(self):
        return f"{self.symbol}: {self.get_kind_display()} for {self.meeting}"

    @property
    def is_finished(self):
        return self.state in (self.State.READY, self.State.FAILED)

    @property
    def duration(self):
        if self.started_at and self.finished_at:
            return self.finished_at - self.started_at
        return None

    def files(self):
        """(format, FieldFile) for each compiled file present."""
        return [(fmt, getattr(self, fmt)) for fmt in FORMATS if getattr(self, fmt)]
