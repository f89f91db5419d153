"""The plan's frame kept by the secretariat: expected accomplishments, meetings and members. Writes go through
accomplishments.services. (The plan page itself reads milestones: activities.views.PlanOverviewView.)"""
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponseRedirect
from django.urls import reverse_lazy
from django.views.generic import CreateView, ListView, UpdateView

from emgplan.views import MoveView, PlanDeleteView, RoleRequiredMixin, RuleRequiredMixin, WriteRetryMixin

from . import services
from .forms import ExpectedAccomplishmentForm, MeetingForm, MemberForm
from .models import ExpectedAccomplishment, Meeting, Member
from .selectors import workplan_current

PAGE_SIZE = 25


class ServiceSaveMixin(WriteRetryMixin):
    """Save the form's cleaned data through `create` (a new row) or `edit` (self.object), never form.save()."""

    saved = "saved"
    create = None
    edit = None

    def form_valid(self, form):
        by = self.request.user
        try:
            if self.object is None:
                self.object = self.create(data=form.cleaned_data, by=by)
            else:
                self.object = self.edit(self.object, data=form.cleaned_data, by=by)
        except ValidationError as exc:
            form.add_error(None, exc)
            return self.form_invalid(form)
        messages.success(self.request, f"{self.object} {self.saved}.")
        return HttpResponseRedirect(self.get_success_url())


class AccomplishmentCreateView(RoleRequiredMixin, RuleRequiredMixin, ServiceSaveMixin, CreateView):
    permission_required = "accomplishments.manage_plan"
    form_class = ExpectedAccomplishmentForm
    template_name = "includes/form_page.html"
    extra_context = {"title": "New expected accomplishment"}
    success_url = reverse_lazy("activities:plan")
    saved = "created"
    create = staticmethod(services.accomplishment_create)

    def get_initial(self):
        plan = workplan_current()
        return {"work_plan": plan, "order": (plan.accomplishments.count() + 1) if plan else 1}


class AccomplishmentEditView(RoleRequiredMixin, RuleRequiredMixin, ServiceSaveMixin, UpdateView):
    permission_required = "accomplishments.manage_plan"
    model = ExpectedAccomplishment
    form_class = ExpectedAccomplishmentForm
    template_name = "includes/form_page.html"
    extra_context = {"title": "Edit expected accomplishment"}
    success_url = reverse_lazy("activities:plan")
    edit = staticmethod(services.accomplishment_edit)


class AccomplishmentMoveView(MoveView):
    permission_required = "accomplishments.manage_plan"
    model = ExpectedAccomplishment
    move = staticmethod(services.accomplishment_move)
    back_url = reverse_lazy("activities:plan")


class MeetingListView(RoleRequiredMixin, RuleRequiredMixin, ListView):
    permission_required = "accomplishments.view_plan"
    model = Meeting
    paginate_by = PAGE_SIZE
    template_name = "accomplishments/meeting_list.html"


class MeetingCreateView(RoleRequiredMixin, RuleRequiredMixin, ServiceSaveMixin, CreateView):
    permission_required = "accomplishments.manage_plan"
    form_class = MeetingForm
    template_name = "includes/form_page.html"
    extra_context = {"title": "New meeting"}
    success_url = reverse_lazy("accomplishments:meeting-list")
    saved = "created"
    create = staticmethod(services.meeting_create)


class MeetingEditView(RoleRequiredMixin, RuleRequiredMixin, ServiceSaveMixin, UpdateView):
    permission_required = "accomplishments.manage_plan"
    model = Meeting
    form_class = MeetingForm
    template_name = "includes/form_page.html"
    extra_context = {"title": "Edit meeting"}
    success_url = reverse_lazy("accomplishments:meeting-list")
    edit = staticmethod(services.meeting_edit)


class MeetingDeleteView(RoleRequiredMixin, RuleRequiredMixin, PlanDeleteView):
    permission_required = "accomplishments.manage_plan"
    model = Meeting
    success_url = reverse_lazy("accomplishments:meeting-list")
    delete_service = staticmethod(services.meeting_delete)


class MemberListView(RoleRequiredMixin, RuleRequiredMixin, ListView):
    permission_required = "accomplishments.view_plan"
    model = Member
    paginate_by = PAGE_SIZE
    template_name = "accomplishments/member_list.html"


class MemberCreateView(RoleRequiredMixin, RuleRequiredMixin, ServiceSaveMixin, CreateView):
    permission_required = "accomplishments.manage_plan"
    form_class = MemberForm
    template_name = "includes/form_page.html"
    extra_context = {"title": "New member"}
    success_url = reverse_lazy("accomplishments:member-list")
    saved = "created"
    create = staticmethod(services.member_create)


class MemberEditView(RoleRequiredMixin, RuleRequiredMixin, ServiceSaveMixin, UpdateView):
    permission_required = "accomplishments.manage_plan"
    model = Member
    form_class = MemberForm
    template_name = "includes/form_page.html"
    extra_context = {"title": "Edit member"}
    success_url = reverse_lazy("accomplishments:member-list")
    edit = staticmethod(services.member_edit)


class MemberDeleteView(RoleRequiredMixin, RuleRequiredMixin, PlanDeleteView):
    permission_required = "accomplishments.manage_plan"
    model = Member
    success_url = reverse_lazy("accomplishments:member-list")
    delete_service = staticmethod(services.member_delete)
