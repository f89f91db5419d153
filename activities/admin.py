"""The work in the back office: read-only, since the application's pages edit all of it (with their rules)."""
from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from emgplan.admin_tools import EditInAppAdmin, ReadOnlyInline

from .models import Activity, Contribution, EvidenceFile, LeadBody, Milestone, ProgressUpdate


@admin.register(LeadBody)
class LeadBodyAdmin(EditInAppAdmin, SimpleHistoryAdmin):
    app_url_name = "activities:leadbody-edit"
    app_list_url_name = "activities:leadbody-list"
    list_display = ("name", "short_name", "kind", "lead_member")
    list_filter = ("kind",)
    search_fields = ("name", "short_name")
    filter_horizontal = ("members", "leads")


class MilestoneInline(ReadOnlyInline, admin.TabularInline):
    model = Milestone
    extra = 0
    fields = ("label", "parent", "order", "text", "due_meeting", "due_date", "status", "completed_on")
    show_change_link = True


@admin.register(Activity)
class ActivityAdmin(EditInAppAdmin, SimpleHistoryAdmin):
    app_url_name = "activities:activity-detail"
    app_list_url_name = "activities:plan"
    list_display = ("code", "title", "lead_body")
    list_filter = ("accomplishment__work_plan", "accomplishment", "lead_body")
    search_fields = ("title", "description")
    list_select_related = ("accomplishment", "lead_body")
    filter_horizontal = ("partners",)
    inlines = [MilestoneInline]


@admin.register(Milestone)
class MilestoneAdmin(EditInAppAdmin, SimpleHistoryAdmin):
    app_url_name = "activities:milestone-detail"
    app_list_url_name = "overview:milestone-list"
    list_display = ("__str__", "text_short", "due_meeting", "due_date", "status", "completed_on")
    list_filter = ("status", "due_meeting", "activity__lead_body", "activity__accomplishment")
    search_fields = ("text", "label")
    list_select_related = ("activity__accomplishment", "due_meeting", "parent")

    @admin.display(description="text")
    def text_short(self, obj):
        return obj.text[:80]


class EvidenceFileInline(ReadOnlyInline, admin.TabularInline):
    """Files are uploaded only through the progress form, which checks their content."""

    model = EvidenceFile
    extra = 0
    fields = ("original_name", "content_type", "size", "uploaded_at")
    readonly_fields = fields


@admin.register(ProgressUpdate)
class ProgressUpdateAdmin(EditInAppAdmin, SimpleHistoryAdmin):
    app_url_name = "activities:update-detail"
    app_list_url_name = "activities:review-queue"
    list_display = ("__str__", "author", "reported_status", "review_state", "reviewer", "reviewed_at")
    list_filter = ("review_state", "reported_status", "activity__lead_body")
    search_fields = ("narrative",)
    list_select_related = ("activity__accomplishment", "milestone__activity__accomplishment", "author", "reviewer")
    inlines = [EvidenceFileInline]


@admin.register(Contribution)
class ContributionAdmin(EditInAppAdmin, SimpleHistoryAdmin):
    app_url_name = "activities:contribution-detail"
    app_list_url_name = "overview:contribution-list"
    list_display = ("member", "activity", "kind", "year", "staff_days", "amount_usd", "state")
    list_filter = ("year", "kind", "state", "member")
    search_fields = ("member__acronym", "note")
    list_select_related = ("member", "activity__accomplishment")
