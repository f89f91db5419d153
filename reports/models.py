"""Report requests: one row per request, with its state, its compiled files and the data it was built from."""
import uuid

from django.conf import settings
from django.core.validators import RegexValidator
from django.db import models
from django.db.models import Q

from accomplishments.models import Meeting, WorkPlan

FORMATS = ("pdf", "docx", "xlsx")
ACTIVE_STATES = ("queued", "running")

symbol_validator = RegexValidator(
    r"^[A-Z][A-Za-z0-9]*(?:[./-][A-Za-z0-9]+)*$",
    "Use capital letters, digits, dots, slashes and dashes, e.g. EMG/SOM.20/3.",
    code="invalid_symbol",
)


class ReportQuerySet(models.QuerySet):
    def for_list(self):
        return self.select_related("meeting", "requested_by", "work_plan").defer("snapshot")

    def families(self):
        """Originals (revision 0), each with its revisions prefetched in order: the list shows them together."""
        revisions = Report.objects.for_list().order_by("revision")
        return self.for_list().filter(revision_of__isnull=True).prefetch_related(
            models.Prefetch("revisions", queryset=revisions))

    def active(self):
        return self.filter(state__in=ACTIVE_STATES)

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
    as_of = models.DateField("as of", help_text="The report states what the record held on this date.")
    symbol = models.CharField("document symbol", max_length=60, validators=[symbol_validator])
    # A revision is a new document under the same symbol (printed ".../Rev.1"), with its own files;
    # revision_of always points at the original (revision 0), so a family is one query.
    revision = models.PositiveSmallIntegerField(default=0)
    revision_of = models.ForeignKey("self", on_delete=models.PROTECT, null=True, blank=True,
                                    related_name="revisions")
    issued_on = models.DateField("date of issue")
    agenda_item = models.CharField(max_length=300, blank=True)
    suggested_actions = models.TextField("suggested action by the senior officials", blank=True)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="reports_requested"
    )
    state = models.CharField(max_length=8, choices=State.choices, default=State.QUEUED)
    failure_reason = models.TextField(blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    requested_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    # Written by the compiling worker (its Celery hostname) and refreshed while it works, so a reader
    # can tell a job whose worker died from one that is still running.
    worker = models.CharField(max_length=200, blank=True)
    heartbeat_at = models.DateTimeField(null=True, blank=True)
    snapshot = models.JSONField(null=True, blank=True, editable=False)
    pdf = models.FileField(upload_to="reports/", blank=True, max_length=200)
    docx = models.FileField(upload_to="reports/", blank=True, max_length=200)
    xlsx = models.FileField(upload_to="reports/", blank=True, max_length=200)

    objects = ReportQuerySet.as_manager()

    class Meta:
        ordering = ["-requested_at", "-id"]
        constraints = [
            # Also what makes a double-submitted request (two tabs) one report: the second insert fails.
            models.UniqueConstraint(
                fields=["work_plan", "symbol", "revision"], name="report_symbol_unique_in_plan",
                violation_error_message="Another report of this work plan already has this symbol.",
            ),
            models.CheckConstraint(
                condition=Q(revision=0, revision_of__isnull=True) | Q(revision__gt=0, revision_of__isnull=False),
                name="report_revision_has_original",
                violation_error_message="A revision points at its original, and only a revision does.",
            ),
            models.CheckConstraint(
                condition=~Q(state="failed") | ~Q(failure_reason=""),
                name="report_failed_has_reason",
                violation_error_message="A failed report needs the reason.",
            ),
        ]
        indexes = [models.Index(fields=["state", "started_at"])]

    def __str__(self):
        return f"{self.symbol_display}: {self.get_kind_display()} for {self.meeting}"

    @property
    def symbol_display(self):
        """The symbol as printed: EMG/SOM.20/3, or EMG/SOM.20/3/Rev.1 for a revision."""
        return f"{self.symbol}/Rev.{self.revision}" if self.revision else self.symbol

    @property
    def is_active(self):
        return self.state in ACTIVE_STATES

    @property
    def original_id(self):
        return self.revision_of_id or self.pk

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
