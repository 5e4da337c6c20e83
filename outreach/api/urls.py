from django.urls import path

from outreach.api import views

urlpatterns = [
    path("outreach/policies/<int:pk>/funnel/", views.PolicyFunnelView.as_view(), name="outreach-policy-funnel"),
    path("outreach/units/<int:pk>/funnel/", views.UnitFunnelView.as_view(), name="outreach-unit-funnel"),
    path("outreach/pushes/", views.PushListView.as_view(), name="outreach-push-list"),
    path("outreach/pushes/<int:pk>/told/", views.PushToldView.as_view(), name="outreach-push-told"),
]
