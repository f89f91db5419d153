from django import forms

from emgplan.forms import CrispyMixin, DateInput

from .models import ExpectedAccomplishment, Meeting, Member


class ExpectedAccomplishmentForm(CrispyMixin, forms.ModelForm):
    class Meta:
        model = ExpectedAccomplishment
        fields = ["work_plan", "code", "category", "statement", "order"]


class MeetingForm(CrispyMixin, forms.ModelForm):
    class Meta:
        model = Meeting
        fields = ["code", "name", "start_date", "end_date", "place"]
        widgets = {"start_date": DateInput(),
                   "end_date": DateInput()}


class MemberForm(CrispyMixin, forms.ModelForm):
    class Meta:
        model = Member
        fields = ["acronym", "name", "kind"]
