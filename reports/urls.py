from django.urls import path

from . import views

app_name = "reports"

urlpatterns = [
    path("reports/", views.ReportListView.as_view(), name="list"),
    path("reports/new/", views.ReportCreateView.as_view(), name="create"),
    path("reports/new/symbol/", views.SymbolSuggestView.as_view(), name="symbol-suggest"),
    path("reports/workers/", views.WorkersView.as_view(), name="workers"),
    path("reports/<int:pk>/", views.ReportDetailView.as_view(), name="detail"),
    path("reports/<int:pk>/status/", views.ReportStatusView.as_view(), name="status"),
    path("reports/<int:pk>/compare/", views.ReportCompareView.as_view(), name="compare"),
    path("reports/<int:pk>/compare/docx/", views.ReportCompareDocxView.as_view(), name="compare-docx"),
    path("reports/<int:pk>/revise/", views.ReportRevisionView.as_view(), name="revise"),
    path("reports/<int:pk>/decisions/", views.ReportDecisionsView.as_view(), name="decisions"),
    path("reports/<int:pk>/retry/", views.ReportRetryView.as_view(), name="retry"),
    path("reports/<int:pk>/download/<str:fmt>/", views.ReportDownloadView.as_view(), name="download"),
]
