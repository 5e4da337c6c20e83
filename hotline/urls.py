"""The hotline's staff pages, and the Open311 GeoReport v2 read calls (the work-order API is in liaison.api.urls)."""

from django.urls import path

from hotline import api, views

urlpatterns = [
    path("hotline/", views.hotline_home, name="hotline"),
    path("hotline/clients/new/", views.client_create, name="hotline-client-create"),
    path("hotline/clients/<int:pk>/active/", views.client_active, name="hotline-client-active"),
    path("hotline/work-orders/<int:pk>/", views.work_order_detail, name="hotline-work-order"),
    path("hotline/work-orders/<int:pk>/resend/", views.work_order_resend, name="hotline-work-order-resend"),
    path("open311/v2/services.json", api.Open311ServicesView.as_view(), name="open311-services"),
    path("open311/v2/requests.json", api.Open311RequestsView.as_view(), name="open311-requests"),
    path("open311/v2/requests/<str:service_request_id>.json", api.Open311RequestView.as_view(),
         name="open311-request"),
]
