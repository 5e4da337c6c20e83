from django.urls import path

from analysis import views

urlpatterns = [
    path("analysis/", views.analysis_index, name="analysis"),
    path("analysis/similar/", views.similar, name="analysis-similar"),
    path("analysis/clusters/<int:pk>/", views.cluster_detail, name="analysis-cluster"),
    path("analysis/clusters/<int:pk>/label/", views.cluster_label, name="analysis-cluster-label"),
    path("analysis/clusters/<int:pk>/countermeasure/", views.cluster_countermeasure,
         name="analysis-cluster-countermeasure"),
    path("analysis/clusters/<int:pk>/policy/", views.cluster_policy, name="analysis-cluster-policy"),
]
