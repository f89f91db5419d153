import re

from crispy_forms.helper import FormHelper
from crispy_forms.layout import Submit
from django import forms
from django.core.exceptions import ValidationError
from django.urls import reverse

from accomplishments.models import Meeting
from emgplan.forms import limit_free_text

from .models import Report

# A SOM's numbers 1 and 2 are its provisional and annotated agenda: its progress report is 3 or later.
FIRST_NUMBER = {"SOM": 3}


def symbol_prefix(meeting: Meeting | None) -> str:
    """The document series of a meeting as the UN writes it: SOM20 -> EMG/SOM.20, UNEA-1 -> EMG/UNEA.1."""
    if meeting is None:
        return "EMG/REPORT"
    code = re.sub(r"[^A-Za-z0-9]", "", meeting.code).upper()
    match = re.fullmatch(r"([A-Z]+)(\d+)", code)
    if match:
        return f"EMG/{match[1]}.{match[2]}"
    return f"EMG/{code or 'REPORT'}"


def symbol_suggest(meeting: Meeting | None, kind: str = Report.Kind.SOM, plan=None) -> str:
    """The next free symbol in the meeting's series within the plan, e.g. EMG/SOM.20/3, EMG/UNEA.1/1."""
    prefix = symbol_prefix(meeting)
    series = prefix.split("/")[1].split(".")[0]
    number = FIRST_NUMBER.get(series, 1)
    if plan is not None:
        taken = Report.objects.filter(work_plan=plan, symbol__startswith=f"{prefix}/").values_list("symbol", flat=True)
        numbers = [int(rest) for s in taken if (rest := s[len(prefix) + 1:]).isdigit()]
        number = max([number - 1, *numbers]) + 1
    return f"{prefix}/{number}"


def symbol_input(value: str) -> str:
    """The symbol field's input, as the request form renders it (the suggestion endpoint swaps it in)."""
    attrs = {"class": "textinput form-control", "maxlength": 60, "required": True,
             "aria-describedby": "id_symbol_helptext"}
    return forms.TextInput(attrs=attrs).render("symbol", value, attrs={"id": "id_symbol"})


class ReportForm(forms.ModelForm):
    """The Chair's request: which report, for which meeting, as of when, under which symbol, issued when."""

    class Meta:
        model = Report
        fields = ["kind", "meeting", "as_of", "symbol", "issued_on", "agenda_item", "suggested_actions"]
        widgets = {
            "as_of": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "issued_on": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "suggested_actions": forms.Textarea(attrs={"rows": 4}),
        }
        labels = {"kind": "Report", "meeting": "For the meeting", "as_of": "Progress as of",
                  "issued_on": "Date of issue", "agenda_item": "Agenda item",
                  "suggested_actions": "Suggested action by the senior officials"}
        help_texts = {
            "meeting": "The meeting the report goes to; it must fall within the work plan period.",
            "as_of": "The report states what the record held on this date: statuses, accepted progress and "
                     "contributions. Not later than today.",
            "symbol": "As printed on the document, e.g. EMG/SOM.20/3; suggested from the meeting. Letters, digits, "
                      "dots, slashes and dashes.",
            "issued_on": "The date printed on the document. Left empty: the day it is compiled.",
            "agenda_item": "Optional, e.g. “Item 3 of the provisional agenda: progress in implementing the work "
                           "plan”.",
            "suggested_actions": "Optional. One point per paragraph, e.g. “The senior officials may wish to take "
                                 "note of …”. Left empty, the document has no such section.",
        }

    compile_incomplete = forms.BooleanField(
        label="Compile although progress for this meeting's reporting cycle is incomplete", required=False)

    def __init__(self, *args, plan, today, **kwargs):
        super().__init__(*args, **kwargs)
        self.plan, self.today = plan, today
        self.duplicate = None
        self.fields["meeting"].queryset = Meeting.objects.order_by("start_date", "code")
        self.fields["meeting"].label_from_instance = lambda m: f"{m.code}: {m.name} ({m.dates_display})"
        # The symbol follows the meeting (and kind) chosen: the server suggests the next free number.
        suggest = {"hx-get": reverse("reports:symbol-suggest"), "hx-trigger": "change",
                   "hx-target": "#id_symbol", "hx-swap": "outerHTML", "hx-include": "#id_kind, #id_meeting"}
        self.fields["issued_on"].required = False  # left empty: the day of compiling (self.today)
        self.fields["meeting"].widget.attrs.update(suggest)
        self.fields["kind"].widget.attrs.update(suggest)
        self.helper = FormHelper()
        self.helper.add_input(Submit("submit", "Request the report"))
        limit_free_text(self)

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

    def clean_issued_on(self):
        return self.cleaned_data.get("issued_on") or self.today

    def clean(self):
        data = super().clean()
        as_of, issued_on, symbol = data.get("as_of"), data.get("issued_on"), data.get("symbol")
        if as_of and issued_on and issued_on < as_of:
            self.add_error("issued_on", ValidationError(
                "The date of issue cannot be before the as-of date (%(as_of)s).", code="issued_before_as_of",
                params={"as_of": as_of.strftime("%-d %B %Y")}))
        if symbol and self.plan is not None:
            taken = Report.objects.filter(work_plan=self.plan, symbol__iexact=symbol, revision=0).first()
            if taken is not None:
                same = (taken.kind, taken.meeting_id, taken.as_of) == (
                    data.get("kind"), getattr(data.get("meeting"), "pk", None), as_of)
                if same and taken.is_active:
                    self.duplicate = taken  # the same request again (double submit): the view shows the first
                else:
                    self.add_error("symbol", ValidationError(
                        "%(symbol)s is already the symbol of another report (%(meeting)s, as of %(as_of)s). Choose "
                        "another number, or issue a revision from that report's page.", code="symbol_in_use",
                        params={"symbol": taken.symbol, "meeting": taken.meeting.code,
                                "as_of": taken.as_of.strftime("%-d %B %Y")}))
        return data


class ReportRevisionForm(forms.ModelForm):
    """A revision of a ready report: same meeting, date and symbol; corrected masthead and closing points."""

    class Meta:
        model = Report
        fields = ["issued_on", "agenda_item", "suggested_actions"]
        widgets = {"issued_on": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
                   "suggested_actions": forms.Textarea(attrs={"rows": 4})}
        labels = ReportForm.Meta.labels
        help_texts = {key: ReportForm.Meta.help_texts[key] for key in ("agenda_item", "suggested_actions")}

    def __init__(self, *args, as_of, **kwargs):
        super().__init__(*args, **kwargs)
        self.as_of = as_of
        self.helper = FormHelper()
        self.helper.add_input(Submit("submit", "Issue the revision"))
        limit_free_text(self)

    def clean_issued_on(self):
        issued_on = self.cleaned_data["issued_on"]
        if issued_on < self.as_of:
            raise ValidationError("The date of issue cannot be before the as-of date (%(as_of)s).",
                                  code="issued_before_as_of", params={"as_of": self.as_of.strftime("%-d %B %Y")})
        return issued_on
