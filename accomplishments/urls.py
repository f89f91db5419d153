from django.urls import path

from . import views

app_name = "accomplishments"

urlpatterns = [
    path("accomplishments/new/", views.AccomplishmentCreateView.as_view(), name="accomplishment-create"),
    path("accomplishments/<int:pk>/edit/", views.AccomplishmentEditView.as_view(), name="accomplishment-edit"),
    path("accomplishments/<int:pk>/move/<str:direction>/", views.AccomplishmentMoveView.as_view(),
         name="accomplishment-move"),
    path("work-plans/", views.WorkPlanListView.as_view(), name="workplan-list"),
    path("work-plans/<int:pk>/adopt/", views.WorkPlanAdoptView.as_view(), name="workplan-adopt"),
    path("work-plans/<int:pk>/reapprove/", views.WorkPlanReapproveView.as_view(), name="workplan-reapprove"),
    path("work-plans/<int:pk>/close/", views.WorkPlanCloseView.as_view(), name="workplan-close"),
    path("meetings/", views.MeetingListView.as_view(), name="meeting-list"),
    path("meetings/new/", views.MeetingCreateView.as_view(), name="meeting-create"),
    path("meetings/<int:pk>/edit/", views.MeetingEditView.as_view(), name="meeting-edit"),
    path("meetings/<int:pk>/delete/", views.MeetingDeleteView.as_view(), name="meeting-delete"),
    path("members/", views.MemberListView.as_view(), name="member-list"),
    path("members/new/", views.MemberCreateView.as_view(), name="member-create"),
    path("members/<int:pk>/edit/", views.MemberEditView.as_view(), name="member-edit"),
    path("members/<int:pk>/delete/", views.MemberDeleteView.as_view(), name="member-delete"),
]
