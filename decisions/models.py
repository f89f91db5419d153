"""What the senior officials and outside bodies decided, what each decision mandates, and progress on actions."""
from django.conf import settings
from django.db import models
from django.db.models import F, Q
from simple_history.models import HistoricalRecords

from accomplishments.models import Meeting
from activities.models import Activity, LeadBody, Milestone
from emgplan import clock


class DecisionQuerySet(models.QuerySet):
    def confirmed(self):
        return self.filter(state=Decision.State.CONFIRMED)

    def actions(self):
        return self.filter(kind=Decision.Kind.ACTION)

    def led_by(self, user):
        """Confirmed actions of the bodies the user leads."""
        return self.confirmed().actions().filter(lead_body__leads=user)

    def for_list(self):
        return self.select_related("meeting", "lead_body", "due_meeting")


class Decision(models.Model):
    """A decision of a body (an EMG SOM, or an outside body), or an action the senior officials approved."""

    class Body(models.TextChoices):
        SOM = "som", "EMG Senior Officials' Meeting"
        CEB = "ceb", "UN System Chief Executives Board (CEB)"
        HLCM = "hlcm", "High-Level Committee on Management (HLCM)"
        CBD_COP = "cbd_cop", "Conference of the Parties to the CBD"
        RIO20 = "rio20", "UN Conference on Sustainable Development (Rio+20)"
        UNEA = "unea", "UN Environment Assembly"

    class Kind(models.TextChoices):
        DECISION = "decision", "Decision"
        ACTION = "action", "EMG action"

    class Status(models.TextChoices):
        OPEN = "open", "Open"
        IN_PROGRESS = "in_progress", "In progress"
        DONE = "done", "Done"
        DROPPED = "dropped", "Dropped"

    class State(models.TextChoices):
        DRAFT = "draft", "Draft"
        CONFIRMED = "confirmed", "Confirmed"

    body = models.CharField(max_length=10, choices=Body.choices)
    body_name = models.CharField(
        max_length=60, help_text="The body or meeting as the documents name it, e.g. SOM20, CBD COP 11, CEB.")
    meeting = models.ForeignKey(Meeting, on_delete=models.PROTECT, null=True, blank=True, related_name="decisions",
                                help_text="The EMG meeting that took it, when it is one the plan knows.")
    date = models.DateField(null=True, blank=True, help_text="When it was taken, if no meeting is given.")
    reference = models.CharField(max_length=120, unique=True,
                                 help_text="How documents cite it, e.g. “CEB decision 5/4/2013”, “SOM20 action 3”.")
    text = models.TextField()
    kind = models.CharField(max_length=10, choices=Kind.choices, default=Kind.DECISION)
    lead_body = models.ForeignKey(LeadBody, on_delete=models.PROTECT, null=True, blank=True,
                                  related_name="actions", help_text="For an EMG action: who carries it out.")
    due_meeting = models.ForeignKey(Meeting, on_delete=models.PROTECT, null=True, blank=True,
                                    related_name="actions_due", help_text="For an EMG action: when it is due.")
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.OPEN)
    state = models.CharField(max_length=10, choices=State.choices, default=State.CONFIRMED)
    source = models.CharField(max_length=80, blank=True,
                              help_text="The document it was recorded from, e.g. the symbol of a SOM report.")
    order = models.PositiveSmallIntegerField(default=0)
    activities = models.ManyToManyField(Activity, blank=True, related_name="mandates")
    milestones = models.ManyToManyField(Milestone, blank=True, related_name="mandates")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                   related_name="+")
    history = HistoricalRecords()

    objects = DecisionQuerySet.as_manager()

    class Meta:
        ordering = [F("date").asc(nulls_last=True), "body_name", "order", "reference"]
        constraints = [
            models.CheckConstraint(
                condition=Q(kind="action") | Q(lead_body__isnull=True, due_meeting__isnull=True, status="open"),
                name="decision_only_actions_have_lead_due_status",
                violation_error_message="Only an EMG action has a lead body, a due meeting and a status.",
            ),
            models.CheckConstraint(
                condition=~Q(kind="action") | Q(body="som"),
                name="decision_actions_are_som",
                violation_error_message="An EMG action is taken by an EMG Senior Officials' Meeting.",
            ),
        ]

    def __str__(self):
        return self.reference

    @property
    def is_action(self):
        return self.kind == self.Kind.ACTION

    @property
    def when(self):
        return self.meeting.start_date if self.meeting_id else self.date

    @property
    def taken_by(self) -> str:
        """The body, naming the meeting only where its name adds to it: “EMG Senior Officials' Meeting (SOM19)”,
        “UN System Chief Executives Board (CEB)” (not “CEB (… (CEB))”)."""
        body = self.get_body_display()
        name = self.body_name.strip()
        return body if not name or name.casefold() in body.casefold() else f"{body} ({name})"


class ActionUpdate(models.Model):
    """A lead's progress on an EMG action, reviewed like progress on a milestone. Never edited away."""

    class ReviewState(models.TextChoices):
        DRAFT = "draft", "Draft"
        SUBMITTED = "submitted", "Submitted"
        ACCEPTED = "accepted", "Accepted"
        RETURNED = "returned", "Returned"

    decision = models.ForeignKey(Decision, on_delete=models.CASCADE, related_name="updates")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="action_updates")
    reported_status = models.CharField(max_length=12, choices=Decision.Status.choices)
    narrative = models.TextField()
    review_state = models.CharField(max_length=10, choices=ReviewState.choices, default=ReviewState.DRAFT)
    submitted_at = models.DateTimeField(null=True, blank=True)
    reviewer = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                 related_name="reviewed_action_updates")
    reviewed_at = models.DateTimeField(null=True, blank=True)
    return_reason = models.TextField(blank=True)
    revision_of = models.ForeignKey("self", on_delete=models.SET_NULL, null=True, blank=True,
                                    related_name="revisions", help_text="The returned update this one revises.")
    created_at = models.DateTimeField(default=clock.now, editable=False)
    history = HistoricalRecords()

    class Meta:
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(review_state="returned") | ~Q(return_reason=""),
                name="action_update_returned_has_reason",
                violation_error_message="A returned update needs a reason.",
            ),
            models.CheckConstraint(
                condition=~Q(review_state="accepted") | Q(reviewer__isnull=False),
                name="action_update_accepted_has_reviewer",
            ),
        ]

    def __str__(self):
        return f"Progress on {self.decision}"
