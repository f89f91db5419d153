import datetime

from django import forms
from django.core.exceptions import ValidationError

from emgplan.forms import CrispyMixin, DateInput

from .models import ReportingCycle


class ReportingCycleForm(CrispyMixin, forms.ModelForm):
    class Meta:
        model = ReportingCycle
        fields = ["work_plan", "meeting", "period_start", "cut_off", "review_deadline"]
        labels = {"meeting": "Meeting the progress is reported to"}
        widgets = {"period_start": DateInput(), "cut_off": DateInput(), "review_deadline": DateInput()}

    def clean(self):
        data = super().clean()
        meeting, start = data.get("meeting"), data.get("period_start")
        cut_off, deadline = data.get("cut_off"), data.get("review_deadline")
        errors = {}
        if meeting and cut_off and cut_off >= meeting.start_date:
            errors["cut_off"] = ValidationError(
                "The cut-off must come before the meeting (%(meeting)s starts on %(day)s).",
                code="cut_off_after_meeting",
                params={"meeting": meeting.code, "day": f"{meeting.start_date:%-d %B %Y}"})
        if cut_off and deadline and deadline < cut_off:
            errors["review_deadline"] = ValidationError(
                "The review deadline cannot be before the cut-off (%(day)s).", code="review_before_cut_off",
                params={"day": f"{cut_off:%-d %B %Y}"})
        elif meeting and deadline and deadline >= meeting.start_date:
            errors["review_deadline"] = ValidationError(
                "The review deadline must come before the meeting (%(meeting)s starts on %(day)s).",
                code="review_after_meeting", params={"meeting": meeting.code, "day": f"{meeting.start_date:%-d %B %Y}"})
        if start and cut_off and start > cut_off:
            errors["period_start"] = ValidationError(
                "Progress must be counted from a date before the cut-off.", code="period_after_cut_off")
        if errors:
            raise ValidationError(errors)
        return data

    @staticmethod
    def initial_for(meeting=None, work_plan=None) -> dict:
        initial = {"work_plan": work_plan}
        if meeting is not None:
            initial.update(meeting=meeting, cut_off=meeting.start_date - datetime.timedelta(days=28),
                           review_deadline=meeting.start_date - datetime.timedelta(days=14),
                           period_start=datetime.date(meeting.start_date.year, 1, 1))
        return initial
