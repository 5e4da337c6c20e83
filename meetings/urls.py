from django.urls import path

from meetings import views

urlpatterns = [
    path("meetings/", views.meeting_list, name="meeting-list"),
    path("meetings/new/", views.meeting_create, name="meeting-create"),
    path("meetings/three-ones/", views.three_ones, name="meeting-three-ones"),
    path("meetings/<int:pk>/", views.meeting_detail, name="meeting-detail"),
    path("meetings/<int:pk>/issues/", views.issue_add, name="meeting-issue-add"),
    path("meetings/<int:pk>/countermeasures/", views.countermeasure_add, name="meeting-countermeasure-add"),
    path("meetings/<int:pk>/issues-to-appeals/", views.issues_to_appeals, name="meeting-issues-to-appeals"),
    path("meetings/<int:pk>/withdraw/", views.meeting_withdraw, name="meeting-withdraw"),
    path("countermeasures/<int:pk>/status/", views.countermeasure_status, name="countermeasure-status"),
]
