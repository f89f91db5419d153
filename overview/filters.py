"""The filters of the two lists. Everything lives in the query string, so a view can be bookmarked."""
import re

import django_filters as df
from django import forms
from django.core.validators import EMPTY_VALUES
from django.db.models import OrderBy, Q

from accomplishments.models import ExpectedAccomplishment, Meeting, Member
from activities.models import Activity, Contribution, LeadBody, Milestone
from cycles.health import HEALTH_CHOICES, with_health
from decisions.models import Decision
from emgplan import clock
from emgplan.forms import FastSelect, SelectOrText

from .selectors import DOCUMENT_ORDER, no_accepted_update_since

# Distinct from the reported statuses' labels ("On track" is both), so every checkbox has its own name.
HEALTH_FILTER_CHOICES = [(value, f"Health: {label.lower()}") for value, label in HEALTH_CHOICES]

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class ColumnOrderingFilter(df.OrderingFilter):
    """OrderingFilter where one sortable column may order by several fields (`expand`)."""

    def __init__(self, *args, expand=None, **kwargs):
        self.expand = expand or {}
        super().__init__(*args, **kwargs)

    def filter(self, qs, value):
        if value in EMPTY_VALUES:
            return qs
        ordering = []
        for param in value:
            descending = param.startswith("-")
            name = param.lstrip("-")
            if name not in self.param_map:
                continue
            for f in self.expand.get(name, [self.param_map[name]]):
                if isinstance(f, str):
                    ordering.append(f"-{f}" if descending else f)
                elif isinstance(f, OrderBy):
                    ordering.append(f.copy().reverse_ordering() if descending else f)
                else:
                    ordering.append(f.desc() if descending else f.asc())
        return qs.order_by(*ordering, "pk")


ACTIVITY_CODE = re.compile(r"^\s*([A-Za-z]{1,3})\s*\.\s*(\d{1,4})\s*$")


class ActivityField(forms.ModelChoiceField):
    """An activity chosen from the select (its key) or, in a plan too large for a select, typed as its code (B.12)."""

    def to_python(self, value):
        match = ACTIVITY_CODE.match(value) if isinstance(value, str) else None
        if match is None:
            return super().to_python(value)
        found = list(self.queryset.filter(accomplishment__code__iexact=match[1], number=int(match[2]))[:2])
        if len(found) != 1:
            raise forms.ValidationError(f"There is no activity {match[1].upper()}.{int(match[2])} in this plan.",
                                        code="invalid_choice")
        return found[0]


class ActivityFilter(df.ModelChoiceFilter):
    field_class = ActivityField


class ActivitySelectOrCode(SelectOrText):
    """The activity filter: a select of the plan's activities, or a field for a code in a plan of hundreds."""

    hint = "Write the activity's code, e.g. B.12: the plan has too many activities to list."
    placeholder = "e.g. B.12"

    @staticmethod
    def code_of(activity) -> str:
        return activity.code


class PlanFilterSet(df.FilterSet):
    """A FilterSet whose choices are limited to one plan (`plan=`) and that knows the plan's today."""

    def __init__(self, *args, plan=None, today=None, **kwargs):
        self.plan = plan
        self.today = today
        super().__init__(*args, **kwargs)
        # The options need each activity's code and title only (a plan of a thousand activities: not their texts).
        activities = (Activity.objects.filter(accomplishment__work_plan=plan).select_related("accomplishment")
                      .only("id", "number", "title", "accomplishment_id", "accomplishment__code"))
        if "activity" in self.filters:
            self.filters["activity"].queryset = activities.order_by("accomplishment__order", "number")


    @property
    def form(self):
        form = super().form
        if not getattr(form, "_styled", False):
            for field in form.fields.values():
                widget = field.widget
                if isinstance(widget, forms.CheckboxSelectMultiple | forms.CheckboxInput):
                    widget.attrs.setdefault("class", "form-check-input")
                elif isinstance(widget, forms.Select):
                    widget.attrs.setdefault("class", "form-select form-select-sm")
                    if isinstance(field, ActivityField):  # a select, or a field for a code in a large plan
                        field.widget = ActivitySelectOrCode.replacing(widget)
                    elif type(widget) is forms.Select:  # its options by code, not a template include each
                        field.widget = FastSelect.replacing(widget)
                else:
                    widget.attrs.setdefault("class", "form-control form-control-sm")
            form._styled = True
        return form


class MilestoneFilter(PlanFilterSet):
    accomplishment = df.ModelChoiceFilter(
        field_name="activity__accomplishment", label="Expected accomplishment", queryset=ExpectedAccomplishment.objects,
        empty_label="Any accomplishment")
    activity = ActivityFilter(label="Activity", queryset=Activity.objects, empty_label="Any activity")
    lead_body = df.ModelChoiceFilter(field_name="activity__lead_body", label="Lead body", queryset=LeadBody.objects,
                                     empty_label="Any lead body")
    status = df.MultipleChoiceFilter(choices=Milestone.Status.choices, label="Reported status",
                                     widget=forms.CheckboxSelectMultiple)
    due_meeting = df.ModelChoiceFilter(label="Due to meeting", queryset=Meeting.objects, empty_label="Any meeting")
    due_from = df.DateFilter(field_name="due_on", lookup_expr="gte", label="Due from", widget=DATE)
    due_to = df.DateFilter(field_name="due_on", lookup_expr="lte", label="Due until", widget=DATE)
    overdue = df.BooleanFilter(label="Overdue only", method="filter_overdue", widget=forms.CheckboxInput)
    health = df.MultipleChoiceFilter(choices=HEALTH_FILTER_CHOICES, label="Derived health", method="filter_health",
                                     widget=forms.CheckboxSelectMultiple)
    quiet_since = df.DateFilter(label="No accepted update since", method="filter_quiet_since", widget=DATE,
                                help_text="No accepted update for a period ending on or after this date.")
    mandate = df.ModelChoiceFilter(label="Mandated by", queryset=Decision.objects.none(), method="filter_mandate",
                                   empty_label="Any mandate",
                                   help_text="Milestones the decision mandates, and every milestone of the activities "
                                             "it mandates.")
    o = ColumnOrderingFilter(
        fields=(("ref", "ref"), ("activity__title", "activity"), ("activity__lead_body__short_name", "lead"),
                ("due_on", "due"), ("status", "status"), ("last_accepted_on", "updated")),
        expand={"ref": list(DOCUMENT_ORDER)},
        label="Sort by",
    )

    class Meta:
        model = Milestone
        fields = []

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.filters["accomplishment"].queryset = ExpectedAccomplishment.objects.filter(
            work_plan=self.plan).order_by("order", "code")
        self.filters["lead_body"].queryset = LeadBody.objects.filter(
            activities__accomplishment__work_plan=self.plan).only("id", "name").distinct().order_by("name")
        self.filters["due_meeting"].queryset = Meeting.objects.order_by("start_date")
        # The confirmed decisions that mandate an activity or a milestone of this plan (one query, for the options).
        in_plan = Q(activities__accomplishment__work_plan=self.plan) | Q(
            milestones__activity__accomplishment__work_plan=self.plan)
        self.filters["mandate"].queryset = Decision.objects.confirmed().filter(
            pk__in=Decision.objects.filter(in_plan).values("pk")).order_by("reference")

    def filter_health(self, qs, name, value):
        # Derived health is annotated in the same query as the rows (no query per milestone), only when filtering
        # by it (the list reads it with the rows it shows).
        if not value:
            return qs
        if "health" not in qs.query.annotations:
            qs = with_health(qs, self.today or clock.configured_today())
        return qs.filter(health__in=value)

    def filter_overdue(self, qs, name, value):
        return qs.overdue(self.today) if value else qs

    def filter_mandate(self, qs, name, value):
        if not value:
            return qs
        return qs.filter(Q(pk__in=value.milestones.values("pk")) | Q(activity_id__in=value.activities.values("pk")))

    def filter_quiet_since(self, qs, name, value):
        return no_accepted_update_since(qs, value) if value else qs


def _years():
    return [(y, str(y)) for y in range(2014, 2016)]


class ContributionFilter(PlanFilterSet):
    member = df.ModelChoiceFilter(label="Member", queryset=Member.objects, empty_label="Any member")
    activity = ActivityFilter(label="Activity", queryset=Activity.objects, empty_label="Any activity")
    kind = df.ChoiceFilter(choices=Contribution.Kind.choices, label="Kind", empty_label="Any kind")
    year = df.ChoiceFilter(choices=_years, label="Year", empty_label="Any year")
    state = df.ChoiceFilter(choices=Contribution.State.choices, label="State", empty_label="Any state")
    o = ColumnOrderingFilter(
        fields=(("member__acronym", "member"), ("activity", "activity"), ("kind", "kind"), ("year", "year"),
                ("staff_days", "days"), ("amount_usd", "usd"), ("state", "state")),
        expand={"activity": ["activity__accomplishment__order", "activity__number"]},
        label="Sort by",
    )

    class Meta:
        model = Contribution
        fields = []

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.filters["member"].queryset = Member.objects.order_by("acronym")
        if self.plan is not None:
            years = [(y, str(y)) for y in self.plan.years]
            self.filters["year"].extra["choices"] = years
