"""The import page's forms: the document, then the review of each parsed item."""
from django import forms
from django.forms import formset_factory

from accomplishments.models import Meeting
from activities.models import LeadBody

MAX_UPLOAD = 5 * 1024 * 1024


class DocumentUploadForm(forms.Form):
    document = forms.FileField(
        required=False, label="Word file (.docx) or text file",
        help_text="The proposed plan as tabled at the SOM, in the layout of EMG/SOM.19/03/Rev.1.",
        widget=forms.ClearableFileInput(attrs={"accept": ".docx,.txt"}))
    text = forms.CharField(
        required=False, label="Or paste the document's text", widget=forms.Textarea(attrs={"rows": 8}),
        help_text="The masthead, the notes and the table, one table row a line with its two cells separated by a tab.")

    def clean(self):
        data = super().clean()
        document, text = data.get("document"), (data.get("text") or "").strip()
        if not document and not text:
            raise forms.ValidationError("Choose the document's file, or paste its text.", code="required")
        if document and document.size > MAX_UPLOAD:
            raise forms.ValidationError(f"The file is {document.size // 1024} KB; a work plan document is under "
                                        f"{MAX_UPLOAD // 1024 // 1024} MB. Is it the right file?", code="too_large")
        return data

    def document_data(self) -> tuple[bytes, str]:
        document = self.cleaned_data.get("document")
        if document:
            return document.read(), document.name
        return self.cleaned_data["text"].encode(), "pasted text"


class PlanReviewForm(forms.Form):
    symbol = forms.CharField(max_length=60, label="Document symbol")
    title = forms.CharField(max_length=200)
    first_year = forms.IntegerField(min_value=2000, max_value=2100)
    last_year = forms.IntegerField(min_value=2000, max_value=2100)
    issued_on = forms.DateField(required=False, label="Date of the document", help_text="YYYY-MM-DD",
                                widget=forms.DateInput(attrs={"type": "date"}))

    def clean(self):
        data = super().clean()
        if data.get("first_year") and data.get("last_year") and data["last_year"] < data["first_year"]:
            self.add_error("last_year", "The last year cannot come before the first year.")
        return data


class AccomplishmentReviewForm(forms.Form):
    code = forms.CharField(max_length=2, label="Letter")
    category = forms.CharField(max_length=100)
    statement = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}))


def _lead_bodies():
    return [("", "—")] + [(b.short_name, f"{b.short_name} ({b.name})") for b in LeadBody.objects.order_by("short_name")]


def _meetings():
    meetings = Meeting.objects.order_by("start_date")
    return [("", "—")] + [(m.code, f"{m.code} ({m.start_date:%-d %B %Y})") for m in meetings]


class ActivityReviewForm(forms.Form):
    number = forms.IntegerField(min_value=1, max_value=99)
    title = forms.CharField(max_length=300)
    description = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 2}))
    lead_body = forms.ChoiceField(required=False, label="Lead body")

    def __init__(self, *args, lead_bodies=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["lead_body"].choices = lead_bodies


class MilestoneReviewForm(forms.Form):
    label = forms.RegexField(regex=r"^[a-z]{1,5}$", max_length=5,
                             error_messages={"invalid": "A label is a letter (a, b …) or a roman numeral (i, ii …)."})
    text = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}))
    due_meeting = forms.ChoiceField(required=False, label="Due meeting")
    due_date = forms.DateField(required=False, label="Due date", help_text="YYYY-MM-DD",
                               widget=forms.DateInput(attrs={"type": "date"}))

    def __init__(self, *args, meetings=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["due_meeting"].choices = meetings


AccomplishmentFormSet = formset_factory(AccomplishmentReviewForm, extra=0)
ActivityFormSet = formset_factory(ActivityReviewForm, extra=0)
MilestoneFormSet = formset_factory(MilestoneReviewForm, extra=0)


def review_forms(plan: dict, data=None) -> dict:
    """The review's forms for a parsed plan, in document order; bound to `data` when given."""
    accs = plan["accomplishments"]
    acts = [act for acc in accs for act in acc["activities"]]
    mss = [item for act in acts for ms in act["milestones"] for item in (ms, *ms["children"])]
    bodies, meetings = _lead_bodies(), _meetings()
    return {
        "plan": PlanReviewForm(data, prefix="plan", initial={k: plan.get(k) for k in PlanReviewForm.base_fields}),
        "accomplishments": AccomplishmentFormSet(data, prefix="acc", initial=[
            {k: a.get(k) for k in ("code", "category", "statement")} for a in accs]),
        "activities": ActivityFormSet(data, prefix="act", form_kwargs={"lead_bodies": bodies}, initial=[
            {k: a.get(k) for k in ("number", "title", "description", "lead_body")} for a in acts]),
        "milestones": MilestoneFormSet(data, prefix="ms", form_kwargs={"meetings": meetings}, initial=[
            {k: m.get(k) for k in ("label", "text", "due_meeting", "due_date")} for m in mss]),
    }
