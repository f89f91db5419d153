from django import forms

from emgplan.forms import CrispyMixin, DateInput

from .models import ExpectedAccomplishment, Meeting, Member, WorkPlan


class ExpectedAccomplishmentForm(CrispyMixin, forms.ModelForm):
    class Meta:
        model = ExpectedAccomplishment
        fields = ["work_plan", "code", "category", "statement", "order"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # A closed plan is a read-only record: it is not offered.
        self.fields["work_plan"].queryset = WorkPlan.objects.exclude(status=WorkPlan.Status.CLOSED)


class WorkPlanAdoptForm(CrispyMixin, forms.Form):
    meeting = forms.ModelChoiceField(
        queryset=Meeting.objects.order_by("-start_date", "code"), label="Adopted at",
        help_text="The Senior Officials' Meeting that adopted the plan (its approval for the first year).",
    )


class WorkPlanReapproveForm(CrispyMixin, forms.Form):
    year = forms.TypedChoiceField(coerce=int, label="Approved for the year")
    meeting = forms.ModelChoiceField(queryset=Meeting.objects.order_by("-start_date", "code"), label="Approved at")

    def __init__(self, *args, plan: WorkPlan, **kwargs):
        super().__init__(*args, **kwargs)
        approved = {a.year for a in plan.approvals.all()}
        self.fields["year"].choices = [(y, str(y)) for y in plan.years if y not in approved]


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


class WorkPlanCloseForm(forms.Form):
    """Nothing to fill in: the page asks for a confirmation."""
