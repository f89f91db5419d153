from django.urls import path

from . import views

app_name = "activities"

urlpatterns = [
    path("", views.PlanOverviewView.as_view(), name="plan"),
    path("activities/new/", views.ActivityCreateView.as_view(), name="activity-create"),
    path("activities/<int:pk>/", views.ActivityDetailView.as_view(), name="activity-detail"),
    path("activities/<int:pk>/edit/", views.ActivityEditView.as_view(), name="activity-edit"),
    path("activities/<int:pk>/delete/", views.ActivityDeleteView.as_view(), name="activity-delete"),
    path("activities/<int:pk>/move/<str:direction>/", views.ActivityMoveView.as_view(), name="activity-move"),
    path("milestones/new/", views.MilestoneCreateView.as_view(), name="milestone-create"),
    path("milestones/<int:pk>/", views.MilestoneDetailView.as_view(), name="milestone-detail"),
    path("milestones/<int:pk>/edit/", views.MilestoneEditView.as_view(), name="milestone-edit"),
    path("milestones/<int:pk>/delete/", views.MilestoneDeleteView.as_view(), name="milestone-delete"),
    path("milestones/<int:pk>/move/<str:direction>/", views.MilestoneMoveView.as_view(), name="milestone-move"),
    path("milestones/<int:pk>/status/", views.MilestoneStatusView.as_view(), name="milestone-status"),
    path("progress/new/", views.ProgressUpdateCreateView.as_view(), name="update-create"),
    path("progress/<int:pk>/", views.ProgressUpdateDetailView.as_view(), name="update-detail"),
    path("progress/<int:pk>/edit/", views.ProgressUpdateEditView.as_view(), name="update-edit"),
    path("progress/<int:pk>/submit/", views.ProgressUpdateSubmitView.as_view(), name="update-submit"),
    path("progress/<int:pk>/revise/", views.ProgressUpdateReviseView.as_view(), name="update-revise"),
    path("progress/<int:pk>/accept/", views.ProgressUpdateAcceptView.as_view(), name="update-accept"),
    path("progress/<int:pk>/return/", views.ProgressUpdateReturnView.as_view(), name="update-return"),
    path("evidence/<int:pk>/", views.EvidenceDownloadView.as_view(), name="evidence-download"),
    path("review/", views.ReviewQueueView.as_view(), name="review-queue"),
    path("my-work/", views.MyWorkView.as_view(), name="my-work"),
    path("my-contributions/", views.MyContributionsView.as_view(), name="contribution-mine"),
    path("contributions/new/", views.ContributionCreateView.as_view(), name="contribution-create"),
    path("contributions/<int:pk>/", views.ContributionDetailView.as_view(), name="contribution-detail"),
    path("contributions/<int:pk>/edit/", views.ContributionEditView.as_view(), name="contribution-edit"),
    path("contributions/<int:pk>/delete/", views.ContributionDeleteView.as_view(), name="contribution-delete"),
    path("work-plans/<int:pk>/carry-over/", views.CarryOverView.as_view(), name="carry_over"),
    path("lead-bodies/", views.LeadBodyListView.as_view(), name="leadbody-list"),
    path("lead-bodies/new/", views.LeadBodyCreateView.as_view(), name="leadbody-create"),
    path("lead-bodies/<int:pk>/edit/", views.LeadBodyEditView.as_view(), name="leadbody-edit"),
    path("lead-bodies/<int:pk>/delete/", views.LeadBodyDeleteView.as_view(), name="leadbody-delete"),
]
