import datetime
import re

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import ValidationError
from django.db.models import BooleanField, ExpressionWrapper, Q
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils import timezone
from django.views.generic import DetailView, FormView, ListView, TemplateView, View
from rules.contrib.views import PermissionRequiredMixin

from accomplishments.models import Meeting
from accomplishments.selectors import workplan_of
from cycles.selectors import cycle_completeness, cycle_for_meeting
from decisions.forms import ActionDraftFormSet
from decisions.models import Decision
from decisions.services import decisions_record_from_report
from emgplan import clock
from emgplan.views import WriteRetryMixin

from . import services
from .compare import snapshot_compare
from .forms import ReportForm, ReportRevisionForm, symbol_input, symbol_suggest
from .models import FORMATS, Report
from .selectors import report_list_queryset

CONTENT_TYPES = {
    "pdf": "application/pdf",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


class ReportAccessMixin(LoginRequiredMixin, PermissionRequiredMixin):
    permission_required = "reports.view_report"


class ReportListView(ReportAccessMixin, ListView):
    """Every report requested, newest first, each with its revisions beneath it."""

    template_name = "reports/report_list.html"
    context_object_name = "reports"
    paginate_by = 20

    def get(self, request, *args, **kwargs):
        services.reports_fail_dead()  # a job whose worker died shows as failed here, not "Running" for ever
        return super().get(request, *args, **kwargs)

    def get_queryset(self):
        return Report.objects.families().filter(work_plan=workplan_of(self.request))

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx["can_see_workers"] = self.request.user.has_perm("reports.view_workers")
        return ctx


class ReportCreateView(WriteRetryMixin, LoginRequiredMixin, PermissionRequiredMixin, FormView):
    """The Chair (or the secretariat) requests a report; it is compiled in the background."""

    template_name = "reports/report_form.html"
    form_class = ReportForm
    permission_required = "reports.request_report"

    def get_form_kwargs(self):
        kwargs = super().get_form_kwargs()
        # The as-of limit is the application's today (real, or EMG_TODAY in a replay), never the
        # "Plan as of" a user picked for browsing.
        kwargs.update(plan=workplan_of(self.request), today=clock.configured_today())
        return kwargs

    def get_initial(self):
        today = min(clock.today(self.request), clock.configured_today())
        meeting = (Meeting.objects.filter(start_date__gte=today, code__istartswith="SOM").order_by("start_date").first()
                   or Meeting.objects.filter(code__istartswith="SOM").order_by("-start_date").first())
        return {"kind": Report.Kind.SOM, "meeting": meeting, "as_of": today,
                "symbol": symbol_suggest(meeting, Report.Kind.SOM, workplan_of(self.request)),
                # The date of issue is the day of compiling by the application's clock, not the session's.
                "issued_on": clock.configured_today()}

    def _completeness(self, meeting):
        cycle = cycle_for_meeting(meeting) if meeting else None
        return cycle_completeness(cycle) if cycle else None

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        form = ctx["form"]
        meeting = form.cleaned_data.get("meeting") if form.is_bound and hasattr(form, "cleaned_data") \
            else form.initial.get("meeting")
        ctx["completeness"] = self._completeness(meeting)
        return ctx

    def form_valid(self, form):
        plan = workplan_of(self.request)
        if plan is None:
            form.add_error(None, "No work plan is loaded.")
            return self.form_invalid(form)
        data = dict(form.cleaned_data)
        confirmed = data.pop("compile_incomplete")
        completeness = self._completeness(data["meeting"])
        if completeness is not None and not completeness.complete and not confirmed:
            c = completeness.overall
            form.add_error("compile_incomplete", ValidationError(
                f"Progress for {data['meeting'].code} is incomplete: {c.accepted} of {c.total} milestones have "
                "accepted progress. Tick the box to compile the report anyway.", code="cycle_incomplete"))
            return self.form_invalid(form)
        if form.duplicate is not None:
            return _already_requested(self.request, form.duplicate)
        try:
            report = services.report_request(by=self.request.user, plan=plan, **data)
        except services.AlreadyRequested as exc:
            return _already_requested(self.request, exc.report)
        except ValidationError as exc:
            form.add_error(None, exc)
            return self.form_invalid(form)
        messages.success(self.request, f"Report {report.symbol} requested. This page shows when its files are ready.")
        return redirect("reports:detail", pk=report.pk)


def _already_requested(request, report):
    state = report.get_state_display().lower()
    messages.info(request, f"Report {report.symbol_display} was already requested and is {state}: this is it.")
    return redirect("reports:detail", pk=report.pk)


class SymbolSuggestView(LoginRequiredMixin, PermissionRequiredMixin, View):
    """The symbol input with the next free symbol for the meeting and kind chosen (swapped in by htmx)."""

    permission_required = "reports.request_report"

    def get(self, request):
        meeting_id = request.GET.get("meeting", "")
        meeting = Meeting.objects.filter(pk=meeting_id).first() if meeting_id.isdigit() else None
        kind = request.GET.get("kind") or Report.Kind.SOM
        return HttpResponse(symbol_input(symbol_suggest(meeting, kind, workplan_of(self.request))))


class ReportRevisionView(LoginRequiredMixin, PermissionRequiredMixin, FormView):
    """Issue a revision of a ready report: same symbol and as-of date, a fresh snapshot, its own files."""

    template_name = "reports/report_revision_form.html"
    form_class = ReportRevisionForm
    permission_required = "reports.request_report"

    def dispatch(self, request, *args, **kwargs):
        self.report = get_object_or_404(Report.objects.defer("snapshot").select_related("meeting"), pk=kwargs["pk"])
        return super().dispatch(request, *args, **kwargs)

    def get_form_kwargs(self):
        return super().get_form_kwargs() | {"as_of": self.report.as_of}

    def get_initial(self):
        return {"issued_on": clock.configured_today(), "agenda_item": self.report.agenda_item,
                "suggested_actions": self.report.suggested_actions}

    def get_context_data(self, **kwargs):
        return super().get_context_data(**kwargs) | {"report": self.report}

    def form_valid(self, form):
        try:
            revision = services.report_revise(report=self.report, by=self.request.user, **form.cleaned_data)
        except services.AlreadyRequested as exc:
            return _already_requested(self.request, exc.report)
        except ValueError as exc:
            messages.error(self.request, str(exc))
            return redirect("reports:detail", pk=self.report.pk)
        messages.success(self.request, f"Revision {revision.symbol_display} requested. {self.report.symbol_display} "
                                       "and its files stay available.")
        return redirect("reports:detail", pk=revision.pk)


class ReportDetailView(ReportAccessMixin, DetailView):
    """One report: its state (live while the job runs), the reason if it failed, and its files."""

    template_name = "reports/report_detail.html"
    context_object_name = "report"

    def get_queryset(self):
        # The snapshot itself can be large: the page only needs to know it exists.
        return report_list_queryset().annotate(
            has_snapshot=ExpressionWrapper(Q(snapshot__isnull=False), output_field=BooleanField())
        )

    def get_object(self, queryset=None):
        # Reading the page is what notices a dead worker: no scheduler has to run for the Chair to see it.
        services.reports_fail_dead(report_ids=[self.kwargs["pk"]])
        return super().get_object(queryset)

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        report = self.object
        ctx["no_worker"] = services.report_no_worker(report)
        if not self.request.htmx:
            family = Report.objects.defer("snapshot").filter(
                Q(pk=report.original_id) | Q(revision_of_id=report.original_id)).order_by("revision")
            ctx["family"] = list(family) if report.revision or report.revisions.exists() else []
        return ctx

    def get_template_names(self):
        if self.request.htmx:
            return ["reports/partials/_report_status.html"]
        return [self.template_name]


class ReportCompareView(ReportAccessMixin, DetailView):
    """What changed between this report and another of the same kind (?with=<id>), from their snapshots."""

    template_name = "reports/report_compare.html"
    context_object_name = "report"

    def get_queryset(self):
        return Report.objects.select_related("meeting").filter(snapshot__isnull=False)

    def _others(self):
        return (Report.objects.filter(snapshot__isnull=False, kind=self.object.kind, work_plan=self.object.work_plan_id)
                .exclude(pk=self.object.pk).select_related("meeting"))

    def compared(self):
        """(old, new, diff) for ?with=<id>, or None when no other report is chosen."""
        other_id = self.request.GET.get("with", "")
        if not other_id.isdigit():
            return None
        other = get_object_or_404(self._others(), pk=other_id)
        old, new = sorted([other, self.object], key=lambda r: (r.as_of, r.requested_at))
        return old, new, snapshot_compare(old=old.snapshot, new=new.snapshot)

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx["others"] = self._others().defer("snapshot").order_by("-requested_at")[:50]
        compared = self.compared()
        if compared:
            old, new, diff = compared
            ctx.update(old=old, new=new, diff=diff)
        return ctx


class ReportCompareDocxView(ReportCompareView):
    """The comparison as a Word annex (A4), for the secretariat to attach to a meeting document."""

    def get(self, request, *args, **kwargs):
        from .renderers.compare_docx import render

        self.object = self.get_object()
        compared = self.compared()
        if compared is None:
            raise Http404("Choose the report to compare with.")
        old, new, diff = compared
        content = render(diff=diff, old=_summary(old), new=_summary(new))
        stem = re.sub(r"[^A-Za-z0-9]+", "-", f"{new.symbol_display}-changes-since-{old.symbol_display}").strip("-")
        response = HttpResponse(content, content_type=CONTENT_TYPES["docx"])
        response["Content-Disposition"] = f'attachment; filename="{stem}.docx"'
        return response


def _summary(report: Report) -> dict:
    return {"symbol": report.symbol_display, "as_of": report.as_of.isoformat(), "meeting": report.meeting.code,
            "kind": report.get_kind_display(), "issued_on": report.issued_on.isoformat()}


class WorkersView(LoginRequiredMixin, PermissionRequiredMixin, TemplateView):
    """For the secretariat: are report workers answering, and are jobs waiting or stuck?"""

    template_name = "reports/workers.html"
    permission_required = "reports.view_workers"

    def get_context_data(self, **kwargs):
        services.reports_fail_dead()
        now = timezone.now()
        active = Report.objects.active().defer("snapshot").select_related("meeting").order_by("requested_at")
        queued = [r for r in active if r.state == Report.State.QUEUED]
        oldest = min((r.requested_at for r in queued), default=None)
        since = now - datetime.timedelta(days=1)
        return super().get_context_data(**kwargs) | {
            "eager": services.reports_eager(),
            "workers": services.report_workers(fresh=True),
            "active": active,
            "queued_count": len(queued),
            "oldest_wait": (now - oldest) if oldest else None,
            "no_worker_after": settings.REPORTS_NO_WORKER_AFTER,
            "stale_after": settings.REPORTS_HEARTBEAT_STALE,
            "failed_recently": Report.objects.filter(state=Report.State.FAILED, finished_at__gte=since).count(),
            "now": now,
        }


class ReportStatusView(ReportDetailView):
    """The state fragment that the report page polls with htmx."""

    def get_template_names(self):
        return ["reports/partials/_report_status.html"]


class ReportRetryView(WriteRetryMixin, LoginRequiredMixin, PermissionRequiredMixin, View):
    """Queue a failed report again."""

    permission_required = "reports.request_report"

    def post(self, request, pk):
        report = get_object_or_404(Report, pk=pk)
        try:
            services.report_retry(report=report, by=request.user)
        except ValueError as exc:
            messages.error(request, str(exc))
        else:
            messages.success(request, f"Report {report.symbol} queued again.")
        return redirect("reports:detail", pk=pk)


class ReportDownloadView(ReportAccessMixin, View):
    """A compiled file, sent only to those who may read reports, and only once the report is ready."""

    def get(self, request, pk, fmt):
        if fmt not in FORMATS:
            raise Http404("No such format.")
        report = get_object_or_404(Report.objects.defer("snapshot"), pk=pk, state=Report.State.READY)
        field = getattr(report, fmt)
        if not field or not field.storage.exists(field.name):
            raise Http404("The file is missing; compile the report again.")
        filename = field.name.rsplit("/", 1)[-1]
        return FileResponse(field.open("rb"), as_attachment=True, filename=filename, content_type=CONTENT_TYPES[fmt])


class ReportDecisionsView(ReportAccessMixin, View):
    """After a SOM: the report's suggested actions become the actions the meeting approved, in one step.

    GET shows each suggested action as a draft (nothing is saved); the secretariat edits the approved wording,
    names the lead body and the due meeting, leaves out what the meeting did not approve and confirms: the
    confirmed actions are recorded together, or none if one is wrong.
    """

    permission_required = "decisions.manage_decisions"
    template_name = "reports/report_decisions.html"

    def get_permission_object(self):
        return None

    def _report(self):
        report = get_object_or_404(Report.objects.select_related("meeting"), pk=self.kwargs["pk"], kind=Report.Kind.SOM)
        self.actions = services.suggested_actions_split(report.suggested_actions)
        if not self.actions:
            raise Http404("This report suggests no action.")
        return report

    def _render(self, report, formset):
        from django.shortcuts import render

        recorded = Decision.objects.filter(source=report.symbol_display).order_by("order")
        return render(self.request, self.template_name,
                      {"report": report, "formset": formset, "recorded": recorded})

    def get(self, request, pk):
        report = self._report()
        due = Meeting.objects.filter(start_date__gt=report.meeting.end_date, code__istartswith="SOM") \
            .order_by("start_date").first()
        initial = [{"keep": True, "reference": f"{report.meeting.code} action {n}", "text": text,
                    "due_meeting": due} for n, text in enumerate(self.actions, start=1)]
        return self._render(report, ActionDraftFormSet(initial=initial))

    def post(self, request, pk):
        report = self._report()
        formset = ActionDraftFormSet(request.POST)
        if formset.is_valid():
            kept = [f.cleaned_data for f in formset.forms if f.cleaned_data.get("keep")]
            try:
                made = decisions_record_from_report(actions=kept, meeting=report.meeting,
                                                    source=report.symbol_display, by=request.user)
            except ValidationError as exc:
                formset._non_form_errors = formset.error_class(exc.messages)
            else:
                messages.success(request, f"{len(made)} action{'s' if len(made) != 1 else ''} of "
                                          f"{report.meeting.code} recorded.")
                return redirect(f"{reverse('decisions:decision-list')}?meeting={report.meeting.pk}&kind=action")
        return self._render(report, formset)
