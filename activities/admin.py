from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from .models import Activity, Contribution, EvidenceFile, LeadBody, Milestone, ProgressUpdate


@admin.register(LeadBody)
class LeadBodyAdmin(SimpleHistoryAdmin):
    list_display = ("name", "short_name", "kind", "lead_member")
    list_filter = ("kind",)
    search_fields = ("name", "short_name")
    filter_horizontal = ("members", "leads")


class MilestoneInline(admin.TabularInline):
    model = Milestone
    extra = 0
    fields = ("label", "parent", "order", "text", "due_meeting", "due_date", "status", "completed_on")
    autocomplete_fields = ("parent",)


@admin.register(Activity)
class ActivityAdmin(SimpleHistoryAdmin):
    list_display = ("code", "title", "lead_body")
    list_filter = ("accomplishment__work_plan", "accomplishment", "lead_body")
    search_fields = ("title", "description")
    list_select_related = ("accomplishment", "lead_body")
    filter_horizontal = ("partners",)
    inlines = [MilestoneInline]


@admin.register(Milestone)
class MilestoneAdmin(SimpleHistoryAdmin):
    list_display = ("__str__", "text_short", "due_meeting", "due_date", "status", "completed_on")
    list_filter = ("status", "due_meeting", "activity__lead_body", "activity__accomplishment")
    search_fields = ("text", "label")
    list_select_related = ("activity__accomplishment", "due_meeting", "parent")

    @admin.display(description="text")
    def text_short(self, obj):
        return obj.text[:80]


class EvidenceFileInline(admin.TabularInline):
    model = EvidenceFile
    extra = 0
    readonly_fields = ("original_name", "content_type", "size", "uploaded_at")


@admin.register(ProgressUpdate)
class ProgressUpdateAdmin(SimpleHistoryAdmin):
    list_display = ("__str__", "author", "reported_status", "review_state", "reviewer", "reviewed_at")
    list_filter = ("review_state", "reported_status", "activity__lead_body")
    search_fields = ("narrative",)
    list_select_related = ("activity__accomplishment", "milestone__activity__accomplishment", "author", "reviewer")
    inlines = [EvidenceFileInline]


@admin.register(Contribution)
class ContributionAdmin(SimpleHistoryAdmin):
    list_display = ("member", "activity", "kind", "year", "staff_days", "amount_usd", "state")
    list_filter = ("year", "kind", "state", "member")
    search_fields = ("member__acronym", "note")
    list_select_related = ("member", "activity__accomplishment")
