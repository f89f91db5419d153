from django.urls import path

from . import views

app_name = "workplans"

urlpatterns = [
    path("work-plans/import/", views.WorkPlanImportView.as_view(), name="import"),
    path("work-plans/<int:pk>/imported/", views.WorkPlanImportDoneView.as_view(), name="import-done"),
    path("work-plans/<int:pk>/document.docx", views.WorkPlanDocumentView.as_view(), name="document"),
]
