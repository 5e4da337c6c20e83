from django.urls import path

from analysis import report_views, views

urlpatterns = [
    path("analysis/", views.analysis_index, name="analysis"),
    path("analysis/similar/", views.similar, name="analysis-similar"),
    path("analysis/clusters/<int:pk>/", views.cluster_detail, name="analysis-cluster"),
    path("analysis/clusters/<int:pk>/label/", views.cluster_label, name="analysis-cluster-label"),
    path("analysis/clusters/<int:pk>/countermeasure/", views.cluster_countermeasure,
         name="analysis-cluster-countermeasure"),
    path("analysis/clusters/<int:pk>/policy/", views.cluster_policy, name="analysis-cluster-policy"),
    path("analysis/reports/", report_views.report_list, name="analysis-report-list"),
    path("analysis/reports/draft/", report_views.report_draft, name="analysis-report-draft"),
    path("analysis/reports/<int:pk>/", report_views.report_detail, name="analysis-report"),
    path("analysis/reports/<int:pk>/edit/", report_views.report_edit, name="analysis-report-edit"),
    path("analysis/reports/<int:pk>/refresh/", report_views.report_refresh, name="analysis-report-refresh"),
    path("analysis/reports/<int:pk>/publish/", report_views.report_publish, name="analysis-report-publish"),
    path("analysis/reports/<int:pk>/new-version/", report_views.report_new_version,
         name="analysis-report-new-version"),
    path("analysis/reports/<int:pk>/discard/", report_views.report_discard, name="analysis-report-discard"),
    path("analysis/reports/<int:pk>/documents/", report_views.report_documents_part, name="analysis-report-documents"),
    path("analysis/reports/<int:pk>/pdf", report_views.report_pdf, name="analysis-report-pdf"),
    path("analysis/reports/<int:pk>/docx", report_views.report_docx, name="analysis-report-docx"),
]
