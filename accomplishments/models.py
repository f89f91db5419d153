"""The frame of a work plan: the plan itself, its expected accomplishments, members and meetings."""
from django.core.validators import MinValueValidator, RegexValidator
from django.db import models
from django.db.models import F, Q
from simple_history.models import HistoricalRecords


class WorkPlan(models.Model):
    """A two-year plan. One plan is current (the one people work in); a draft awaits its adoption; a past plan
    stays readable and writable until the secretariat closes it, and a closed plan is a read-only record."""

    class Status(models.TextChoices):
        DRAFT = "draft", "Draft"
        CURRENT = "current", "Current"
        PAST = "past", "Past"
        CLOSED = "closed", "Closed"

    title = models.CharField(max_length=200)
    code = models.SlugField(
        max_length=30, unique=True, blank=True,
        help_text="What the addresses of the plan's pages say, e.g. 2014-2015 in /plans/2014-2015/.",
    )
    first_year = models.PositiveSmallIntegerField(validators=[MinValueValidator(2000)])
    last_year = models.PositiveSmallIntegerField(validators=[MinValueValidator(2000)])
    symbol = models.CharField("document symbol", max_length=60, unique=True)
    issued_on = models.DateField(null=True, blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.DRAFT)
    history = HistoricalRecords()

    class Meta:
        ordering = ["-first_year"]
        constraints = [
            models.CheckConstraint(
                condition=Q(last_year__gte=F("first_year")),
                name="workplan_period_ordered",
                violation_error_message="The last year cannot come before the first year.",
            ),
            models.UniqueConstraint(
                fields=["status"], condition=Q(status="current"), name="workplan_one_current",
                violation_error_message="Another work plan is already current.",
            ),
        ]

    def __str__(self):
        return f"{self.title} ({self.symbol})"

    def save(self, *args, **kwargs):
        # Every way a plan is created (loader, import, back office, factories, generators) gets an address:
        # the period, or the period and a number when another plan of the same period has it.
        if not self.code:
            self.code = workplan_free_code(self.first_year, self.last_year, exclude=self.pk)
        super().save(*args, **kwargs)

    @property
    def years(self):
        return range(self.first_year, self.last_year + 1)

    @property
    def period(self) -> str:
        return f"{self.first_year}–{self.last_year}"

    @property
    def is_current(self) -> bool:
        return self.status == self.Status.CURRENT

    @property
    def is_open(self) -> bool:
        """Whether the plan may still change: every plan but a closed one."""
        return self.status != self.Status.CLOSED


def workplan_free_code(first_year, last_year, exclude=None) -> str:
    base = f"{first_year}-{last_year}"
    taken = set(WorkPlan.objects.exclude(pk=exclude).filter(code__startswith=base).values_list("code", flat=True))
    if base not in taken:
        return base
    n = 2
    while f"{base}-{n}" in taken:
        n += 1
    return f"{base}-{n}"


class Meeting(models.Model):
    code = models.CharField(
        max_length=20,
        unique=True,
        validators=[RegexValidator(r"^[A-Za-z0-9][A-Za-z0-9 .\-]*$", "Use letters, digits, dots, dashes.")],
        help_text="Short code, e.g. SOM20 or UNEA-1.",
    )
    name = models.CharField(max_length=200)
    start_date = models.DateField()
    end_date = models.DateField()
    place = models.CharField(max_length=200, blank=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["start_date", "code"]
        constraints = [
            models.CheckConstraint(
                condition=Q(end_date__gte=F("start_date")),
                name="meeting_dates_ordered",
                violation_error_message="A meeting cannot end before it starts.",
            ),
        ]

    def __str__(self):
        return self.code

    @property
    def dates_display(self):
        if self.start_date == self.end_date:
            return self.start_date.strftime("%-d %B %Y")
        return f"{self.start_date:%-d %b} – {self.end_date:%-d %b %Y}"


class WorkPlanApproval(models.Model):
    """The plan covers two years but is re-approved every year by a Senior Officials' Meeting."""

    work_plan = models.ForeignKey(WorkPlan, on_delete=models.CASCADE, related_name="approvals")
    year = models.PositiveSmallIntegerField()
    meeting = models.ForeignKey(Meeting, on_delete=models.PROTECT, related_name="approvals")
    history = HistoricalRecords()

    class Meta:
        ordering = ["year"]
        constraints = [
            models.UniqueConstraint(fields=["work_plan", "year"], name="approval_once_per_year"),
        ]

    def __str__(self):
        return f"{self.year} approved by {self.meeting}"


class Member(models.Model):
    class Kind(models.TextChoices):
        AGENCY = "agency", "Specialized agency"
        FUND = "fund", "Fund"
        PROGRAMME = "programme", "Programme"
        MEA = "mea", "MEA secretariat"
        DEPARTMENT = "department", "UN Secretariat department"
        OTHER = "other", "Other"

    acronym = models.CharField(max_length=30, unique=True)
    name = models.CharField("full name", max_length=200)
    kind = models.CharField(max_length=12, choices=Kind.choices, default=Kind.AGENCY)
    focal_points = models.ManyToManyField(
        "auth.User", related_name="focal_for", blank=True,
        help_text="Users who record this member's contributions.",
    )
    history = HistoricalRecords()

    class Meta:
        ordering = ["acronym"]

    def __str__(self):
        return self.acronym


class ExpectedAccomplishment(models.Model):
    work_plan = models.ForeignKey(WorkPlan, on_delete=models.CASCADE, related_name="accomplishments")
    code = models.CharField(
        max_length=2, validators=[RegexValidator(r"^[A-Z]$", "Use one capital letter, A to Z.")]
    )
    category = models.CharField(max_length=100)
    statement = models.TextField()
    order = models.PositiveSmallIntegerField(default=0)
    history = HistoricalRecords()

    class Meta:
        ordering = ["work_plan", "order", "code"]
        constraints = [
            models.UniqueConstraint(
                fields=["work_plan", "code"],
                name="accomplishment_code_unique_in_plan",
                violation_error_message="This plan already has an expected accomplishment with this code.",
            ),
        ]

    def __str__(self):
        return f"{self.code}. {self.category}"
