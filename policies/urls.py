from django.urls import path

from policies import public_views, views

urlpatterns = [
    # Staff and cadres (signed in)
    path("policies/", views.policy_list, name="policy-list"),
    path("policies/new/", views.policy_edit, name="policy-create"),
    path("policies/<int:pk>/", views.policy_detail, name="policy-detail"),
    path("policies/<int:pk>/edit/", views.policy_edit, name="policy-edit"),
    path("policies/<int:pk>/eligible/", views.policy_eligible, name="policy-eligible"),
    path("policies/<int:pk>/explain/<int:enterprise_id>/", views.policy_explain, name="policy-explain"),
    path("policies/<int:pk>/deliveries/", views.policy_deliveries, name="policy-deliveries"),
    path("policies/deliveries/<int:pk>/", views.delivery_update, name="delivery-update"),
    path("policies/import/", views.policy_import, name="policy-import"),
    path("policies/attachments/<int:pk>/", views.policy_attachment, name="policy-attachment"),
    # The handbook and reading statistics
    path("policies/handbook/", public_views.handbook_edit, name="policy-handbook"),
    path("policies/handbook.pdf", public_views.handbook_pdf, name="policy-handbook-pdf"),
    path("policies/handbook/status/", public_views.handbook_status, name="policy-handbook-status"),
    path("policies/handbook/render/", public_views.handbook_render, name="policy-handbook-render"),
    path("policies/scans/", public_views.scan_stats, name="policy-scans"),
    # Public pocket guide (掌中宝): no login
    path("p/", public_views.catalogue_public, name="policy-catalogue-public"),
    path("p/<int:pk>/", public_views.policy_public, name="policy-public"),
    path("p/<int:pk>/qr.svg", public_views.policy_qr_svg, name="policy-qr-svg"),
    path("p/<int:pk>/qr.png", public_views.policy_qr_png, name="policy-qr-png"),
]
