"""Reporting cycles are opened, edited and closed in the application; reminders are its log. Both read-only here."""
from django.contrib import admin

from emgplan.admin_tools import EditInAppAdmin

from .models import ReminderSent, ReportingCycle


@admin.register(ReportingCycle)
class ReportingCycleAdmin(EditInAppAdmin, admin.ModelAdmin):
    app_url_name = "cycles:cycle-detail"
    app_list_url_name = "cycles:cycle-list"
    list_display = ["meeting", "work_plan", "cut_off", "review_deadline", "status"]
    list_filter = ["status"]


@admin.register(ReminderSent)
class ReminderSentAdmin(EditInAppAdmin, admin.ModelAdmin):
    read_only_note = "A record of the reminders the application sent: it is not edited."
    list_display = ["cycle", "kind", "offset", "user", "sent_on", "items"]
    list_filter = ["kind", "sent_on"]
