from django.urls import path, re_path

from . import views

app_name = "overview"

urlpatterns = [
    path("dashboard/", views.DashboardView.as_view(), name="dashboard"),
    path("dashboard/lead-bodies/", views.LeadBodyStatusView.as_view(), name="lead-body-status"),
    path("timeline/", views.TimelineView.as_view(), name="timeline"),
    path("timeline/pdf/", views.TimelinePdfView.as_view(), name="timeline-pdf"),
    path("milestones/", views.MilestoneListView.as_view(), name="milestone-list"),
    re_path(r"^milestones/export\.(?P<fmt>csv|xlsx)$", views.MilestoneExportView.as_view(), name="milestone-export"),
    path("contributions/", views.ContributionListView.as_view(), name="contribution-list"),
    re_path(r"^contributions/export\.(?P<fmt>csv|xlsx)$", views.ContributionExportView.as_view(),
            name="contribution-export"),
    path("search/", views.SearchView.as_view(), name="search"),
    path("as-of/", views.AsOfView.as_view(), name="as-of"),
]
