"""Forms for the work tables: field validation only; state changes happen in services."""
import uuid

from django import forms
from django.core.exceptions import ValidationError
from django.template.defaultfilters import filesizeformat

from emgplan.forms import FREE_TEXT_MAX, CrispyMixin, DateInput

from . import status as milestone_status
from .evidence import evidence_file_check
from .models import Activity, Contribution, Milestone, ProgressUpdate
from .validators import evidence_link_lines, validate_evidence_links


def plan_period(activity):
    plan = activity.accomplishment.work_plan
    return plan.first_year, plan.last_year


def check_dates_in_plan(form, activity, names):
    """Dates fall in the plan period, or the year before it (the plan is adopted then, and work may start)."""
    first, last = plan_period(activity)
    for name in names:
        value = form.cleaned_data.get(name)
        if value and not (first - 1 <= value.year <= last):
            form.add_error(name, ValidationError(
                f"The date must fall within the plan period ({first - 1}–{last}).", code="outside_plan_period"))


def check_completion(form, status, completed_on):
    """A completed milestone has a completion date, and only a completed one."""
    if status and milestone_status.is_completed(status) and not completed_on:
        form.add_error("completed_on", ValidationError(
            "A completed milestone needs its completion date.", code="completion_date_required"))
    if completed_on and status and not milestone_status.is_completed(status):
        form.add_error("completed_on", ValidationError(
            "Only a completed milestone has a completion date: clear it or set the status to Completed.",
            code="completion_date_unfinished"))


class PlanScopedMixin:
    """Offers only the expected accomplishments, activities and parent milestones of one plan (`plan_id`): the
    plan the page is about, or the edited row's own plan."""

    def __init__(self, *args, plan_id=None, **kwargs):
        super().__init__(*args, **kwargs)
        if plan_id is None:
            return
        scopes = {"accomplishment": "work_plan", "activity": "accomplishment__work_plan",
                  "parent": "activity__accomplishment__work_plan"}
        for name, path in scopes.items():
            if name in self.fields:
                self.fields[name].queryset = self.fields[name].queryset.filter(**{path: plan_id})


class ActivityForm(PlanScopedMixin, CrispyMixin, forms.ModelForm):
    class Meta:
        model = Activity
        fields = ["accomplishment", "number", "title", "description", "lead_body", "partners"]
        widgets = {"description": forms.Textarea(attrs={"rows": 4})}


class MilestoneForm(PlanScopedMixin, CrispyMixin, forms.ModelForm):
    class Meta:
        model = Milestone
        fields = ["activity", "parent", "label", "order", "text", "due_meeting", "due_date", "status", "completed_on"]
        widgets = {
            "text": forms.Textarea(attrs={"rows": 3}),
            "due_date": DateInput(),
            "completed_on": DateInput(),
        }

    def clean(self):
        data = super().clean()
        check_completion(self, data.get("status"), data.get("completed_on"))
        activity = data.get("activity") or getattr(self.instance, "activity", None)
        if activity is not None:
            check_dates_in_plan(self, activity, ("due_date", "completed_on"))
        return data


class ContributionForm(PlanScopedMixin, CrispyMixin, forms.ModelForm):
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


VERSION_MISSING = ("This form was sent without the version of the record it was made against, so it cannot be "
                   "checked for changes made since: nothing was saved. Reload the page and make the change again.")


class VersionedFormMixin:
    """Carries the version the user loaded, for optimistic locking; a form sent without it is refused."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["version"] = forms.IntegerField(widget=forms.HiddenInput, required=False)
        if self.instance and self.instance.pk:
            self.fields["version"].initial = self.instance.version

    def clean(self):
        data = super().clean()
        # Said where the user reads it: an error on a hidden field would not be shown.
        if self.instance.pk and data.get("version") is None:
            self.add_error(None, ValidationError(VERSION_MISSING, code="version_missing"))
        return data


class ActivityEditForm(VersionedFormMixin, ActivityForm):
    pass


class MilestoneEditForm(VersionedFormMixin, MilestoneForm):
    pass


class ContributionEditForm(VersionedFormMixin, ContributionForm):
    def __init__(self, *args, members=None, **kwargs):
        super().__init__(*args, **kwargs)
        if members is not None:
            self.fields["member"].queryset = members
            if members.count() == 1:
                self.fields["member"].initial = members.first()
        self.fields["activity"].queryset = self.fields["activity"].queryset.select_related("accomplishment")


class MilestoneStatusForm(forms.Form):
    """The inline status change on the plan and activity pages."""

    status = forms.ChoiceField(choices=Milestone.Status.choices)
    completed_on = forms.DateField(label="Completion date", required=False,
                                   widget=DateInput())
    version = forms.IntegerField(widget=forms.HiddenInput,
                                 error_messages={"required": VERSION_MISSING, "invalid": VERSION_MISSING})

    def __init__(self, *args, milestone=None, schedule=False, meetings=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.milestone = milestone
        if schedule:  # the secretariat also sets the due meeting and date
            self.fields["due_meeting"] = forms.ModelChoiceField(
                queryset=meetings, required=False, label="Due meeting")
            self.fields["due_date"] = forms.DateField(label="Due date", required=False,
                                                      widget=DateInput())

    def clean(self):
        data = super().clean()
        check_completion(self, data.get("status"), data.get("completed_on"))
        if self.milestone is not None:
            check_dates_in_plan(self, self.milestone.activity, ("completed_on", "due_date"))
        return data


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    widget = MultipleFileInput

    def clean(self, data, initial=None):
        single = super().clean
        if isinstance(data, list | tuple):
            return [single(d, initial) for d in data]
        return [single(data, initial)] if data else []


class ProgressUpdateForm(VersionedFormMixin, CrispyMixin, forms.ModelForm):
    """A draft: created with a one-time key (a form sent twice files once), edited at the version loaded."""

    form_key = forms.UUIDField(widget=forms.HiddenInput, required=False)
    attachments = MultipleFileField(
        label="Attach files", required=False,
        help_text="PDF, DOCX, XLSX, PNG, JPEG or plain text; at most 20 MB each.",
    )

    class Meta:
        model = ProgressUpdate
        fields = ["period_start", "period_end", "reported_status", "narrative", "evidence_links"]
        labels = {"reported_status": "Status", "evidence_links": "Evidence links"}
        widgets = {
            "period_start": DateInput(),
            "period_end": DateInput(),
            "narrative": forms.Textarea(attrs={"rows": 6}),
            "evidence_links": forms.Textarea(attrs={"rows": 2, "placeholder": "https://…"}),
        }

    def __init__(self, *args, activity=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.activity = activity
        if self.instance.pk:
            del self.fields["form_key"]
            files = self.instance.files.all()
            if files:
                self.fields["remove_files"] = forms.ModelMultipleChoiceField(
                    queryset=files, required=False, widget=forms.CheckboxSelectMultiple,
                    label="Remove attachments", help_text="Tick a file to take it off this draft when you save.")
                self.fields["remove_files"].label_from_instance = (
                    lambda f: f"{f.original_name} ({filesizeformat(f.size)})")
        else:
            del self.fields["version"]
            self.fields["form_key"].initial = uuid.uuid4()

    def clean_evidence_links(self):
        links = self.cleaned_data["evidence_links"]
        validate_evidence_links(links)  # the model's own check, so the form and every other path agree
        return "\n".join(evidence_link_lines(links))

    def clean_attachments(self):
        files = self.cleaned_data.get("attachments") or []
        errors = []
        for f in files:
            try:
                evidence_file_check(f)
            except ValidationError as e:
                errors.extend(e.messages)
        if errors:
            raise ValidationError(errors)
        return files

    def clean(self):
        data = super().clean()
        status = data.get("reported_status")
        if status and milestone_status.is_at_risk(status) and not (data.get("narrative") or "").strip():
            self.add_error("narrative", ValidationError(
                "Explain in the narrative why the work is at risk or delayed.", code="narrative_required"))
        if self.activity is not None:
            check_dates_in_plan(self, self.activity, ("period_start", "period_end"))
        return data


class ReturnForm(forms.Form):
    reason = forms.CharField(
        label="Reason for returning", max_length=FREE_TEXT_MAX,
        widget=forms.Textarea(attrs={"rows": 3, "data-counter": ""}),
        error_messages={"required": "Say why the update is returned."},
    )
