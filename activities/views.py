from django.contrib.auth.mixins import LoginRequiredMixin
from django.views.generic import DetailView
from rules.contrib.views import PermissionRequiredMixin

from .selectors import activity_detail_queryset


class ActivityDetailView(LoginRequiredMixin, PermissionRequiredMixin, DetailView):
    """An activity with its milestones and sub-items."""

    template_name = "activities/activity_detail.html"
    permission_required = "activities.view_plan"

    def get_queryset(self):
        return activity_detail_queryset()
