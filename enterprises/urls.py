from django.urls import path

from enterprises import views

urlpatterns = [
    path("", views.enterprise_list, name="enterprise-list"),
    path("<int:pk>/", views.enterprise_detail, name="enterprise-detail"),
]
