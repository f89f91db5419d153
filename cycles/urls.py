from django.urls import path

from . import views

app_name = "cycles"

urlpatterns = [
    path("cycles/", views.CycleListView.as_view(), name="cycle-list"),
    path("cycles/new/", views.CycleCreateView.as_view(), name="cycle-create"),
    path("cycles/<int:pk>/", views.CycleDetailView.as_view(), name="cycle-detail"),
    path("cycles/<int:pk>/edit/", views.CycleEditView.as_view(), name="cycle-edit"),
    path("cycles/<int:pk>/close/", views.CycleCloseView.as_view(), name="cycle-close"),
]
