"""Annual evaluation REST API: leaders and the task force read; task-force staff run and set weights."""

from __future__ import annotations

import django_filters
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.generics import ListAPIView
from rest_framework.permissions import SAFE_METHODS, BasePermission
from rest_framework.response import Response
from rest_framework.views import APIView

from evaluations import permissions, selectors, services
from evaluations.api import serializers as s
from evaluations.models import Evaluation, EvaluationScore, EvaluationWeights, ScoreKind
from liaison.api.views import Pagination


class EvaluationAccess(BasePermission):
    """Leaders and the task force read; only task-force staff write."""

    message = _("The annual evaluation is for leaders and the task force.")

    def has_permission(self, request, view) -> bool:
        user = request.user
        if not (user and user.is_authenticated):
            return False
        if request.method in SAFE_METHODS:
            return permissions.can_view_evaluation(user)
        return permissions.can_run_evaluation(user)


class EvaluationFilter(django_filters.FilterSet):
    year = django_filters.NumberFilter(label=_("Year"))

    class Meta:
        model = Evaluation
        fields = ["year"]


@extend_schema_view(
    list=extend_schema(summary=_("List annual evaluations"), description=_("Newest first; filter by `year`.")),
    retrieve=extend_schema(summary=_("Get an annual evaluation")),
)
class EvaluationViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Stored annual evaluations (年考评), every version of every year."""

    serializer_class = s.EvaluationSerializer
    permission_classes = [EvaluationAccess]
    pagination_class = Pagination
    filterset_class = EvaluationFilter
    ordering_fields = ["year", "version", "created_at"]
    lookup_value_regex = r"\d+"

    def get_queryset(self):
        return selectors.evaluation_list()

    @extend_schema(
        summary=_("Run the annual evaluation for a year"),
        description=_(
            "Computes and stores the year's evaluation. A year already evaluated is returned as it is "
            "(200, `created` false) unless `recompute` is true with a `reason`, which stores a new version "
            "and keeps the earlier ones (201)."
        ),
        request=s.EvaluationRunSerializer,
        responses={
            200: s.EvaluationRunResultSerializer,
            201: s.EvaluationRunResultSerializer,
            400: OpenApiResponse(description=_("Invalid year, or no reason for recomputing.")),
            403: OpenApiResponse(description=_("Only task-force staff run the annual evaluation.")),
        },
    )
    @action(detail=False, methods=["post"])
    def run(self, request):
        data = s.EvaluationRunSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        result = services.annual_evaluation_run(acting_user=request.user, **data.validated_data)
        return Response(result, status=status.HTTP_201_CREATED if result["created"] else status.HTTP_200_OK)


class EvaluationScoresView(ListAPIView):
    """One evaluation's rows of cadres or units, sorted like the page's tables."""

    serializer_class = s.EvaluationScoreSerializer
    permission_classes = [EvaluationAccess]
    pagination_class = Pagination
    filter_backends = []

    @extend_schema(
        summary=_("List an evaluation's scores"),
        parameters=[
            OpenApiParameter(
                "kind", OpenApiTypes.STR, enum=ScoreKind.values, description=_("`cadre` (default) or `unit`.")
            ),
            OpenApiParameter(
                "sort",
                OpenApiTypes.STR,
                enum=[prefix + key for key in selectors.SORTS for prefix in ("", "-")],
                description=_("A column, `-` first for descending; empty measures come last. Default `rank`."),
            ),
        ],
    )
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return EvaluationScore.objects.none()
        evaluation = get_object_or_404(Evaluation, pk=self.kwargs["pk"])
        kind = self.request.query_params.get("kind") or ScoreKind.CADRE
        if kind not in ScoreKind.values:
            raise ValidationError({"kind": [_("Choose cadre or unit.")]})
        return selectors.score_list(evaluation, kind=kind, sort=self.request.query_params.get("sort"))


class EvaluationWeightsView(APIView):
    """The weights of the measures (summing to 100) and the targets of the scoring rule."""

    permission_classes = [EvaluationAccess]

    @extend_schema(summary=_("Get the evaluation weights"), responses=s.EvaluationWeightsSerializer)
    def get(self, request):
        return Response(s.EvaluationWeightsSerializer(EvaluationWeights.current()).data)

    @extend_schema(
        summary=_("Change the evaluation weights"),
        description=_("Weights are whole numbers from 0 to 100 adding up to 100; on any error nothing is saved."),
        request=s.EvaluationWeightsSerializer,
        responses={
            200: s.EvaluationWeightsSerializer,
            400: OpenApiResponse(description=_("Invalid weights.")),
            403: OpenApiResponse(description=_("Only task-force staff change the evaluation weights.")),
        },
    )
    def put(self, request):
        data = s.EvaluationWeightsSerializer(EvaluationWeights.current(), data=request.data)
        data.is_valid(raise_exception=True)
        weights = services.evaluation_weights_update(acting_user=request.user, **data.validated_data)
        return Response(s.EvaluationWeightsSerializer(weights).data)
