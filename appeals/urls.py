from django.urls import path

from appeals import views

urlpatterns = [
    path("appeals/", views.appeal_list, name="appeal-list"),
    path("appeals/new/", views.appeal_create, name="appeal-create"),
    path("appeals/export.xlsx", views.appeal_export, name="appeal-export"),
    path("appeals/bulk-assign/", views.appeal_bulk_assign, name="appeal-bulk-assign"),
    path("appeals/<int:pk>/", views.appeal_detail, name="appeal-detail"),
    path("appeals/<int:pk>/<str:action>/", views.appeal_action, name="appeal-action"),
    path("appeals/attachments/<int:pk>/", views.appeal_attachment, name="appeal-attachment"),
    path("f/<str:signed>/", views.feedback_public, name="appeal-feedback-public"),
    path("substitutions/", views.substitution_list, name="substitution-list"),
    path("notifications/", views.notification_list, name="notification-list"),
]
