"""Policies REST API views: the catalogue (政策清单), eligibility, and deliveries (免申即享 / 直达快享).

Each view scopes its rows with a selector (policies.api.selectors, liaison.selectors) and writes
through one service (policies.services). A draft is a 404 for anyone but task-force staff; an
enterprise or delivery outside the viewer's scope is a 404 too. A write the service refuses to the
user is a 403, input it refuses a 400 (liaison.api.exceptions).
"""

from __future__ import annotations

from django.core.exceptions import NON_FIELD_ERRORS
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import exceptions, mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.generics import GenericAPIView
from rest_framework.permissions import SAFE_METHODS, BasePermission
from rest_framework.request import Request
from rest_framework.response import Response

from liaison import selectors as liaison_selectors
from liaison.api.views import Pagination
from policies import eligibility, services
from policies.api import selectors
from policies.api import serializers as s
from policies.models import Delivery, Policy, PolicyCategory


def _schema_only(view) -> bool:
    """drf-spectacular builds views without a signed-in user; selectors need one."""
    return getattr(view, "swagger_fake_view", False)


def _signed_in(request) -> bool:
    return bool(request.user and request.user.is_authenticated)


class CatalogueEditorOrReadOnly(BasePermission):
    """Everyone signed in reads the catalogue; only task-force staff change it."""

    message = _("Only task-force staff can change the policy catalogue.")

    def has_permission(self, request, view) -> bool:
        if not _signed_in(request):
            return False
        return request.method in SAFE_METHODS or services.can_edit_policies(request.user)


class CatalogueEditor(BasePermission):
    message = _("Only task-force staff can change the policy catalogue.")

    def has_permission(self, request, view) -> bool:
        return _signed_in(request) and services.can_edit_policies(request.user)


NOT_FOUND = OpenApiResponse(description=_("No such policy, or a draft you may not see."))
INVALID = OpenApiResponse(description=_("Missing or invalid input; the messages say which."))
ENTERPRISE_ID = OpenApiParameter(
    "enterprise_id", OpenApiTypes.INT, OpenApiParameter.PATH, description=_("An enterprise in your scope.")
)


@extend_schema_view(
    list=extend_schema(
        summary=_("List policies"),
        description=_(
            "The policy catalogue (政策清单). Everyone signed in reads published and expired measures; only "
            "task-force staff see drafts. `expired=true` keeps those expired by status or past their end date."
        ),
    ),
    retrieve=extend_schema(
        summary=_("Get a policy with its eligibility rules"),
        responses={200: s.PolicyDetailSerializer, 404: NOT_FOUND},
    ),
)
class PolicyViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):
    """Support measures: read by everyone in scope, written by task-force staff, never deleted
    (deliveries and visits refer to them; an outdated measure expires instead)."""

    serializer_class = s.PolicySerializer
    filterset_class = selectors.PolicyFilter
    permission_classes = [CatalogueEditorOrReadOnly]
    pagination_class = Pagination
    ordering_fields = ["title", "effective_from", "effective_to", "published_at", "updated_at", "id"]
    http_method_names = ["get", "post", "put", "patch", "head", "options"]

    def get_queryset(self):
        if _schema_only(self):
            return Policy.objects.none()
        user = self.request.user
        if self.action == "list":
            return selectors.policy_list(viewer=user)
        return selectors.policy_detail(viewer=user)

    def get_serializer_class(self):
        return s.PolicySerializer if self.action == "list" else s.PolicyDetailSerializer

    def _output(self, pk: int, status_code: int = status.HTTP_200_OK) -> Response:
        policy = selectors.policy_detail(viewer=self.request.user).get(pk=pk)
        return Response(s.PolicyDetailSerializer(policy, context=self.get_serializer_context()).data, status_code)

    def _save(self, policy: Policy, rule_groups: list[dict] | None) -> None:
        """Save the policy and its groups through the one service; a bad group is named by its place."""
        try:
            services.policy_save_with_rule_groups(policy=policy, rule_groups=rule_groups, acting_user=self.request.user)
        except services.RuleGroupInvalid as exc:
            messages = exc.message_dict if hasattr(exc, "error_dict") else {NON_FIELD_ERRORS: exc.messages}
            messages = {("non_field_errors" if k == NON_FIELD_ERRORS else k): v for k, v in messages.items()}
            # Keyed by the group's place, as DRF reports a nested list's own errors.
            raise exceptions.ValidationError({"rule_groups": {exc.index: messages}}) from exc

    @extend_schema(
        summary=_("Create a policy with its eligibility rules (task force)"),
        description=_(
            "The policy and its rule groups are saved together or not at all: if any group is invalid, the "
            "answer's `rule_groups` holds that group's messages at its place and nothing is saved. Publishing "
            "stamps `published_at`; a past end date saves the policy as expired."
        ),
        request=s.PolicyWriteSerializer,
        responses={
            201: s.PolicyDetailSerializer,
            400: INVALID,
            403: OpenApiResponse(description=_("Only task-force staff can change the policy catalogue.")),
        },
    )
    def create(self, request: Request) -> Response:
        data = s.PolicyWriteSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        params = dict(data.validated_data)
        rule_groups = params.pop("rule_groups", None)
        policy = Policy(**params)
        self._save(policy, rule_groups)
        return self._output(policy.pk, status.HTTP_201_CREATED)

    @extend_schema(
        summary=_("Replace a policy (task force)"),
        description=_(
            "Sending `rule_groups` makes them the policy's groups: an entry with an `id` changes that group, one "
            "without adds a group, and groups left out are deleted. Leave it out to keep the groups. All or nothing."
        ),
        request=s.PolicyWriteSerializer,
        responses={200: s.PolicyDetailSerializer, 400: INVALID, 403: OpenApiResponse(), 404: NOT_FOUND},
    )
    def update(self, request: Request, pk=None, partial: bool = False) -> Response:
        policy = self.get_object()
        data = s.PolicyWriteSerializer(policy, data=request.data, partial=partial)
        data.is_valid(raise_exception=True)
        params = dict(data.validated_data)
        rule_groups = params.pop("rule_groups", None)
        for field, value in params.items():
            setattr(policy, field, value)
        self._save(policy, rule_groups)
        return self._output(policy.pk)

    @extend_schema(
        summary=_("Change a policy (task force)"),
        description=_("Send only what changes. `rule_groups`, when sent, is the whole new set (see replace)."),
        request=s.PolicyWriteSerializer,
        responses={200: s.PolicyDetailSerializer, 400: INVALID, 403: OpenApiResponse(), 404: NOT_FOUND},
    )
    def partial_update(self, request: Request, pk=None) -> Response:
        return self.update(request, pk=pk, partial=True)

    @extend_schema(
        summary=_("Enterprises eligible for the policy"),
        description=_(
            "Operating enterprises its rules admit, with their paired cadre. Task force and leaders see all; a "
            "unit handler those of their unit's cadres; a cadre their own enterprise, if it qualifies."
        ),
        parameters=[
            OpenApiParameter("page", OpenApiTypes.INT, description=_("A page number within the paginated result set.")),
            OpenApiParameter("page_size", OpenApiTypes.INT, description=_("Number of results to return per page.")),
        ],
        responses={200: s.EligibleEnterpriseSerializer(many=True), 404: NOT_FOUND},
    )
    @action(
        detail=True, methods=["get"], url_path="eligible-enterprises", url_name="eligible-enterprises",
        filter_backends=[],
    )
    def eligible_enterprises(self, request: Request, pk=None) -> Response:
        policy = self.get_object()
        enterprises = liaison_selectors.enterprise_list(viewer=request.user)
        qs = liaison_selectors.with_current_cadre(eligibility.eligible_enterprises(policy, enterprises=enterprises))
        page = self.paginate_queryset(qs.order_by("name", "id"))
        return self.get_paginated_response(s.EligibleEnterpriseSerializer(page, many=True).data)

    @extend_schema(
        summary=_("Why an enterprise is or is not eligible"),
        description=_("Every rule group of the policy, condition by condition: required, recorded, and the outcome."),
        parameters=[ENTERPRISE_ID],
        responses={
            200: s.VerdictSerializer,
            404: OpenApiResponse(description=_("No such policy or enterprise in your scope.")),
        },
    )
    @action(
        detail=True, methods=["get"], url_path=r"explain/(?P<enterprise_id>\d+)", url_name="explain",
        filter_backends=[], pagination_class=None,
    )
    def explain(self, request: Request, pk=None, enterprise_id=None) -> Response:
        policy = self.get_object()
        enterprise = get_object_or_404(liaison_selectors.enterprise_list(viewer=request.user), pk=enterprise_id)
        return Response(s.VerdictSerializer(eligibility.explain(policy, enterprise)).data)

    @extend_schema(
        summary=_("Make the beneficiary list of a no-application policy (task force)"),
        description=_(
            "One delivery per eligible enterprise, given to its paired cadre, who is notified. Running it again "
            "adds only enterprises that became eligible since; the counts say how many."
        ),
        request=None,
        responses={
            200: s.GenerateDeliveriesSerializer,
            400: OpenApiResponse(
                description=_("Not a no-application or direct-delivery policy, not in force, or without rules.")
            ),
            403: OpenApiResponse(description=_("Only task-force staff can change the policy catalogue.")),
            404: NOT_FOUND,
        },
    )
    @action(
        detail=True, methods=["post"], url_path="generate-deliveries", url_name="generate-deliveries",
        permission_classes=[CatalogueEditor], filter_backends=[], pagination_class=None,
    )
    def generate_deliveries(self, request: Request, pk=None) -> Response:
        policy = self.get_object()
        counts = services.delivery_generate(policy=policy, acting_user=request.user)
        return Response(s.GenerateDeliveriesSerializer(counts).data)


@extend_schema_view(list=extend_schema(summary=_("List policy categories")))
class PolicyCategoryViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    """The seven categories of the handbook's catalogue."""

    serializer_class = s.PolicyCategorySerializer
    queryset = PolicyCategory.objects.all()
    pagination_class = None
    filter_backends = []


class EnterpriseEligiblePoliciesView(GenericAPIView):
    """The measures an enterprise can have now, for the cadre who visits it."""

    serializer_class = s.EligiblePolicySerializer
    pagination_class = None
    filter_backends = []

    @extend_schema(
        summary=_("Policies in force the enterprise is eligible for"),
        description=_(
            "Published measures not past their end date whose rules admit the enterprise, each with the rule "
            "groups and conditions that decide it. The enterprise must be in your scope."
        ),
        responses={
            200: s.EligiblePolicySerializer(many=True),
            404: OpenApiResponse(description=_("No such enterprise in your scope.")),
        },
    )
    def get(self, request: Request, pk: int) -> Response:
        user = request.user
        enterprise = get_object_or_404(liaison_selectors.enterprise_list(viewer=user), pk=pk)
        candidates = eligibility.with_rules(selectors.in_force(selectors.policy_list(viewer=user)))
        policies = eligibility.eligible_policies(enterprise, candidates)
        verdicts = {policy.pk: eligibility.explain(policy, enterprise) for policy in policies}
        context = {**self.get_serializer_context(), "verdicts": verdicts}
        return Response(s.EligiblePolicySerializer(policies, many=True, context=context).data)


@extend_schema_view(
    list=extend_schema(
        summary=_("List deliveries in your scope"),
        description=_(
            "No-application benefits to bring to enterprises. Task force and leaders see all; a unit handler their "
            "unit's cadres'; a cadre their own."
        ),
    ),
    retrieve=extend_schema(
        summary=_("Get a delivery"),
        responses={200: s.DeliverySerializer, 404: OpenApiResponse(description=_("No such delivery in your scope."))},
    ),
)
class DeliveryViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Deliveries are made by generating a policy's beneficiary list; their cadre reports progress."""

    serializer_class = s.DeliverySerializer
    filterset_class = selectors.DeliveryFilter
    pagination_class = Pagination
    ordering_fields = ["created_at", "updated_at", "status", "id"]
    http_method_names = ["get", "post", "patch", "head", "options"]

    def get_queryset(self):
        if _schema_only(self):
            return Delivery.objects.none()
        return selectors.delivery_list(viewer=self.request.user)

    def _report(self, request: Request) -> Response:
        delivery = self.get_object()
        data = s.DeliveryUpdateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        delivery = services.delivery_update(delivery=delivery, acting_user=request.user, **data.validated_data)
        delivery = self.get_queryset().get(pk=delivery.pk)
        return Response(s.DeliverySerializer(delivery, context=self.get_serializer_context()).data)

    @extend_schema(
        summary=_("Report progress on a delivery"),
        description=_(
            "The enterprise's cadre (or task-force staff) records that the enterprise was informed, that the "
            "benefit was delivered, or that it declined (say why). A finished delivery is changed by the task "
            "force only."
        ),
        request=s.DeliveryUpdateSerializer,
        responses={
            200: s.DeliverySerializer,
            400: INVALID,
            403: OpenApiResponse(description=_("Not the enterprise's cadre nor task-force staff.")),
            404: OpenApiResponse(description=_("No such delivery in your scope.")),
        },
    )
    def partial_update(self, request: Request, pk=None) -> Response:
        return self._report(request)

    @extend_schema(
        summary=_("Report progress on a delivery (as a form post)"),
        description=_("The same as PATCH on the delivery, for clients that only post."),
        request=s.DeliveryUpdateSerializer,
        responses={
            200: s.DeliverySerializer,
            400: INVALID,
            403: OpenApiResponse(description=_("Not the enterprise's cadre nor task-force staff.")),
            404: OpenApiResponse(description=_("No such delivery in your scope.")),
        },
    )
    @action(detail=True, methods=["post"], filter_backends=[], pagination_class=None)
    def progress(self, request: Request, pk=None) -> Response:
        return self._report(request)
