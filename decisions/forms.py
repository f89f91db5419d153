"""Forms for decisions: field validation only; the services save."""
from crispy_forms.helper import FormHelper
from django import forms
from django.core.exceptions import ValidationError

from accomplishments.models import Meeting
from activities.forms import DateInput
from activities.models import Activity, LeadBody, Milestone
from emgplan.forms import limit_free_text

from .models import ActionUpdate, Decision


class _Crispy:
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.form_tag = False
        limit_free_text(self)


class DecisionForm(_Crispy, forms.ModelForm):
    class Meta:
        model = Decision
        fields = ["body", "body_name", "meeting", "date", "reference", "text", "kind", "lead_body", "due_meeting",
                  "status", "state", "activities", "milestones"]
        widgets = {"date": DateInput(), "text": forms.Textarea(attrs={"rows": 4}),
                   "activities": forms.SelectMultiple(attrs={"size": 8}),
                   "milestones": forms.SelectMultiple(attrs={"size": 10})}
        labels = {"activities": "Activities it mandates", "milestones": "Milestones it mandates",
                  "state": "Recorded as"}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["activities"].queryset = Activity.objects.select_related("accomplishment")
        self.fields["milestones"].queryset = Milestone.objects.select_related("activity__accomplishment", "parent")
        self.fields["activities"].help_text = self.fields["milestones"].help_text = \
            "Hold Ctrl (⌘ on a Mac) to choose several."

    def clean(self):
        data = super().clean()
        if data.get("kind") == Decision.Kind.ACTION:
            if data.get("body") != Decision.Body.SOM:
                self.add_error("kind", ValidationError("An EMG action is taken by an EMG Senior Officials' Meeting.",
                                                       code="action_not_som"))
            if not data.get("lead_body"):
                self.add_error("lead_body", ValidationError("Name the body that carries out the action.",
                                                            code="lead_required"))
        elif data.get("kind"):
            for name in ("lead_body", "due_meeting"):
                if data.get(name):
                    self.add_error(name, ValidationError("Only an EMG action has a lead body and a due meeting.",
                                                         code="not_action"))
            if data.get("status") and data["status"] != Decision.Status.OPEN:
                self.add_error("status", ValidationError("Only an EMG action has a status.", code="not_action"))
        if not data.get("meeting") and not data.get("date"):
            self.add_error("date", ValidationError("Give the meeting or the date it was taken.", code="when_required"))
        return data


class ActionDraftForm(forms.Form):
    """One suggested action, as the secretariat edits it into the action the meeting approved."""

    keep = forms.BooleanField(label="Record this action", required=False, initial=True)
    reference = forms.CharField(max_length=120)
    text = forms.CharField(label="Approved wording", widget=forms.Textarea(attrs={"rows": 3}))
    lead_body = forms.ModelChoiceField(LeadBody.objects.all(), label="Lead body", required=False)
    due_meeting = forms.ModelChoiceField(Meeting.objects.all(), label="Due meeting", required=False)

    def clean(self):
        data = super().clean()
        if data.get("keep"):
            if not data.get("lead_body"):
                self.add_error("lead_body", ValidationError("Name the lead body of the action.", code="lead_required"))
            if not data.get("due_meeting"):
                self.add_error("due_meeting", ValidationError("Name the meeting it is due at.", code="due_required"))
        return data


class BaseActionDraftFormSet(forms.BaseFormSet):
    def clean(self):
        if any(self.errors):
            return
        refs = [f.cleaned_data["reference"] for f in self.forms if f.cleaned_data.get("keep")]
        if not refs:
            raise ValidationError("Tick at least one action to record.", code="no_actions")
        taken = set(Decision.objects.filter(reference__in=refs).values_list("reference", flat=True))
        dupes = {r for r in refs if refs.count(r) > 1} | taken
        if dupes:
            raise ValidationError(f"These references are already used: {', '.join(sorted(dupes))}. "
                                  "Give each action its own.", code="duplicate_reference")


ActionDraftFormSet = forms.formset_factory(ActionDraftForm, formset=BaseActionDraftFormSet, extra=0)


class ActionUpdateForm(_Crispy, forms.ModelForm):
    class Meta:
        model = ActionUpdate
        fields = ["reported_status", "narrative"]
        labels = {"reported_status": "Status of the action", "narrative": "What was done"}
        widgets = {"narrative": forms.Textarea(attrs={"rows": 5})}


class ReturnForm(forms.Form):
    reason = forms.CharField(label="Reason for returning", widget=forms.Textarea(attrs={"rows": 3}),
                             error_messages={"required": "Say why the update is returned."})


class DecisionFilterForm(forms.Form):
    body = forms.ChoiceField(choices=[("", "Any body"), *Decision.Body.choices], required=False)
    meeting = forms.ModelChoiceField(Meeting.objects.all(), required=False, empty_label="Any meeting")
    status = forms.ChoiceField(choices=[("", "Any status"), *Decision.Status.choices], required=False,
                               label="Status (actions)")
    kind = forms.ChoiceField(choices=[("", "Decisions and actions"), *Decision.Kind.choices], required=False)
