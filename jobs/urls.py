from django.urls import path

from jobs import views

urlpatterns = [
    path("jobs/", views.job_list, name="job-list"),
    path("jobs/<str:key>/start/", views.job_start, name="job-start"),
    path("jobs/runs/<int:pk>/", views.job_run_detail, name="job-run-detail"),
]
