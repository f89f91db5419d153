from crispy_forms.helper import FormHelper
from crispy_forms.layout import Submit
from django import forms
from django.core.exceptions import ValidationError

from accomplishments.models import Meeting

from .models import Report


def symbol_suggest(meeting: Meeting | None, kind: str = Report.Kind.SOM) -> str:
    """A document symbol in the EMG's pattern for the meeting, e.g. EMG/SOM.20/3."""
    if meeting and meeting.code.upper().startswith("SOM") and meeting.code[3:].isdigit():
        return f"EMG/SOM.{meeting.code[3:]}/3"
    return "EMG/REPORT/1"


class ReportForm(forms.ModelForm):
    """The Chair's request: which report, for which meeting, as of when, under which symbol."""

    class Meta:
        model = Report
        fields = ["kind", "meeting", "as_of", "symbol"]
        widgets = {"as_of": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")}
        labels = {"kind": "Report", "meeting": "For the meeting", "as_of": "Progress as of"}
        help_texts = {
            "meeting": "The meeting the report goes to; it must fall within the work plan period.",
            "as_of": "Accepted progress for periods starting on or before this date counts. Not in the future.",
            "symbol": "As printed on the document, e.g. EMG/SOM.20/3. Letters, digits, dots, slashes and dashes.",
        }

    compile_incomplete = forms.BooleanField(
        label="Compile although progress for this meeting's reporting cycle is incomplete", required=False)

    def __init__(self, *args, plan, today, **kwargs):
        super().__init__(*args, **kwargs)
        self.plan, self.today = plan, today
        self.fields["meeting"].queryset = Meeting.objects.order_by("start_date", "code")
        self.fields["meeting"].label_from_instance = lambda m: f"{m.code}: {m.name} ({m.dates_display})"
        self.helper = FormHelper()
        self.helper.add_input(Submit("submit", "Request the report"))

    def clean_meeting(self):
        meeting = self.cleaned_data["meeting"]
        if self.plan and not (self.plan.first_year <= meeting.start_date.year <= self.plan.last_year):
            raise ValidationError(
                "%(meeting)s (%(dates)s) falls outside the work plan period %(first)s–%(last)s.",
                code="meeting_outside_plan",
                params={"meeting": meeting.code, "dates": meeting.dates_display, "first": self.plan.first_year,
                        "last": self.plan.last_year},
            )
        return meeting

    def clean_as_of(self):
        as_of = self.cleaned_data["as_of"]
        if as_of > self.today:
            raise ValidationError(
                "The as-of date cannot be in the future: today is %(today)s.",
                code="as_of_future", params={"today": self.today.strftime("%-d %B %Y")},
            )
        if self.plan and as_of.year < self.plan.first_year:
            raise ValidationError(
                "The as-of date falls before the work plan period (from %(first)s).",
                code="as_of_before_plan", params={"first": self.plan.first_year},
            )
        return as_of
