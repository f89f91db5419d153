from django.contrib import admin

from emgplan.admin_tools import OptimisticLockAdmin

from . import services
from .models import Report


@admin.register(Report)
class ReportAdmin(OptimisticLockAdmin, admin.ModelAdmin):
    """Editable (the symbol, say, before compiling again), but a save never undoes what the job recorded meanwhile."""

    list_display = ["symbol", "kind", "meeting", "as_of", "state", "requested_by", "requested_at", "finished_at"]
    list_filter = ["state", "kind", "meeting"]
    search_fields = ["symbol"]
    readonly_fields = ["state", "failure_reason", "attempts", "requested_at", "started_at", "finished_at",
                       "pdf", "docx", "xlsx", "revision", "revision_of", "worker", "heartbeat_at"]
    list_select_related = ["meeting", "requested_by"]
    actions = ["rebuild"]

    @admin.action(description="Compile again from the snapshot (e.g. after correcting the symbol)")
    def rebuild(self, request, queryset):
        done = 0
        for report in queryset.filter(state__in=[Report.State.READY, Report.State.FAILED]):
            services.report_rebuild(report=report, by=request.user)
            done += 1
        self.message_user(request, f"{done} report(s) queued to compile again.")
