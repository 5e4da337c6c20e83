from django.urls import path

from dashboard import views

urlpatterns = [
    path("dashboard/", views.campaign_dashboard, name="dashboard"),
    path("me/month/", views.my_month, name="my-month"),
]
