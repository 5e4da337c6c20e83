"""The analysis over REST: a year's clusters, one cluster, and similar past appeals."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.generics import GenericAPIView
from rest_framework.permissions import BasePermission, IsAuthenticated
from rest_framework.response import Response

from analysis import selectors, services
from analysis.models import Cluster
from analysis.permissions import can_view_analysis
from liaison.selectors import today


class CanViewAnalysis(BasePermission):
    message = _("The problem analysis is for leaders and the task force.")

    def has_permission(self, request, view) -> bool:
        return can_view_analysis(request.user)


class LinkSerializer(serializers.Serializer):
    countermeasure = serializers.IntegerField(source="countermeasure_id", allow_null=True)
    policy = serializers.IntegerField(source="policy_id", allow_null=True)
    text = serializers.SerializerMethodField()
    created_by = serializers.CharField(source="created_by.display_name")
    created_at = serializers.DateTimeField()

    def get_text(self, link) -> str:
        return str(link.countermeasure.text if link.countermeasure_id else link.policy.title)


class ClusterSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    number = serializers.IntegerField()
    label = serializers.CharField(source="display_label")
    keywords = serializers.ListField(child=serializers.CharField())
    label_edited = serializers.SerializerMethodField()
    problems = serializers.IntegerField(source="size")
    enterprises = serializers.IntegerField()
    figures = serializers.JSONField()
    policy_gap = serializers.BooleanField()
    gap_reasons = serializers.ListField(child=serializers.CharField())
    links = LinkSerializer(many=True, source="links.all")

    def get_label_edited(self, cluster) -> bool:
        return bool(cluster.label)


class MemberSerializer(serializers.Serializer):
    kind = serializers.SerializerMethodField()
    id = serializers.SerializerMethodField()
    title = serializers.SerializerMethodField()
    enterprise = serializers.SerializerMethodField()
    similarity = serializers.FloatField()

    def _item(self, member):
        return member.appeal or member.issue

    def get_kind(self, member) -> str:
        return "appeal" if member.appeal_id else "meeting_issue"

    def get_id(self, member) -> int:
        return member.appeal_id or member.issue_id

    def get_title(self, member) -> str:
        return self._item(member).title

    def get_enterprise(self, member) -> str:
        return self._item(member).enterprise.name


class ClusterDetailSerializer(ClusterSerializer):
    representatives = MemberSerializer(many=True)


class ClusterListSerializer(serializers.Serializer):
    year = serializers.IntegerField()
    run_at = serializers.DateTimeField(allow_null=True)
    problems = serializers.IntegerField()
    clusters = ClusterSerializer(many=True)


class ClusterListView(GenericAPIView):
    permission_classes = [IsAuthenticated, CanViewAnalysis]
    pagination_class = None

    @extend_schema(
        operation_id="analysis_clusters_list",
        summary=_("A year's hot-problem clusters"),
        description=_("The clusters of the year's appeals and meeting issues (the latest year clustered when no "
                      "year is given), most enterprises first, with their figures and the policy-gap flag."),
        parameters=[OpenApiParameter("year", int, description=_("The year, e.g. 2026"))],
        responses={200: ClusterListSerializer},
    )
    def get(self, request):
        runs = list(selectors.cluster_runs())
        value = request.query_params.get("year")
        if value:
            if not value.isdigit() or not 2000 <= int(value) <= today().year:
                raise ValidationError({"year": _("Give a year from 2000 to this year.")})
            year = int(value)
        else:
            year = runs[0].year if runs else today().year
        start, end = services.year_bounds(year)
        run = next((r for r in runs if r.period_start == start and r.period_end == end), None)
        clusters = selectors.clusters_of(run) if run else []
        return Response(ClusterListSerializer({
            "year": year, "run_at": run.created_at if run else None, "problems": run.documents if run else 0,
            "clusters": clusters,
        }).data)


class ClusterDetailView(GenericAPIView):
    permission_classes = [IsAuthenticated, CanViewAnalysis]

    @extend_schema(
        operation_id="analysis_clusters_retrieve",
        summary=_("One cluster, with its representative problems"),
        responses={200: ClusterDetailSerializer},
    )
    def get(self, request, pk: int):
        try:
            cluster = selectors.cluster_detail(pk)
        except Cluster.DoesNotExist:
            raise NotFound from None
        cluster.representatives = selectors.representatives(cluster)
        return Response(ClusterDetailSerializer(cluster).data)


class SimilarAppealSerializer(serializers.Serializer):
    id = serializers.IntegerField(source="appeal.pk")
    title = serializers.CharField(source="appeal.title")
    enterprise = serializers.CharField(source="appeal.enterprise.name")
    status = serializers.CharField(source="appeal.status")
    status_label = serializers.CharField(source="appeal.get_status_display")
    resolution = serializers.CharField(source="appeal.resolution")
    resolved_by = serializers.SerializerMethodField()
    resolved_at = serializers.DateTimeField(source="appeal.resolved_at", allow_null=True)
    similarity = serializers.FloatField()
    same_enterprise = serializers.BooleanField()
    probable_duplicate = serializers.BooleanField()

    def get_resolved_by(self, item) -> str | None:
        user = item.appeal.resolved_by
        return user.display_name if user else None


class SimilarResultSerializer(serializers.Serializer):
    results = SimilarAppealSerializer(many=True)
    probable_duplicate = serializers.IntegerField(allow_null=True)


class SimilarQuerySerializer(serializers.Serializer):
    text = serializers.CharField(max_length=500)
    enterprise = serializers.IntegerField(required=False, min_value=1, max_value=2**31 - 1)


class SimilarAppealsView(GenericAPIView):
    permission_classes = [IsAuthenticated]
    pagination_class = None

    @extend_schema(
        summary=_("Similar past appeals"),
        description=_("Up to five past appeals the caller may see that are most like the text (a title as typed, "
                      "or a title and description), best first, with how each was resolved and by whom. With "
                      "`enterprise`, an open appeal of that enterprise that looks the same is named in "
                      "`probable_duplicate`."),
        parameters=[SimilarQuerySerializer],
        responses={200: SimilarResultSerializer},
    )
    def get(self, request):
        query = SimilarQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        found = selectors.similar_appeals(
            viewer=request.user, query=query.validated_data["text"],
            enterprise_id=query.validated_data.get("enterprise"),
        )
        duplicate = next((s.appeal.pk for s in found if s.probable_duplicate), None)
        return Response(SimilarResultSerializer({"results": found, "probable_duplicate": duplicate}).data)
