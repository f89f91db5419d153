from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from .models import ActionUpdate, Decision


@admin.register(Decision)
class DecisionAdmin(SimpleHistoryAdmin):
    list_display = ["reference", "body_name", "kind", "status", "state"]
    list_filter = ["body", "kind", "status", "state"]
    search_fields = ["reference", "text"]
    filter_horizontal = ["activities", "milestones"]


@admin.register(ActionUpdate)
class ActionUpdateAdmin(SimpleHistoryAdmin):
    list_display = ["decision", "author", "reported_status", "review_state"]
    list_filter = ["review_state"]
