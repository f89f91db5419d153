from django import forms
from django.contrib.auth.forms import UserCreationForm
from django.contrib.auth.models import User

from accomplishments.models import Member
from activities.models import LeadBody
from emgplan import roles
from emgplan.forms import CrispyMixin

from .models import Profile


class RoleForm(CrispyMixin, forms.Form):
    role = forms.ChoiceField(choices=list(roles.ROLES.items()))
    lead_bodies = forms.ModelMultipleChoiceField(
        queryset=LeadBody.objects.all(), required=False, label="Lead bodies this user leads",
        widget=forms.CheckboxSelectMultiple, help_text="For a lead of a lead body.")
    members = forms.ModelMultipleChoiceField(
        queryset=Member.objects.all(), required=False, label="Members this user represents",
        help_text="For a member focal point.")

    def clean(self):
        data = super().clean()
        if data.get("role") == roles.LEAD and not data.get("lead_bodies"):
            self.add_error("lead_bodies", "Choose the lead bodies this lead leads.")
        if data.get("role") == roles.FOCAL_POINT and not data.get("members"):
            self.add_error("members", "Choose the member this focal point represents.")
        return data


class UserCreateForm(CrispyMixin, UserCreationForm):
    class Meta:
        model = User
        fields = ["username", "first_name", "last_name", "email"]


class ProfileForm(CrispyMixin, forms.ModelForm):
    class Meta:
        model = Profile
        fields = ["email_reminders"]
