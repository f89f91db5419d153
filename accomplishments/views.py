from django.contrib.auth.mixins import LoginRequiredMixin
from django.views.generic import TemplateView
from rules.contrib.views import PermissionRequiredMixin

from .selectors import plan_overview, workplan_current


class PlanOverviewView(LoginRequiredMixin, PermissionRequiredMixin, TemplateView):
    """The whole plan: A–D, their activities and milestones, in the order of the document."""

    template_name = "accomplishments/plan_overview.html"
    permission_required = "accomplishments.view_plan"

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        plan = workplan_current()
        ctx["plan"] = plan
        ctx["accomplishments"] = plan_overview(plan=plan) if plan else []
        return ctx
