from django.contrib import admin

from .models import Report


@admin.register(Report)
class ReportAdmin(admin.ModelAdmin):
    list_display = ["symbol", "kind", "meeting", "as_of", "state", "requested_by", "requested_at", "finished_at"]
    list_filter = ["state", "kind", "meeting"]
    search_fields = ["symbol"]
    readonly_fields = ["state", "failure_reason", "attempts", "requested_at", "started_at", "finished_at",
                       "pdf", "docx", "xlsx"]
    list_select_related = ["meeting", "requested_by"]
