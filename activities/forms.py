"""Forms for the work tables: field validation only; state changes happen in services."""
from crispy_forms.helper import FormHelper
from django import forms
from django.core.exceptions import ValidationError

from .models import Activity, Contribution, Milestone


class CrispyMixin:
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.form_tag = False


def plan_period(activity):
    plan = activity.accomplishment.work_plan
    return plan.first_year, plan.last_year


class ActivityForm(CrispyMixin, forms.ModelForm):
    class Meta:
        model = Activity
        fields = ["accomplishment", "number", "title", "description", "lead_body", "partners"]
        widgets = {"description": forms.Textarea(attrs={"rows": 4})}


class MilestoneForm(CrispyMixin, forms.ModelForm):
    class Meta:
        model = Milestone
        fields = ["activity", "parent", "label", "order", "text", "due_meeting", "due_date", "status", "completed_on"]
        widgets = {
            "text": forms.Textarea(attrs={"rows": 3}),
            "due_date": forms.DateInput(attrs={"type": "date"}),
            "completed_on": forms.DateInput(attrs={"type": "date"}),
        }

    def clean(self):
        data = super().clean()
        status, completed_on = data.get("status"), data.get("completed_on")
        if status == Milestone.Status.COMPLETED and not completed_on:
            self.add_error("completed_on", ValidationError(
                "A completed milestone needs its completion date.", code="completion_date_required"))
        if completed_on and status and status != Milestone.Status.COMPLETED:
            self.add_error("completed_on", ValidationError(
                "Only a completed milestone has a completion date: clear it or set the status to Completed.",
                code="completion_date_unfinished"))
        activity = data.get("activity") or getattr(self.instance, "activity", None)
        if activity is not None:
            first, last = plan_period(activity)
            for name in ("due_date", "completed_on"):
                value = data.get(name)
                if value and not (first - 1 <= value.year <= last):
                    # The plan is adopted in the year before it starts, so work may begin then.
                    self.add_error(name, ValidationError(
                        f"The date must fall within the plan period ({first - 1}–{last}).",
                        code="outside_plan_period"))
        return data


class ContributionForm(CrispyMixin, forms.ModelForm):
    class Meta:
        model = Contribution
        fields = ["member", "activity", "kind", "year", "staff_days", "amount_usd", "state", "note"]
        widgets = {"note": forms.Textarea(attrs={"rows": 2})}

    def clean(self):
        data = super().clean()
        activity, year = data.get("activity"), data.get("year")
        if activity is not None and year is not None:
            first, last = plan_period(activity)
            if not first <= year <= last:
                self.add_error("year", ValidationError(
                    f"The year must fall within the plan period, {first} to {last}.", code="outside_plan_period"))
        return data
