from django.urls import path

from audit import views

urlpatterns = [
    path("audit/", views.audit_list, name="audit-list"),
    path("audit/export.xlsx", views.audit_export, name="audit-export"),
]
