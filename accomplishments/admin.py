"""The plan's frame in the back office.

Meetings, members and expected accomplishments have pages in the application, so they are read-only
here; the work plan itself and its yearly approvals have none, so they stay editable, with the check
against changes made since the form was opened.
"""
from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from emgplan.admin_tools import EditInAppAdmin, OptimisticLockAdmin, ReadOnlyInline

from .models import ExpectedAccomplishment, Meeting, Member, WorkPlan, WorkPlanApproval


class ApprovalInline(admin.TabularInline):
    model = WorkPlanApproval
    extra = 0

    def _open(self, obj):
        return obj is None or obj.is_open

    def has_add_permission(self, request, obj=None):
        return self._open(obj) and super().has_add_permission(request, obj)

    def has_change_permission(self, request, obj=None):
        return self._open(obj) and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return self._open(obj) and super().has_delete_permission(request, obj)


class AccomplishmentInline(ReadOnlyInline, admin.StackedInline):
    model = ExpectedAccomplishment
    extra = 0
    show_change_link = True


@admin.register(WorkPlan)
class WorkPlanAdmin(OptimisticLockAdmin, SimpleHistoryAdmin):
    list_display = ("title", "symbol", "code", "first_year", "last_year", "status")
    list_filter = ("status",)
    search_fields = ("title", "symbol")
    inlines = [ApprovalInline, AccomplishmentInline]
    # A plan's status moves only through the work plans page (adopt, close), where the rules are; its code is
    # in the addresses people keep.
    readonly_fields = ("code", "status")

    def has_change_permission(self, request, obj=None):
        # A closed plan is a read-only record, here too.
        return (obj is None or obj.is_open) and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return (obj is None or obj.is_open) and super().has_delete_permission(request, obj)


@admin.register(Meeting)
class MeetingAdmin(EditInAppAdmin, SimpleHistoryAdmin):
    app_url_name = "accomplishments:meeting-edit"
    app_list_url_name = "accomplishments:meeting-list"
    list_display = ("code", "name", "start_date", "end_date", "place")
    search_fields = ("code", "name", "place")
    date_hierarchy = "start_date"


@admin.register(Member)
class MemberAdmin(EditInAppAdmin, SimpleHistoryAdmin):
    app_url_name = "accomplishments:member-edit"
    app_list_url_name = "accomplishments:member-list"
    list_display = ("acronym", "name", "kind")
    list_filter = ("kind",)
    search_fields = ("acronym", "name")
    filter_horizontal = ("focal_points",)


@admin.register(ExpectedAccomplishment)
class ExpectedAccomplishmentAdmin(EditInAppAdmin, SimpleHistoryAdmin):
    app_url_name = "accomplishments:accomplishment-edit"
    app_list_url_name = "activities:plan"
    list_display = ("code", "category", "work_plan", "order")
    list_filter = ("work_plan",)
    search_fields = ("code", "category", "statement")
