from django.urls import path

from outreach import views

urlpatterns = [
    path("outreach/", views.funnel_index, name="outreach"),
    path("outreach/policies/<int:pk>/", views.policy_funnel, name="outreach-policy"),
    path("outreach/units/<int:pk>/", views.unit_funnel, name="outreach-unit"),
    path("outreach/mine/", views.my_pushes, name="outreach-mine"),
    path("outreach/pushes/<int:pk>/told/", views.push_told, name="outreach-push-told"),
    path("outreach/pushes/<int:pk>/applied/", views.push_applied, name="outreach-push-applied"),
    path("outreach/pushes/<int:pk>/open/", views.push_open, name="outreach-push-open"),
]
