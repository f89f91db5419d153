from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from emgplan.admin_tools import EditInAppAdmin

from .models import ActionUpdate, Decision


@admin.register(Decision)
class DecisionAdmin(EditInAppAdmin, SimpleHistoryAdmin):
    """Decisions are recorded and confirmed on their pages (rules, history): read-only here."""

    app_url_name = "decisions:decision-detail"
    app_list_url_name = "decisions:decision-list"
    list_display = ["reference", "body_name", "kind", "status", "state"]
    list_filter = ["body", "kind", "status", "state"]
    search_fields = ["reference", "text"]
    filter_horizontal = ["activities", "milestones"]


@admin.register(ActionUpdate)
class ActionUpdateAdmin(EditInAppAdmin, SimpleHistoryAdmin):
    """Progress on actions goes through the review cycle on the decision's page: read-only here."""

    list_display = ["decision", "author", "reported_status", "review_state"]
    list_filter = ["review_state"]
