"""The work of the plan: lead bodies, activities, milestones, progress updates and contributions."""
import uuid
from pathlib import Path

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models
from django.db.models import F, Q
from simple_history.models import HistoricalRecords

from accomplishments.models import ExpectedAccomplishment, Meeting, Member
from emgplan import clock

from .querysets import ContributionQuerySet, MilestoneQuerySet, ProgressUpdateQuerySet
from .validators import validate_evidence_links

MAX_USD = 100_000_000
MAX_STAFF_DAYS = 10_000


class LeadBody(models.Model):
    class Kind(models.TextChoices):
        IMG = "img", "Issue Management Group"
        CONSULTATIVE = "consultative", "Consultative process"
        PEER_REVIEW = "peer_review", "Peer-review body"
        SECRETARIAT = "secretariat", "Secretariat"

    kind = models.CharField(max_length=20, choices=Kind.choices)
    name = models.CharField(max_length=200, unique=True)
    short_name = models.CharField(max_length=40, unique=True)
    lead_member = models.ForeignKey(
        Member, on_delete=models.SET_NULL, null=True, blank=True, related_name="leads_bodies"
    )
    members = models.ManyToManyField(Member, blank=True, related_name="lead_bodies")
    leads = models.ManyToManyField(
        settings.AUTH_USER_MODEL, blank=True, related_name="lead_bodies",
        help_text="Users who lead this body: they file progress and move its milestones.",
    )
    history = HistoricalRecords()

    class Meta:
        ordering = ["name"]
        verbose_name_plural = "lead bodies"

    def __str__(self):
        return self.name


class Activity(models.Model):
    accomplishment = models.ForeignKey(
        ExpectedAccomplishment, on_delete=models.CASCADE, related_name="activities"
    )
    number = models.PositiveSmallIntegerField(validators=[MinValueValidator(1)])
    title = models.CharField(max_length=300)
    description = models.TextField(blank=True)
    lead_body = models.ForeignKey(
        LeadBody, on_delete=models.SET_NULL, null=True, blank=True, related_name="activities"
    )
    partners = models.ManyToManyField(Member, blank=True, related_name="partner_in")
    version = models.PositiveIntegerField(default=1, editable=False)
    history = HistoricalRecords()

    class Meta:
        ordering = ["accomplishment__order", "number"]
        verbose_name_plural = "activities"
        constraints = [
            models.UniqueConstraint(
                fields=["accomplishment", "number"],
                name="activity_number_unique_in_accomplishment",
                violation_error_message="This expected accomplishment already has an activity with this number.",
            ),
        ]

    def __str__(self):
        return f"{self.code} {self.title}"

    @property
    def code(self):
        return f"{self.accomplishment.code}.{self.number}"


def label_ref(label: str, parent_label: str | None = None) -> str:
    """A milestone's label as the document writes it: (c), or (c)(ii) for sub-item ii of (c)."""
    return f"({parent_label})({label})" if parent_label is not None else f"({label})"


def milestone_name(accomplishment_code: str, activity_number, label: str, parent_label: str | None = None) -> str:
    """str(milestone) from plain values (rows read without model instances): A.1(c), or A.1(c)(ii)."""
    return f"{accomplishment_code}.{activity_number}{label_ref(label, parent_label)}"


class Milestone(models.Model):
    class Status(models.TextChoices):
        NOT_STARTED = "not_started", "Not started"
        ON_TRACK = "on_track", "On track"
        AT_RISK = "at_risk", "At risk"
        DELAYED = "delayed", "Delayed"
        COMPLETED = "completed", "Completed"
        CANCELLED = "cancelled", "Cancelled"

    activity = models.ForeignKey(Activity, on_delete=models.CASCADE, related_name="milestones")
    parent = models.ForeignKey(
        "self", on_delete=models.CASCADE, null=True, blank=True, related_name="children",
        help_text="Set for a sub-item such as (i) under C.1(c).",
    )
    label = models.CharField(
        max_length=8,
        validators=[RegexValidator(r"^[a-z]{1,8}$", "Use lower-case letters, e.g. a, b, iv.")],
    )
    order = models.PositiveSmallIntegerField(default=0)
    text = models.TextField()
    due_meeting = models.ForeignKey(
        Meeting, on_delete=models.PROTECT, null=True, blank=True, related_name="milestones_due"
    )
    due_date = models.DateField(null=True, blank=True)
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.NOT_STARTED)
    completed_on = models.DateField("completion date", null=True, blank=True)
    version = models.PositiveIntegerField(default=1, editable=False)
    carried_from = models.ForeignKey(
        "self", on_delete=models.SET_NULL, null=True, blank=True, related_name="carried_into", editable=False,
        help_text="The unfinished milestone of an earlier plan that this one continues.",
    )
    history = HistoricalRecords()

    objects = MilestoneQuerySet.as_manager()

    class Meta:
        ordering = ["activity", "order", "label"]
        constraints = [
            models.UniqueConstraint(
                fields=["activity", "label"], condition=Q(parent__isnull=True),
                name="milestone_label_unique_in_activity",
                violation_error_message="This activity already has a milestone with this label.",
            ),
            models.UniqueConstraint(
                fields=["parent", "label"], condition=Q(parent__isnull=False),
                name="milestone_label_unique_under_parent",
                violation_error_message="This milestone already has a sub-item with this label.",
            ),
            models.CheckConstraint(
                condition=(Q(status="completed") & Q(completed_on__isnull=False))
                | (~Q(status="completed") & Q(completed_on__isnull=True)),
                name="milestone_completed_has_date",
                violation_error_message=(
                    "A completed milestone needs a completion date, and only a completed one has it."
                ),
            ),
            models.CheckConstraint(
                condition=~Q(parent=F("id")), name="milestone_not_own_parent",
            ),
        ]
        indexes = [models.Index(fields=["status", "due_date"])]

    def __str__(self):
        return f"{self.activity.code}{self.ref}"

    @classmethod
    def from_db(cls, db, field_names, values):
        """Remembers the activity it was read with: moved to another one, both activities' tables are retired."""
        instance = super().from_db(db, field_names, values)
        instance._loaded_activity_id = instance.__dict__.get("activity_id")
        return instance

    @property
    def ref(self):
        """The label as the document writes it: (c) or (c)(ii)."""
        return label_ref(self.label, self.parent.label if self.parent_id else None)

    @property
    def due(self):
        """The date the milestone is due: its own date, else its meeting's first day."""
        if self.due_date:
            return self.due_date
        if self.due_meeting_id:
            return self.due_meeting.start_date
        return None


class ProgressUpdate(models.Model):
    """What a lead reports for a period. Never edited away: a returned update is revised as a new row."""

    class ReviewState(models.TextChoices):
        DRAFT = "draft", "Draft"
        SUBMITTED = "submitted", "Submitted"
        ACCEPTED = "accepted", "Accepted"
        RETURNED = "returned", "Returned"

    activity = models.ForeignKey(Activity, on_delete=models.CASCADE, related_name="updates")
    milestone = models.ForeignKey(
        Milestone, on_delete=models.CASCADE, null=True, blank=True, related_name="updates",
        help_text="Empty for an update on the activity as a whole.",
    )
    period_start = models.DateField("reporting period from")
    period_end = models.DateField("reporting period to")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="progress_updates"
    )
    reported_status = models.CharField(max_length=12, choices=Milestone.Status.choices)
    narrative = models.TextField(blank=True)
    evidence_links = models.TextField(blank=True, help_text="One web address per line.",
                                      validators=[validate_evidence_links])
    review_state = models.CharField(
        max_length=10, choices=ReviewState.choices, default=ReviewState.DRAFT
    )
    revision_of = models.ForeignKey(
        "self", on_delete=models.SET_NULL, null=True, blank=True, related_name="revisions"
    )
    submitted_at = models.DateTimeField(null=True, blank=True)
    reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
        related_name="reviewed_updates",
    )
    reviewed_at = models.DateTimeField(null=True, blank=True)
    return_reason = models.TextField(blank=True)
    version = models.PositiveIntegerField(default=1, editable=False)
    # The one-time key of the create form that made this update: a second POST of the same form
    # finds this row instead of filing the update twice.
    form_key = models.UUIDField(null=True, blank=True, editable=False)
    created_at = models.DateTimeField(default=clock.now, editable=False)
    updated_at = models.DateTimeField(default=clock.now, editable=False)
    history = HistoricalRecords()

    objects = ProgressUpdateQuerySet.as_manager()

    class Meta:
        ordering = ["-period_end", "-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(period_end__gte=F("period_start")),
                name="update_period_ordered",
                violation_error_message="The reporting period cannot end before it starts.",
            ),
            models.CheckConstraint(
                condition=~Q(review_state="returned") | ~Q(return_reason=""),
                name="update_returned_has_reason",
                violation_error_message="A returned update needs a reason.",
            ),
            models.CheckConstraint(
                condition=~Q(review_state="accepted") | Q(reviewer__isnull=False),
                name="update_accepted_has_reviewer",
            ),
            models.UniqueConstraint(
                fields=["author", "form_key"], name="update_form_key_unique_per_author",
                violation_error_message="This progress form was already sent.",
            ),
        ]
        indexes = [models.Index(fields=["review_state", "-reviewed_at"])]

    def __str__(self):
        target = self.milestone or self.activity
        return f"Update on {target} ({self.period_start:%d %b %Y} – {self.period_end:%d %b %Y})"

    def save(self, *args, **kwargs):
        # auto_now, on the application's clock (a replay dates its edits in the replayed year).
        self.updated_at = clock.now()
        super().save(*args, **kwargs)

    @classmethod
    def from_db(cls, db, field_names, values):
        """Remembers the review state it was read with: a change to an accepted update retires what shows it."""
        instance = super().from_db(db, field_names, values)
        instance._loaded_review_state = instance.__dict__.get("review_state")
        return instance

    @property
    def links(self):
        return [line.strip() for line in self.evidence_links.splitlines() if line.strip()]


def _evidence_path(instance, filename):
    # Generated names: what the uploader called the file is kept in original_name only.
    return f"evidence/{instance.update_id}/{uuid.uuid4().hex}{Path(filename).suffix.lower()}"


class EvidenceFile(models.Model):
    update = models.ForeignKey(ProgressUpdate, on_delete=models.CASCADE, related_name="files")
    file = models.FileField(upload_to=_evidence_path)
    original_name = models.CharField(max_length=255)
    content_type = models.CharField(max_length=100)
    size = models.PositiveIntegerField()
    uploaded_at = models.DateTimeField(default=clock.now, editable=False)

    class Meta:
        ordering = ["uploaded_at"]

    def __str__(self):
        return self.original_name


class Contribution(models.Model):
    """An in-kind contribution of one member to one activity in one year (footnote 2 of the plan)."""

    class Kind(models.TextChoices):
        PERSONAL_TIME = "time", "Personal time"
        TRAVEL = "travel", "Travel"
        IN_KIND = "in_kind", "In-kind"
        FINANCIAL = "financial", "Financial"

    class State(models.TextChoices):
        PLEDGED = "pledged", "Pledged"
        BUDGETED = "budgeted", "Budgeted"
        PROGRAMMED = "programmed", "Programmed"
        REPORTED = "reported", "Reported"

    member = models.ForeignKey(Member, on_delete=models.PROTECT, related_name="contributions")
    activity = models.ForeignKey(Activity, on_delete=models.PROTECT, related_name="contributions")
    kind = models.CharField(max_length=10, choices=Kind.choices)
    year = models.PositiveSmallIntegerField()
    staff_days = models.DecimalField(
        max_digits=7, decimal_places=1, null=True, blank=True,
        validators=[MinValueValidator(0), MaxValueValidator(MAX_STAFF_DAYS)],
    )
    amount_usd = models.DecimalField(
        "amount (USD)", max_digits=12, decimal_places=2, null=True, blank=True,
        validators=[MinValueValidator(0), MaxValueValidator(MAX_USD)],
    )
    state = models.CharField(max_length=10, choices=State.choices, default=State.PLEDGED)
    note = models.TextField(blank=True)
    version = models.PositiveIntegerField(default=1, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    history = HistoricalRecords()

    objects = ContributionQuerySet.as_manager()

    class Meta:
        ordering = ["year", "member__acronym", "activity"]
        constraints = [
            models.CheckConstraint(
                condition=Q(staff_days__isnull=True) | Q(staff_days__gte=0, staff_days__lte=MAX_STAFF_DAYS),
                name="contribution_staff_days_range",
                violation_error_message=f"Staff days must be between 0 and {MAX_STAFF_DAYS:,}.",
            ),
            models.CheckConstraint(
                condition=Q(amount_usd__isnull=True) | Q(amount_usd__gte=0, amount_usd__lte=MAX_USD),
                name="contribution_amount_range",
                violation_error_message=f"The amount must be between 0 and {MAX_USD:,} USD.",
            ),
            models.CheckConstraint(
                condition=Q(staff_days__isnull=False) | Q(amount_usd__isnull=False),
                name="contribution_has_quantity",
                violation_error_message="Give staff days, an amount in USD, or both.",
            ),
            # The year must fall inside the plan period: checked across tables by a
            # database trigger (see migration 0002) and by ContributionForm.
        ]

    def __str__(self):
        return f"{self.member} → {self.activity.code} {self.year} ({self.get_kind_display()})"

    @classmethod
    def from_db(cls, db, field_names, values):
        """Remembers the activity it was read with: moved to another one, both activities' pages are retired."""
        instance = super().from_db(db, field_names, values)
        instance._loaded_activity_id = instance.__dict__.get("activity_id")
        return instance
