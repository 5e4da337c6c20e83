from django.urls import path

from evaluations import views

urlpatterns = [
    path("", views.evaluation_index, name="evaluation-index"),
    path("weights/", views.weights_edit, name="evaluation-weights"),
    path("<int:year>/", views.evaluation_year, name="evaluation-year"),
    path("<int:year>/export.xlsx", views.evaluation_export_view, name="evaluation-export"),
]
