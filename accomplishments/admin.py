from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from .models import ExpectedAccomplishment, Meeting, Member, WorkPlan, WorkPlanApproval


class ApprovalInline(admin.TabularInline):
    model = WorkPlanApproval
    extra = 0


class AccomplishmentInline(admin.StackedInline):
    model = ExpectedAccomplishment
    extra = 0


@admin.register(WorkPlan)
class WorkPlanAdmin(SimpleHistoryAdmin):
    list_display = ("title", "symbol", "first_year", "last_year", "status")
    list_filter = ("status",)
    search_fields = ("title", "symbol")
    inlines = [ApprovalInline, AccomplishmentInline]


@admin.register(Meeting)
class MeetingAdmin(SimpleHistoryAdmin):
    list_display = ("code", "name", "start_date", "end_date", "place")
    search_fields = ("code", "name", "place")
    date_hierarchy = "start_date"


@admin.register(Member)
class MemberAdmin(SimpleHistoryAdmin):
    list_display = ("acronym", "name", "kind")
    list_filter = ("kind",)
    search_fields = ("acronym", "name")
    filter_horizontal = ("focal_points",)


@admin.register(ExpectedAccomplishment)
class ExpectedAccomplishmentAdmin(SimpleHistoryAdmin):
    list_display = ("code", "category", "work_plan", "order")
    list_filter = ("work_plan",)
    search_fields = ("code", "category", "statement")
