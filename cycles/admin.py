from django.contrib import admin

from .models import ReminderSent, ReportingCycle


@admin.register(ReportingCycle)
class ReportingCycleAdmin(admin.ModelAdmin):
    list_display = ["meeting", "work_plan", "cut_off", "review_deadline", "status"]
    list_filter = ["status"]


@admin.register(ReminderSent)
class ReminderSentAdmin(admin.ModelAdmin):
    list_display = ["cycle", "kind", "offset", "user", "sent_on", "items"]
    list_filter = ["kind", "sent_on"]
