"""Pages of decisions: the list, a decision's trace, recording and editing, and progress on actions."""
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Count, F, Q
from django.db.models.functions import Coalesce
from django.http import HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.views import View
from django.views.generic import DetailView, ListView
from rules.contrib.views import PermissionRequiredMixin

from emgplan.views import RoleRequiredMixin, RuleRequiredMixin

from . import services
from .forms import ActionUpdateForm, DecisionFilterForm, DecisionForm, ReturnForm
from .models import ActionUpdate, Decision
from .selectors import decision_trace, decisions_visible

PAGE_SIZE = 25


class DecisionListView(RoleRequiredMixin, RuleRequiredMixin, ListView):
    """Decisions by body and meeting, filtered by body, meeting, status and kind."""

    permission_required = "activities.view_plan"
    template_name = "decisions/decision_list.html"
    paginate_by = PAGE_SIZE
    context_object_name = "decisions"

    def get_queryset(self):
        self.filters = DecisionFilterForm(self.request.GET or None)
        qs = decisions_visible(self.request.user).annotate(
            n_activities=Count("activities", distinct=True), n_milestones=Count("milestones", distinct=True),
            taken=Coalesce("meeting__start_date", "date")).order_by(
            F("taken").asc(nulls_last=True), "body_name", "order", "reference", "pk")
        if self.filters.is_valid():
            f = self.filters.cleaned_data
            if f["body"]:
                qs = qs.filter(body=f["body"])
            if f["meeting"]:
                qs = qs.filter(Q(meeting=f["meeting"]) | Q(due_meeting=f["meeting"]))
            if f["status"]:
                qs = qs.filter(kind=Decision.Kind.ACTION, status=f["status"])
            if f["kind"]:
                qs = qs.filter(kind=f["kind"])
        return qs

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx["filters"] = self.filters
        query = self.request.GET.copy()
        query.pop("page", None)
        ctx["query"] = query.urlencode()
        return ctx


class DecisionDetailView(RoleRequiredMixin, PermissionRequiredMixin, DetailView):
    """A decision and everything it mandated, with where each stands; for an action, its progress."""

    permission_required = "decisions.view_decision"
    template_name = "decisions/decision_detail.html"
    context_object_name = "decision"

    def get_queryset(self):
        return Decision.objects.for_list()

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        d, user = self.object, self.request.user
        ctx["trace"] = decision_trace(d)
        updates = list(d.updates.select_related("author", "reviewer", "revision_of"))
        ctx["updates"] = [u for u in updates if user.has_perm("decisions.view_action_update", u)]
        # Returned updates already revised (by an update not itself returned): no second "Revise".
        ctx["revised"] = {u.revision_of_id for u in updates if u.revision_of_id and u.review_state != "returned"}
        ctx["can_report"] = user.has_perm("decisions.report_on_action", d)
        ctx["can_manage"] = user.has_perm("decisions.manage_decisions")
        if ctx["can_report"]:
            ctx["update_form"] = ActionUpdateForm(initial={"reported_status": d.status})
        return ctx


class DecisionFormView(RoleRequiredMixin, RuleRequiredMixin, View):
    """Record a decision, or edit one with its mandates (the secretariat)."""

    permission_required = "decisions.manage_decisions"
    template_name = "includes/form_page.html"

    def _decision(self):
        pk = self.kwargs.get("pk")
        return get_object_or_404(Decision, pk=pk) if pk else None

    def _render(self, form, decision):
        title = f"Edit {decision}" if decision else "Record a decision"
        return render(self.request, self.template_name, {"form": form, "title": title})

    def get(self, request, pk=None):
        decision = self._decision()
        initial = {}
        if decision is None:
            for name in ("activity", "milestone"):
                if request.GET.get(name, "").isdigit():
                    initial[f"{name}s"] = [int(request.GET[name])]
        return self._render(DecisionForm(instance=decision, initial=initial), decision)

    def post(self, request, pk=None):
        decision = self._decision()
        form = DecisionForm(request.POST, instance=decision)
        if form.is_valid():
            data = {k: v for k, v in form.cleaned_data.items() if k not in ("activities", "milestones")}
            try:
                decision = services.decision_save(decision=decision, data=data, by=request.user,
                                                  activities=form.cleaned_data["activities"],
                                                  milestones=form.cleaned_data["milestones"])
            except ValidationError as exc:
                form.add_error(None, exc)
            else:
                messages.success(request, f"Saved {decision}.")
                return HttpResponseRedirect(reverse("decisions:decision-detail", args=[decision.pk]))
        return self._render(form, decision)


class DecisionConfirmView(RoleRequiredMixin, RuleRequiredMixin, View):
    permission_required = "decisions.manage_decisions"

    def post(self, request, pk):
        decision = services.decision_confirm(decision=get_object_or_404(Decision, pk=pk), by=request.user)
        messages.success(request, f"{decision} is confirmed.")
        return HttpResponseRedirect(reverse("decisions:decision-detail", args=[pk]))


class DecisionDeleteView(RoleRequiredMixin, PermissionRequiredMixin, View):
    """Delete a draft decision, after a confirmation page (the secretariat); its history keeps it."""

    permission_required = "decisions.delete_decision"

    def get_permission_object(self):
        self.decision = get_object_or_404(Decision.objects.for_list(), pk=self.kwargs["pk"])
        return self.decision

    def get(self, request, pk):
        return render(request, "decisions/decision_confirm_delete.html", {"decision": self.decision})

    def post(self, request, pk):
        reference = self.decision.reference
        try:
            services.decision_delete(decision=self.decision, by=request.user)
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
            return HttpResponseRedirect(reverse("decisions:decision-detail", args=[pk]))
        messages.success(request, f"The draft {reference} was deleted.")
        return HttpResponseRedirect(reverse("decisions:decision-list"))


class ActionUpdateCreateView(RoleRequiredMixin, PermissionRequiredMixin, View):
    """A lead reports on an action of their body; it goes to the secretariat's review queue."""

    permission_required = "decisions.report_on_action"

    def get_permission_object(self):
        self.decision = get_object_or_404(decisions_visible(self.request.user), pk=self.kwargs["pk"])
        return self.decision

    def _render(self, form, status=200):
        return render(self.request, "decisions/actionupdate_form.html",
                      {"form": form, "decision": self.decision}, status=status)

    def get(self, request, pk):
        return self._render(ActionUpdateForm(initial={"reported_status": self.decision.status}))

    def post(self, request, pk):
        form = ActionUpdateForm(request.POST)
        if form.is_valid():
            try:
                services.action_update_file(decision=self.decision, by=request.user, submit="draft" not in request.POST,
                                            **form.cleaned_data)
            except ValidationError as exc:
                form.add_error(None, exc)
            else:
                messages.success(request, f"Progress on {self.decision} sent to the secretariat for review.")
                return HttpResponseRedirect(reverse("decisions:decision-detail", args=[pk]))
        return self._render(form)


class _UpdateStep(RoleRequiredMixin, PermissionRequiredMixin, View):
    def get_permission_object(self):
        self.update = get_object_or_404(ActionUpdate.objects.select_related("decision"), pk=self.kwargs["pk"])
        if not self.request.user.has_perm("decisions.view_action_update", self.update):
            from django.http import Http404

            raise Http404
        return self.update

    def done(self, text):
        messages.success(self.request, text)
        return HttpResponseRedirect(reverse("decisions:decision-detail", args=[self.update.decision_id]))


class ActionUpdateSubmitView(_UpdateStep):
    permission_required = "decisions.submit_action_update"

    def post(self, request, pk):
        services.action_update_submit(update=self.update, by=request.user)
        return self.done("Sent to the secretariat for review.")


class ActionUpdateReviseView(_UpdateStep):
    """The author revises a returned update: the form starts from it; a new update is filed, the returned one stays."""

    permission_required = "decisions.revise_action_update"

    def _render(self, form):
        return render(self.request, "decisions/actionupdate_form.html",
                      {"form": form, "decision": self.update.decision, "revising": self.update})

    def get(self, request, pk):
        return self._render(ActionUpdateForm(initial={"reported_status": self.update.reported_status,
                                                      "narrative": self.update.narrative}))

    def post(self, request, pk):
        form = ActionUpdateForm(request.POST)
        if form.is_valid():
            submit = "draft" not in request.POST
            try:
                services.action_update_revise(update=self.update, by=request.user, submit=submit, **form.cleaned_data)
            except ValidationError as exc:
                form.add_error(None, exc)
            else:
                return self.done("The revised progress was sent to the secretariat for review." if submit
                                 else "The revised progress was saved as a draft.")
        return self._render(form)


class ActionUpdateAcceptView(_UpdateStep):
    permission_required = "decisions.review_action_update"

    def post(self, request, pk):
        services.action_update_accept(update=self.update, by=request.user)
        status = self.update.get_reported_status_display().lower()
        return self.done(f"Accepted: {self.update.decision} is now {status}.")


class ActionUpdateReturnView(_UpdateStep):
    permission_required = "decisions.review_action_update"

    def _render(self, form):
        return render(self.request, "decisions/actionupdate_return.html", {"form": form, "update": self.update})

    def get(self, request, pk):
        return self._render(ReturnForm())

    def post(self, request, pk):
        form = ReturnForm(request.POST)
        if form.is_valid():
            try:
                services.action_update_return(update=self.update, by=request.user, reason=form.cleaned_data["reason"])
            except ValidationError as exc:
                form.add_error(None, exc)
            else:
                return self.done("Returned to its author.")
        return self._render(form)
