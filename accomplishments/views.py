"""The plan's frame kept by the secretariat: expected accomplishments, meetings and members. Writes go through
accomplishments.services. (The plan page itself reads milestones: activities.views.PlanOverviewView.)"""
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.urls import reverse, reverse_lazy
from django.utils.functional import cached_property
from django.views.generic import CreateView, FormView, ListView, TemplateView, UpdateView

from emgplan.views import MoveView, PlanDeleteView, RoleRequiredMixin, RuleRequiredMixin, WriteRetryMixin

from . import services
from .forms import (
    ExpectedAccomplishmentForm,
    MeetingForm,
    MemberForm,
    WorkPlanAdoptForm,
    WorkPlanCloseForm,
    WorkPlanReapproveForm,
)
from .models import ExpectedAccomplishment, Meeting, Member, WorkPlan, WorkPlanApproval
from .selectors import workplan_current, workplan_of, workplans_all

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
        plan = workplan_of(self.request)
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


# Work plans: the list, and a plan's life (adopt, re-approve, close) --------------------------------------


class WorkPlanListView(RoleRequiredMixin, RuleRequiredMixin, TemplateView):
    """Every work plan with its status and approvals; the secretariat's actions on each."""

    permission_required = "accomplishments.view_plan"
    template_name = "accomplishments/workplan_list.html"

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        plans = workplans_all()
        approvals = {}
        for a in WorkPlanApproval.objects.filter(work_plan__in=plans).select_related("meeting"):
            approvals.setdefault(a.work_plan_id, []).append(a)
        for plan in plans:
            plan.approval_list = sorted(approvals.get(plan.pk, []), key=lambda a: a.year)
            plan.unapproved_years = [y for y in plan.years if y not in {a.year for a in plan.approval_list}]
        user = self.request.user
        ctx.update(plans=plans, can_adopt=user.has_perm("accomplishments.adopt_plan"),
                   can_close=user.has_perm("accomplishments.close_plan"),
                   can_approve=user.has_perm("accomplishments.approve_plan"))
        return ctx


class WorkPlanActionView(RoleRequiredMixin, RuleRequiredMixin, WriteRetryMixin, FormView):
    """A confirmation page with a form; on POST the service, then back to the list with a message."""

    template_name = "accomplishments/workplan_action.html"
    title = ""
    button = ""
    explanation = ""
    danger = False

    @cached_property
    def plan(self):
        return get_object_or_404(WorkPlan, pk=self.kwargs["pk"])

    def get_success_url(self):
        return reverse("accomplishments:workplan-list")

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx.update(plan=self.plan, title=self.title.format(plan=self.plan), button=self.button, danger=self.danger,
                   explanation=self.explanation.format(plan=self.plan))
        return ctx

    def form_valid(self, form):
        try:
            text = self.act(form)
        except ValidationError as e:
            for field, errors in e.message_dict.items() if hasattr(e, "error_dict") else [(None, e.messages)]:
                for error in errors:
                    form.add_error(field, error)
            return self.form_invalid(form)
        messages.success(self.request, text)
        return super().form_valid(form)


class WorkPlanAdoptView(WorkPlanActionView):
    permission_required = "accomplishments.adopt_plan"
    form_class = WorkPlanAdoptForm
    title = "Record the adoption of the {plan.period} plan"
    button = "Record the adoption"
    explanation = ("The {plan.period} plan ({plan.symbol}) becomes the current plan: everyone works in it from now "
                   "on. The plan that is current now becomes a past plan; it stays readable, with its reports, "
                   "and can still be completed until it is closed.")

    def act(self, form):
        previous = workplan_current()
        services.workplan_adopt(plan=self.plan, meeting=form.cleaned_data["meeting"], by=self.request.user)
        was = f" The {previous.period} plan is now a past plan." if previous and previous.pk != self.plan.pk else ""
        meeting = form.cleaned_data["meeting"].code
        return f"The {self.plan.period} plan was adopted at {meeting} and is now current.{was}"


class WorkPlanReapproveView(WorkPlanActionView):
    permission_required = "accomplishments.approve_plan"
    form_class = WorkPlanReapproveForm
    title = "Record the yearly approval of the {plan.period} plan"
    button = "Record the approval"
    explanation = "The plan covers two years and is approved again each year by a Senior Officials' Meeting."

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "plan": self.plan}

    def act(self, form):
        year, meeting = form.cleaned_data["year"], form.cleaned_data["meeting"]
        services.workplan_reapprove(plan=self.plan, year=year, meeting=meeting, by=self.request.user)
        return f"The approval of the {self.plan.period} plan for {year} by {meeting.code} was recorded."


class WorkPlanCloseView(WorkPlanActionView):
    permission_required = "accomplishments.close_plan"
    form_class = WorkPlanCloseForm
    danger = True
    title = "Close the {plan.period} plan?"
    button = "Yes, close the plan"
    explanation = ("Once closed, the {plan.period} plan is a read-only record: its milestones, progress, "
                   "contributions, cycles and reports stay readable, and nothing in it can change any more. "
                   "This cannot be undone in the application.")

    def act(self, form):
        services.workplan_close(plan=self.plan, by=self.request.user)
        return f"The {self.plan.period} plan is closed: it is kept as a read-only record."
