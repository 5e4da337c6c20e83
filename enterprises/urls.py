from django.urls import path

from enterprises import views
from liaison.web import records

urlpatterns = [
    path("", views.enterprise_list, name="enterprise-list"),
    path("<int:pk>/", views.enterprise_detail, name="enterprise-detail"),
    path("new/", records.enterprise_create, name="enterprise-create"),
    path("<int:pk>/edit/", records.enterprise_edit, name="enterprise-edit"),
]
