from django.contrib import messages
from django.urls import reverse_lazy
from django.utils.functional import cached_property
from django.views.generic import CreateView, ListView, TemplateView, UpdateView

from activities.views import MoveView, PlanDeleteView
from emgplan.views import RoleRequiredMixin, RuleRequiredMixin, WriteRetryMixin

from .forms import ExpectedAccomplishmentForm, MeetingForm, MemberForm
from .models import ExpectedAccomplishment, Meeting, Member
from .selectors import plan_sections, workplan_current

PAGE_SIZE = 25


class PlanOverviewView(RoleRequiredMixin, RuleRequiredMixin, TemplateView):
    """The whole plan: A–D, their activities and milestones, in the order of the document."""

    template_name = "accomplishments/plan_overview.html"
    permission_required = "accomplishments.view_plan"

    @cached_property
    def plan(self):
        return workplan_current()

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        can_manage = self.request.user.has_perm("activities.manage_plan")
        # The secretariat arranges the plan (edit, reorder, add) in a mode of its own: the everyday page stays small.
        arrange = can_manage and self.request.GET.get("arrange") == "1"
        ctx.update(plan=self.plan, section=self.request.GET.get("ea", "")[:10], can_manage=can_manage,
                   arrange=arrange)
        if self.plan is not None:
            ctx["overview"] = plan_sections(plan=self.plan, chosen=ctx["section"])
        return ctx


class SavedMessageMixin(WriteRetryMixin):
    saved = "saved"

    def form_valid(self, form):
        form.instance._history_user = self.request.user
        response = super().form_valid(form)
        messages.success(self.request, f"{self.object} {self.saved}.")
        return response


class AccomplishmentCreateView(RoleRequiredMixin, RuleRequiredMixin, SavedMessageMixin, CreateView):
    permission_required = "accomplishments.manage_plan"
    form_class = ExpectedAccomplishmentForm
    template_name = "includes/form_page.html"
    extra_context = {"title": "New expected accomplishment"}
    success_url = reverse_lazy("accomplishments:overview")
    saved = "created"

    def get_initial(self):
        plan = workplan_current()
        return {"work_plan": plan, "order": (plan.accomplishments.count() + 1) if plan else 1}


class AccomplishmentEditView(RoleRequiredMixin, RuleRequiredMixin, SavedMessageMixin, UpdateView):
    permission_required = "accomplishments.manage_plan"
    model = ExpectedAccomplishment
    form_class = ExpectedAccomplishmentForm
    template_name = "includes/form_page.html"
    extra_context = {"title": "Edit expected accomplishment"}
    success_url = reverse_lazy("accomplishments:overview")


class AccomplishmentMoveView(MoveView):
    permission_required = "accomplishments.manage_plan"
    model = ExpectedAccomplishment


class MeetingListView(RoleRequiredMixin, RuleRequiredMixin, ListView):
    permission_required = "accomplishments.view_plan"
    model = Meeting
    paginate_by = PAGE_SIZE
    template_name = "accomplishments/meeting_list.html"


class MeetingCreateView(RoleRequiredMixin, RuleRequiredMixin, SavedMessageMixin, CreateView):
    permission_required = "accomplishments.manage_plan"
    form_class = MeetingForm
    template_name = "includes/form_page.html"
    extra_context = {"title": "New meeting"}
    success_url = reverse_lazy("accomplishments:meeting-list")
    saved = "created"


class MeetingEditView(RoleRequiredMixin, RuleRequiredMixin, SavedMessageMixin, UpdateView):
    permission_required = "accomplishments.manage_plan"
    model = Meeting
    form_class = MeetingForm
    template_name = "includes/form_page.html"
    extra_context = {"title": "Edit meeting"}
    success_url = reverse_lazy("accomplishments:meeting-list")


class MeetingDeleteView(RoleRequiredMixin, RuleRequiredMixin, PlanDeleteView):
    permission_required = "accomplishments.manage_plan"
    model = Meeting
    success_url = reverse_lazy("accomplishments:meeting-list")


class MemberListView(RoleRequiredMixin, RuleRequiredMixin, ListView):
    permission_required = "accomplishments.view_plan"
    model = Member
    paginate_by = PAGE_SIZE
    template_name = "accomplishments/member_list.html"


class MemberCreateView(RoleRequiredMixin, RuleRequiredMixin, SavedMessageMixin, CreateView):
    permission_required = "accomplishments.manage_plan"
    form_class = MemberForm
    template_name = "includes/form_page.html"
    extra_context = {"title": "New member"}
    success_url = reverse_lazy("accomplishments:member-list")
    saved = "created"


class MemberEditView(RoleRequiredMixin, RuleRequiredMixin, SavedMessageMixin, UpdateView):
    permission_required = "accomplishments.manage_plan"
    model = Member
    form_class = MemberForm
    template_name = "includes/form_page.html"
    extra_context = {"title": "Edit member"}
    success_url = reverse_lazy("accomplishments:member-list")


class MemberDeleteView(RoleRequiredMixin, RuleRequiredMixin, PlanDeleteView):
    permission_required = "accomplishments.manage_plan"
    model = Member
    success_url = reverse_lazy("accomplishments:member-list")
