from django.urls import path

from reports import views

urlpatterns = [
    path("dispatch/", views.dispatch_weeks, name="dispatch-weeks"),
    path("dispatch/interviews/", views.interview_list, name="interview-list"),
    path("dispatch/interviews/<int:pk>/record/", views.interview_record, name="interview-record"),
    path("dispatch/<str:week>/", views.dispatch_week, name="dispatch-week"),
]
