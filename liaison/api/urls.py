"""The REST API under /api/v1/.

Its routes live in the `api` namespace (`api:unit-list`, `api:visit-detail`, `api:appeal-detail`,
`api:policy-detail`, `api:me`...) so that they never shadow the browser pages' `unit-detail`,
`visit-detail`, `appeal-detail`, `policy-detail`... which the models' `get_absolute_url` reverse.
"""

from django.urls import include, path
from rest_framework.authtoken.views import obtain_auth_token
from rest_framework.routers import DefaultRouter

from appeals.api import views as appeal_views
from liaison.api import views
from meetings.api import views as meeting_views
from policies.api import views as policy_views

router = DefaultRouter()
router.register("units", views.UnitViewSet, basename="unit")
router.register("cadres", views.CadreViewSet, basename="cadre")
router.register("enterprises", views.EnterpriseViewSet, basename="enterprise")
router.register("assignments", views.AssignmentViewSet, basename="assignment")
router.register("visits", views.VisitViewSet, basename="visit")
router.register("appeals", appeal_views.AppealViewSet, basename="appeal")
router.register("appeal-categories", appeal_views.AppealCategoryViewSet, basename="appeal-category")
router.register("substitutions", appeal_views.SubstitutionViewSet, basename="substitution")
router.register("notifications", appeal_views.NotificationViewSet, basename="notification")
router.register("policies", policy_views.PolicyViewSet, basename="policy")
router.register("policy-categories", policy_views.PolicyCategoryViewSet, basename="policy-category")
router.register("deliveries", policy_views.DeliveryViewSet, basename="delivery")
router.register("meetings", meeting_views.MeetingViewSet, basename="meeting")

api_patterns = [
    path("auth/token/", obtain_auth_token, name="token"),
    path("me/", views.MeView.as_view(), name="me"),
    path("compliance/", views.ComplianceView.as_view(), name="compliance"),
    path("compliance/pairings/", views.CompliancePairingsView.as_view(), name="compliance-pairings"),
    path(
        "enterprises/<int:pk>/eligible-policies/",
        policy_views.EnterpriseEligiblePoliciesView.as_view(),
        name="enterprise-eligible-policies",
    ),
    *router.urls,
]

urlpatterns = [
    path("", include((api_patterns, "api"))),
    path("", include("liaison.api.import_urls")),
]
