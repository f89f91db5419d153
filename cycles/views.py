"""Pages of the reporting cycles: list, detail with completeness, open/edit/close (secretariat)."""
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views import View
from django.views.generic import DetailView, ListView
from django.views.generic.edit import FormView

from accomplishments.models import Meeting
from accomplishments.selectors import workplan_of
from emgplan.views import RoleRequiredMixin, RuleRequiredMixin, WriteRetryMixin

from . import services
from .forms import ReportingCycleForm
from .models import ReportingCycle
from .selectors import STATE_LABELS, cycle_completeness, cycle_milestones_for_page

PAGE_SIZE = 25
MILESTONES_PER_PAGE = 100


class CycleListView(RoleRequiredMixin, RuleRequiredMixin, ListView):
    """All reporting cycles, open ones first."""

    permission_required = "cycles.view_cycle"
    template_name = "cycles/cycle_list.html"
    paginate_by = PAGE_SIZE
    context_object_name = "cycles"

    def get_queryset(self):
        return ReportingCycle.objects.filter(work_plan=workplan_of(self.request)).select_related(
            "meeting", "work_plan").order_by("status", "-cut_off", "-pk")


class CycleDetailView(RoleRequiredMixin, RuleRequiredMixin, DetailView):
    """A cycle: completeness per lead body and overall, and the state of every milestone it expects."""

    permission_required = "cycles.view_cycle"
    template_name = "cycles/cycle_detail.html"
    context_object_name = "cycle"

    def get_queryset(self):
        return ReportingCycle.objects.select_related("meeting", "work_plan", "opened_by", "closed_by")

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx["completeness"] = cycle_completeness(self.object)
        state = self.request.GET.get("state")
        milestones = cycle_milestones_for_page(self.object)
        if state in STATE_LABELS:
            milestones = milestones.filter(cycle_state=state)
        ctx["state"] = state if state in STATE_LABELS else ""
        ctx["states"] = STATE_LABELS
        ctx["page_obj"] = Paginator(milestones, MILESTONES_PER_PAGE).get_page(self.request.GET.get("page"))
        ctx["query"] = f"state={ctx['state']}" if ctx["state"] else ""
        return ctx


class CycleCreateView(WriteRetryMixin, RoleRequiredMixin, RuleRequiredMixin, FormView):
    permission_required = "cycles.manage_cycle"
    form_class = ReportingCycleForm
    template_name = "includes/form_page.html"
    extra_context = {"title": "Open a reporting cycle"}

    def get_initial(self):
        meeting = Meeting.objects.filter(pk=self.request.GET.get("meeting") or None).first() \
            if (self.request.GET.get("meeting") or "").isdigit() else None
        return ReportingCycleForm.initial_for(meeting=meeting, work_plan=workplan_of(self.request))

    def form_valid(self, form):
        try:
            cycle = services.cycle_open(by=self.request.user, **form.cleaned_data)
        except ValidationError as error:  # e.g. another cycle for this meeting is open: checked on save
            form.add_error(None, error)
            return self.form_invalid(form)
        messages.success(self.request, f"Reporting cycle for {cycle.meeting.code} opened: leads must file by "
                                       f"{cycle.cut_off:%-d %B %Y}.")
        return redirect("cycles:cycle-detail", pk=cycle.pk)


class CycleEditView(WriteRetryMixin, RoleRequiredMixin, RuleRequiredMixin, FormView):
    permission_required = "cycles.manage_cycle"
    form_class = ReportingCycleForm
    template_name = "includes/form_page.html"

    def dispatch(self, request, *args, **kwargs):
        self.cycle = None
        return super().dispatch(request, *args, **kwargs)

    def get_form_kwargs(self):
        self.cycle = get_object_or_404(ReportingCycle, pk=self.kwargs["pk"])
        return {**super().get_form_kwargs(), "instance": self.cycle}

    def get_context_data(self, **kwargs):
        return super().get_context_data(title=f"Edit {self.cycle}", **kwargs)

    def form_valid(self, form):
        fields = {name: form.cleaned_data[name] for name in form.Meta.fields}
        try:
            cycle = services.cycle_update(cycle=ReportingCycle.objects.get(pk=self.cycle.pk), by=self.request.user,
                                          **fields)
        except ValidationError as error:
            form.add_error(None, error)
            return self.form_invalid(form)
        messages.success(self.request, f"{cycle} saved.")
        return redirect("cycles:cycle-detail", pk=cycle.pk)


class CycleCloseView(WriteRetryMixin, RoleRequiredMixin, RuleRequiredMixin, View):
    """GET asks for confirmation; POST closes the cycle (no more reminders)."""

    permission_required = "cycles.manage_cycle"

    def get(self, request, pk):
        cycle = get_object_or_404(ReportingCycle.objects.select_related("meeting"), pk=pk)
        return render(request, "cycles/cycle_close.html", {"cycle": cycle,
                                                           "completeness": cycle_completeness(cycle)})

    def post(self, request, pk):
        cycle = get_object_or_404(ReportingCycle, pk=pk)
        cycle = services.cycle_close(cycle=cycle, by=request.user)
        messages.success(request, f"{cycle} closed: no more reminders will be sent for it.")
        return redirect(reverse("cycles:cycle-detail", args=[cycle.pk]))
