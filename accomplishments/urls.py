from django.urls import path

from . import views

app_name = "accomplishments"

urlpatterns = [
    path("", views.PlanOverviewView.as_view(), name="overview"),
]
