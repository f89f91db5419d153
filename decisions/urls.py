from django.urls import path

from . import views

app_name = "decisions"

urlpatterns = [
    path("decisions/", views.DecisionListView.as_view(), name="decision-list"),
    path("decisions/new/", views.DecisionFormView.as_view(), name="decision-create"),
    path("decisions/<int:pk>/", views.DecisionDetailView.as_view(), name="decision-detail"),
    path("decisions/<int:pk>/edit/", views.DecisionFormView.as_view(), name="decision-edit"),
    path("decisions/<int:pk>/delete/", views.DecisionDeleteView.as_view(), name="decision-delete"),
    path("decisions/<int:pk>/confirm/", views.DecisionConfirmView.as_view(), name="decision-confirm"),
    path("decisions/<int:pk>/progress/", views.ActionUpdateCreateView.as_view(), name="action-update-create"),
    path("decisions/progress/<int:pk>/submit/", views.ActionUpdateSubmitView.as_view(), name="action-update-submit"),
    path("decisions/progress/<int:pk>/revise/", views.ActionUpdateReviseView.as_view(), name="action-update-revise"),
    path("decisions/progress/<int:pk>/accept/", views.ActionUpdateAcceptView.as_view(), name="action-update-accept"),
    path("decisions/progress/<int:pk>/return/", views.ActionUpdateReturnView.as_view(), name="action-update-return"),
]
