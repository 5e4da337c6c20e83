"""The analysis report over REST: leaders and the task force read the published versions (the task force
also the drafts); the task force drafts a period, edits the draft's texts and publishes it, through the
same services as the pages."""

from __future__ import annotations

from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.permissions import BasePermission, IsAuthenticated
from rest_framework.response import Response

from analysis import reports
from analysis.models import AnalysisReport, ReportPeriod, ReportStatus
from analysis.permissions import can_view_reports, can_write_reports
from liaison.api.exceptions import Conflict
from liaison.api.views import Pagination

FORBIDDEN = OpenApiResponse(description=_("Only task-force staff write and publish the analysis report."))
NOT_FOUND = OpenApiResponse(description=_("No such report."))
FROZEN = OpenApiResponse(description=_("A published report is frozen; start a new version to change it."))


class CanViewReports(BasePermission):
    message = _("The analysis report is for leaders and the task force.")

    def has_permission(self, request, view) -> bool:
        return can_view_reports(request.user)


class ReportSerializer(serializers.ModelSerializer):
    published_by = serializers.CharField(source="published_by.display_name", default=None, allow_null=True)
    documents = serializers.SerializerMethodField()

    class Meta:
        model = AnalysisReport
        fields = [
            "id", "period_kind", "period_start", "period_end", "status", "version", "title", "computed_at",
            "published_at", "published_by", "superseded_at", "reason", "documents",
        ]

    def get_documents(self, report) -> dict[str, str | None]:
        """The download address of each document once it is made (null while it is being made)."""
        ready = {d.kind for d in report.documents.all() if d.is_ready}
        request = self.context.get("request")
        links = {}
        for kind, name in (("docx", "analysis-report-docx"), ("pdf", "analysis-report-pdf")):
            url = reverse(name, args=[report.pk]) if kind in ready else None
            links[kind] = request.build_absolute_uri(url) if url and request else url
        return links


class ReportDetailSerializer(ReportSerializer):
    figures = serializers.JSONField(help_text=_("basics (一), problems (二) and measures (三) as computed."))

    class Meta(ReportSerializer.Meta):
        fields = [*ReportSerializer.Meta.fields, "basics_note", "problems_note", "measures_note", "next_steps",
                  "figures"]


class ReportDraftSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=ReportPeriod.choices)
    value = serializers.CharField(
        max_length=10, required=False, allow_blank=True,
        help_text=_("A year (2026) or a quarter (2026-Q3); nothing for the campaign to date."),
    )


class ReportTextSerializer(serializers.Serializer):
    title = serializers.CharField(max_length=200, required=False)
    basics_note = serializers.CharField(max_length=reports.TEXT_MAX, required=False, allow_blank=True)
    problems_note = serializers.CharField(max_length=reports.TEXT_MAX, required=False, allow_blank=True)
    measures_note = serializers.CharField(max_length=reports.TEXT_MAX, required=False, allow_blank=True)
    next_steps = serializers.CharField(max_length=reports.TEXT_MAX, required=False, allow_blank=True)


class ReportPublishSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=2000, required=False, allow_blank=True,
                                   help_text=_("Required from the second version on."))


@extend_schema_view(
    list=extend_schema(
        operation_id="analysis_reports_list",
        summary=_("Analysis reports"),
        description=_("Every period's published versions, newest period first; task-force staff also see drafts."),
    ),
    retrieve=extend_schema(
        operation_id="analysis_reports_retrieve", summary=_("One analysis report, with its figures and texts"),
        responses={200: ReportDetailSerializer, 404: NOT_FOUND},
    ),
)
class AnalysisReportViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    permission_classes = [IsAuthenticated, CanViewReports]
    pagination_class = Pagination
    queryset = AnalysisReport.objects.none()

    def get_queryset(self):
        qs = reports.report_list().prefetch_related("documents")
        user = self.request.user
        if not (user.is_authenticated and can_write_reports(user)):
            qs = qs.exclude(status=ReportStatus.DRAFT)
        return qs

    def get_serializer_class(self):
        return ReportDetailSerializer if self.action != "list" else ReportSerializer

    def _require_write(self, request) -> None:
        if not can_write_reports(request.user):
            self.permission_denied(request, message=FORBIDDEN.description)

    def _detail(self, report: AnalysisReport, code: int) -> Response:
        report = self.get_queryset().get(pk=report.pk)
        return Response(ReportDetailSerializer(report, context=self.get_serializer_context()).data, status=code)

    @extend_schema(
        operation_id="analysis_reports_create",
        summary=_("Draft the report of a period (task force)"),
        description=_("Computes the period's figures into its draft: a new draft (from the texts of the current "
                      "version, if any), or the existing draft with its figures computed again."),
        request=ReportDraftSerializer,
        responses={201: ReportDetailSerializer, 400: OpenApiResponse(description=_("Not a period.")), 403: FORBIDDEN},
    )
    def create(self, request):
        self._require_write(request)
        data = ReportDraftSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        report = reports.report_draft_generate(acting_user=request.user, **data.validated_data)
        return self._detail(report, status.HTTP_201_CREATED)

    @extend_schema(
        operation_id="analysis_reports_partial_update",
        summary=_("Edit a draft's texts (task force)"),
        request=ReportTextSerializer,
        responses={200: ReportDetailSerializer, 400: OpenApiResponse(description=_("A text is too long.")),
                   403: FORBIDDEN, 404: NOT_FOUND, 409: FROZEN},
    )
    def partial_update(self, request, pk=None):
        report = self.get_object()
        self._require_write(request)
        data = ReportTextSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        if not report.is_draft:
            raise Conflict(FROZEN.description, "frozen")
        report = reports.report_update(report_id=report.pk, acting_user=request.user, **data.validated_data)
        return self._detail(report, status.HTTP_200_OK)

    @extend_schema(
        operation_id="analysis_reports_publish",
        summary=_("Publish a draft as the period's next version (task force)"),
        description=_("Freezes the draft's figures and texts; the previous version stays readable, superseded. "
                      "The Word document and PDF are made afterwards (their addresses appear when ready)."),
        request=ReportPublishSerializer,
        responses={201: ReportDetailSerializer, 400: OpenApiResponse(description=_("No next steps, or no reason.")),
                   403: FORBIDDEN, 404: NOT_FOUND, 409: FROZEN},
    )
    @action(detail=True, methods=["post"])
    def publish(self, request, pk=None):
        report = self.get_object()
        self._require_write(request)
        data = ReportPublishSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        if not report.is_draft:
            raise Conflict(FROZEN.description, "frozen")
        report = reports.report_publish(report_id=report.pk, acting_user=request.user, **data.validated_data)
        return self._detail(report, status.HTTP_201_CREATED)
