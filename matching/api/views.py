"""Matching REST API: task-force staff make proposals and accept them; leaders read them."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.permissions import SAFE_METHODS, BasePermission
from rest_framework.response import Response

from liaison.api.views import Pagination
from matching import permissions, selectors, services
from matching.api import serializers as s
from matching.models import Proposal


class MatchingPermission(BasePermission):
    message = _("Precise matching is for task-force staff; leaders may read it.")

    def has_permission(self, request, view) -> bool:
        user = request.user
        if not (user and user.is_authenticated):
            return False
        if request.method in SAFE_METHODS:
            return permissions.can_view_matching(user)
        return permissions.can_manage_matching(user)


@extend_schema_view(
    list=extend_schema(summary=_("List matching proposals")),
    retrieve=extend_schema(summary=_("Get a matching proposal: status, progress, total fit and gap")),
)
class ProposalViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Precise-matching proposals (精准匹配): the optimal pairing of unpaired enterprises with free cadres."""

    serializer_class = s.ProposalSerializer
    permission_classes = [MatchingPermission]
    pagination_class = Pagination
    http_method_names = ["get", "post", "head", "options"]

    def get_queryset(self):
        return selectors.proposal_list().order_by("-created_at", "-id")

    @extend_schema(
        summary=_("Make a proposal for a scope"),
        description=_(
            "Scope `all` (every unpaired enterprise), `street` (with `street`) or `section` (with `section`). "
            "A district-size problem is solved at once (status `ready`); a larger one runs as a background job "
            "(status `computing`, progress in blocks_done / blocks_total)."
        ),
        request=s.ProposalCreateSerializer,
        responses={201: s.ProposalSerializer, 400: OpenApiResponse(description=_("Invalid scope."))},
    )
    def create(self, request, *args, **kwargs):
        data = s.ProposalCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        proposal = services.proposal_create(acting_user=request.user, **data.validated_data)
        proposal = self.get_queryset().get(pk=proposal.pk)
        return Response(s.ProposalSerializer(proposal).data, status.HTTP_201_CREATED)

    @extend_schema(
        summary=_("The proposal's pairs with their scores by factor"), responses=s.ProposalPairSerializer(many=True)
    )
    @action(detail=True, methods=["get"], serializer_class=s.ProposalPairSerializer)
    def pairs(self, request, pk=None):
        proposal = self.get_object()
        page = self.paginate_queryset(selectors.proposal_pairs(proposal))
        return self.get_paginated_response(s.ProposalPairSerializer(page, many=True).data)

    @extend_schema(
        summary=_("The enterprises and cadres the proposal left unpaired"),
        responses=s.ProposalLeftoverSerializer(many=True),
    )
    @action(detail=True, methods=["get"], serializer_class=s.ProposalLeftoverSerializer)
    def leftovers(self, request, pk=None):
        proposal = self.get_object()
        page = self.paginate_queryset(proposal.leftovers.order_by("side", "id"))
        return self.get_paginated_response(s.ProposalLeftoverSerializer(page, many=True).data)

    @extend_schema(
        summary=_("Accept proposed pairs"),
        description=_(
            "Each pair becomes a pairing through the roster's pairing service, on its own: a pair whose cadre "
            "or enterprise was paired meanwhile is returned under `failed` with the reason, the others go through."
        ),
        request=s.ProposalAcceptSerializer,
        responses={
            200: s.ProposalAcceptResultSerializer,
            400: OpenApiResponse(description=_("Not ready, or pairs not in the proposal.")),
        },
    )
    @action(detail=True, methods=["post"], serializer_class=s.ProposalAcceptSerializer)
    def accept(self, request, pk=None):
        proposal: Proposal = self.get_object()
        data = s.ProposalAcceptSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        pair_ids = None if data.validated_data.get("all") else data.validated_data["pairs"]
        result = services.proposal_accept(proposal=proposal, acting_user=request.user, pair_ids=pair_ids)
        pairs = {
            p.pk: p
            for p in selectors.proposal_pairs(proposal).filter(pk__in=[p.pk for p in result.accepted + result.failed])
        }
        return Response(
            {
                "accepted": s.ProposalPairSerializer([pairs[p.pk] for p in result.accepted], many=True).data,
                "failed": s.ProposalPairSerializer([pairs[p.pk] for p in result.failed], many=True).data,
            }
        )
