from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import ValidationError
from django.db.models import BooleanField, ExpressionWrapper, Q
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect
from django.views.generic import DetailView, FormView, ListView, View
from rules.contrib.views import PermissionRequiredMixin

from accomplishments.models import Meeting
from accomplishments.selectors import workplan_current
from cycles.selectors import cycle_completeness, cycle_for_meeting
from emgplan import clock
from emgplan.views import WriteRetryMixin

from . import services
from .forms import ReportForm, symbol_suggest
from .models import FORMATS, Report
from .selectors import report_list_queryset, snapshot_compare

CONTENT_TYPES = {
    "pdf": "application/pdf",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


class ReportAccessMixin(LoginRequiredMixin, PermissionRequiredMixin):
    permission_required = "reports.view_report"


class ReportListView(ReportAccessMixin, ListView):
    """Every report requested, newest first."""

    template_name = "reports/report_list.html"
    context_object_name = "reports"
    paginate_by = 20

    def get_queryset(self):
        return report_list_queryset()


class ReportCreateView(WriteRetryMixin, LoginRequiredMixin, PermissionRequiredMixin, FormView):
    """The Chair (or the secretariat) requests a report; it is compiled in the background."""

    template_name = "reports/report_form.html"
    form_class = ReportForm
    permission_required = "reports.request_report"

    def get_form_kwargs(self):
        kwargs = super().get_form_kwargs()
        kwargs.update(plan=workplan_current(), today=clock.today(self.request))
        return kwargs

    def get_initial(self):
        today = clock.today(self.request)
        meeting = (Meeting.objects.filter(start_date__gte=today, code__istartswith="SOM").order_by("start_date").first()
                   or Meeting.objects.filter(code__istartswith="SOM").order_by("-start_date").first())
        return {"kind": Report.Kind.SOM, "meeting": meeting, "as_of": today, "symbol": symbol_suggest(meeting)}

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
        plan = workplan_current()
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
        report = services.report_request(
            by=self.request.user, plan=plan, issued_on=clock.today(self.request), **data
        )
        messages.success(self.request, f"Report {report.symbol} requested. This page shows when its files are ready.")
        return redirect("reports:detail", pk=report.pk)


class ReportDetailView(ReportAccessMixin, DetailView):
    """One report: its state (live while the job runs), the reason if it failed, and its files."""

    template_name = "reports/report_detail.html"
    context_object_name = "report"

    def get_queryset(self):
        # The snapshot itself can be large: the page only needs to know it exists.
        return report_list_queryset().annotate(
            has_snapshot=ExpressionWrapper(Q(snapshot__isnull=False), output_field=BooleanField())
        )

    def get_template_names(self):
        if self.request.htmx:
            return ["reports/partials/_report_status.html"]
        return [self.template_name]


class ReportCompareView(ReportAccessMixin, DetailView):
    """What changed between this report and another one (?with=<id>), from their snapshots."""

    template_name = "reports/report_compare.html"
    context_object_name = "report"

    def get_queryset(self):
        return Report.objects.select_related("meeting").filter(snapshot__isnull=False)

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        others = Report.objects.filter(snapshot__isnull=False).exclude(pk=self.object.pk).select_related("meeting")
        ctx["others"] = others.defer("snapshot").order_by("-requested_at")[:50]
        other_id = self.request.GET.get("with", "")
        if other_id.isdigit():
            other = get_object_or_404(others, pk=other_id)
            old, new = sorted([other, self.object], key=lambda r: (r.as_of, r.requested_at))
            ctx.update(old=old, new=new, diff=snapshot_compare(old=old.snapshot, new=new.snapshot))
        return ctx


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
