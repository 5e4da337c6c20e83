"""The REST API under /api/v1/.

Its routes live in the `api` namespace (`api:unit-list`, `api:visit-detail`, `api:appeal-detail`,
`api:policy-detail`, `api:me`...) so that they never shadow the browser pages' `unit-detail`,
`visit-detail`, `appeal-detail`, `policy-detail`... which the models' `get_absolute_url` reverse.
"""

from django.urls import include, path
from rest_framework.routers import DefaultRouter

from accounts import api as account_views
from analysis import api as analysis_views
from analysis import report_api as analysis_report_views
from appeals.api import views as appeal_views
from audit import api as audit_views
from evaluations.api import views as evaluation_views
from hotline import api as hotline_views
from jobs.api import views as job_views
from liaison.api import views
from matching.api import views as matching_views
from meetings.api import views as meeting_views
from policies.api import views as policy_views
from portal import api as portal_views
from reports.api import views as report_views

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
router.register("matching/proposals", matching_views.ProposalViewSet, basename="matching-proposal")
router.register("bulletins", report_views.BulletinViewSet, basename="bulletin")
router.register("dispatches", report_views.DispatchViewSet, basename="dispatch")
router.register("jobs", job_views.JobKindViewSet, basename="job")
router.register("job-runs", job_views.JobRunViewSet, basename="job-run")
router.register("evaluations", evaluation_views.EvaluationViewSet, basename="evaluation")
router.register("audit", audit_views.AuditEventViewSet, basename="audit-event")
router.register("analysis/reports", analysis_report_views.AnalysisReportViewSet, basename="analysis-report")
router.register("enterprise-contacts", portal_views.EnterpriseContactViewSet, basename="enterprise-contact")

api_patterns = [
    path("auth/token/", account_views.ObtainTokenView.as_view(), name="token"),
    path("auth/tokens/", account_views.TokenListView.as_view(), name="token-list"),
    path("auth/tokens/<int:pk>/", account_views.TokenDetailView.as_view(), name="token-detail"),
    path("auth/password/", account_views.PasswordChangeView.as_view(), name="password-change"),
    path("me/", views.MeView.as_view(), name="me"),
    path("compliance/", views.ComplianceView.as_view(), name="compliance"),
    path("compliance/pairings/", views.CompliancePairingsView.as_view(), name="compliance-pairings"),
    path(
        "enterprises/<int:pk>/eligible-policies/",
        policy_views.EnterpriseEligiblePoliciesView.as_view(),
        name="enterprise-eligible-policies",
    ),
    path("evaluations/<int:pk>/scores/", evaluation_views.EvaluationScoresView.as_view(), name="evaluation-scores"),
    path("evaluation-weights/", evaluation_views.EvaluationWeightsView.as_view(), name="evaluation-weights"),
    # Before the router's appeals/<pk>/.
    path("appeals/similar/", analysis_views.SimilarAppealsView.as_view(), name="appeal-similar"),
    path("analysis/clusters/", analysis_views.ClusterListView.as_view(), name="analysis-cluster-list"),
    path("analysis/clusters/<int:pk>/", analysis_views.ClusterDetailView.as_view(), name="analysis-cluster-detail"),
    path("hotline/work-orders/", hotline_views.WorkOrderCreateView.as_view(), name="hotline-work-order-list"),
    path("hotline/work-orders/<str:external_id>/", hotline_views.WorkOrderDetailView.as_view(),
         name="hotline-work-order-detail"),
    path("", include("outreach.api.urls")),
    *router.urls,
]

urlpatterns = [
    path("", include((api_patterns, "api"))),
    path("", include("liaison.api.import_urls")),
]
