"""API endpoints for importing enterprises and cadres, and for the Excel exports.

An import answers with every row's action and errors; with any error it is a 400 and nothing is
saved. `dry_run=true` only checks. The exports return the same workbooks as the browser.
"""

from __future__ import annotations

import json

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from django_filters import DateFromToRangeFilter
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.permissions import BasePermission, IsAuthenticated
from rest_framework.renderers import BaseRenderer, JSONRenderer
from rest_framework.response import Response
from rest_framework.views import APIView

from liaison import exports, imports, permissions, services
from liaison.auditing import ledger_exported
from liaison.filters import AssignmentFilter, CadreFilter, EnterpriseFilter, VisitFilter


class IsRosterManager(BasePermission):
    message = _("Only task-force staff can import data.")

    def has_permission(self, request, view) -> bool:
        return permissions.can_manage_roster(request.user)


class ImportInputSerializer(serializers.Serializer):
    file = serializers.FileField(help_text=_("An .xlsx or .csv file whose first row holds the column names."))
    dry_run = serializers.BooleanField(
        default=False, required=False, help_text=_("Only check the file and report; save nothing.")
    )


class ImportTotalsSerializer(serializers.Serializer):
    new = serializers.IntegerField()
    update = serializers.IntegerField()
    error = serializers.IntegerField()


class ImportChangeSerializer(serializers.Serializer):
    column = serializers.CharField()
    old = serializers.CharField(help_text=_("The value stored now, as the file writes it."))
    new = serializers.CharField(help_text=_("The value the row sets."))


class ImportRowSerializer(serializers.Serializer):
    line = serializers.IntegerField(help_text=_("Line in the file; the header is line 1."))
    action = serializers.ChoiceField(choices=["new", "update", "error"])
    errors = serializers.ListField(child=serializers.CharField())
    changes = ImportChangeSerializer(many=True, help_text=_("For an update: the cells it changes, old and new."))


class ImportResultSerializer(serializers.Serializer):
    dry_run = serializers.BooleanField()
    imported = serializers.BooleanField(help_text=_("Whether the rows were saved."))
    totals = ImportTotalsSerializer()
    unchanged = serializers.IntegerField(help_text=_("Update rows that change nothing."))
    errors = serializers.ListField(child=serializers.CharField(), help_text=_("Problems not tied to a row."))
    ignored_columns = serializers.ListField(child=serializers.CharField())
    rows = ImportRowSerializer(many=True)


class FileErrorSerializer(serializers.Serializer):
    file = serializers.ListField(child=serializers.CharField())


class BaseImportView(APIView):
    kind = ""
    permission_classes = [IsAuthenticated, IsRosterManager]
    parser_classes = [MultiPartParser, FormParser]

    def post(self, request):
        data = ImportInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        try:
            parsed = imports.read_upload(data.validated_data["file"], kind=self.kind)
        except ValidationError as exc:
            return Response({"file": exc.messages}, status=status.HTTP_400_BAD_REQUEST)
        report = services.data_import(
            kind=self.kind, parsed=parsed, acting_user=request.user, dry_run=data.validated_data["dry_run"]
        )
        code = status.HTTP_400_BAD_REQUEST if report.has_errors else status.HTTP_200_OK
        return Response(report.as_dict(), status=code)


def _import_schema(summary, description):
    return extend_schema(
        summary=summary,
        description=description,
        request={"multipart/form-data": ImportInputSerializer},
        responses={
            200: ImportResultSerializer,
            400: OpenApiResponse(
                ImportResultSerializer,
                description=_("Rows with errors (nothing saved), or a file that cannot be read: {\"file\": [...]}"),
            ),
            403: OpenApiResponse(description=_("Not task-force staff.")),
        },
        tags=["imports"],
    )


class EnterpriseImportView(BaseImportView):
    kind = imports.ENTERPRISES

    @_import_schema(
        _("Import enterprises from .xlsx or .csv (task force)"),
        _("Rows are matched by 统一社会信用代码: a known code updates that enterprise."),
    )
    def post(self, request):
        return super().post(request)


class CadreImportView(BaseImportView):
    kind = imports.CADRES

    @_import_schema(
        _("Import cadres from .xlsx or .csv (task force)"),
        _("Rows are matched by 姓名 and 单位: a known pair updates that cadre."),
    )
    def post(self, request):
        return super().post(request)


# --- Exports --------------------------------------------------------------------------------------


class XlsxRenderer(BaseRenderer):
    """Lets clients ask for the workbook in Accept; the views return the file themselves."""

    media_type = exports.XLSX_CONTENT_TYPE
    format = "xlsx"
    charset = None
    render_style = "binary"

    def render(self, data, accepted_media_type=None, renderer_context=None):
        return data if isinstance(data, bytes) else json.dumps(data).encode()


def _filter_parameters(filterset_class) -> list[OpenApiParameter]:
    parameters = []
    for name, filter_ in filterset_class.base_filters.items():
        names = [f"{name}_after", f"{name}_before"] if isinstance(filter_, DateFromToRangeFilter) else [name]
        parameters.extend(
            OpenApiParameter(each, str, OpenApiParameter.QUERY, required=False, description=filter_.label or "")
            for each in names
        )
    return parameters


class BaseExportView(APIView):
    permission_classes = [IsAuthenticated]
    renderer_classes = [JSONRenderer, XlsxRenderer]
    build = None

    def handle_exception(self, exc):
        response = super().handle_exception(exc)
        # An error is JSON even when the client asked for the workbook (not JSON labelled as .xlsx).
        self.request.accepted_renderer, self.request.accepted_media_type = JSONRenderer(), JSONRenderer.media_type
        return response

    def get(self, request):
        export = type(self).build(viewer=request.user, params=request.query_params)
        response = exports.file_response(export)
        params = dict(request.query_params.items())
        ledger_exported.send(type(self), ledger=self.ledger, request=request._request, params=params)
        return response


_XLSX_RESPONSE = {(200, exports.XLSX_CONTENT_TYPE): OpenApiTypes.BINARY}


class RosterExportView(BaseExportView):
    build = staticmethod(exports.roster_export)
    ledger = "roster"

    @extend_schema(
        operation_id="exports_roster_xlsx",
        summary=_("Export the pairing roster as .xlsx"),
        description=_("Pairings you may see, filtered like /assignments/; 本月是否联系 is blank when not due."),
        parameters=_filter_parameters(AssignmentFilter),
        responses={**_XLSX_RESPONSE, 403: OpenApiResponse(description=_("You cannot see the roster."))},
        tags=["exports"],
    )
    def get(self, request):
        return super().get(request)


class VisitExportView(BaseExportView):
    build = staticmethod(exports.visit_export)
    ledger = "visits"

    @extend_schema(
        operation_id="exports_visits_xlsx",
        summary=_("Export the visit ledger as .xlsx"),
        description=_("Visits you may see (a cadre: their own), filtered like /visits/."),
        parameters=_filter_parameters(VisitFilter),
        responses=_XLSX_RESPONSE,
        tags=["exports"],
    )
    def get(self, request):
        return super().get(request)


class EnterpriseExportView(BaseExportView):
    build = staticmethod(exports.enterprise_export)
    ledger = "enterprises"

    @extend_schema(
        operation_id="exports_enterprises_xlsx",
        summary=_("Export the enterprises as .xlsx, in the import template's columns"),
        description=_("Enterprises you may see, filtered like /enterprises/; the file imports back unchanged."),
        parameters=_filter_parameters(EnterpriseFilter),
        responses={**_XLSX_RESPONSE, 403: OpenApiResponse(description=_("You cannot see the roster."))},
        tags=["exports"],
    )
    def get(self, request):
        return super().get(request)


class CadreExportView(BaseExportView):
    build = staticmethod(exports.cadre_export)
    ledger = "cadres"

    @extend_schema(
        operation_id="exports_cadres_xlsx",
        summary=_("Export the cadres as .xlsx, in the import template's columns"),
        description=_("Cadres you may see, filtered like /cadres/; the file imports back unchanged."),
        parameters=_filter_parameters(CadreFilter),
        responses={**_XLSX_RESPONSE, 403: OpenApiResponse(description=_("You cannot see the roster."))},
        tags=["exports"],
    )
    def get(self, request):
        return super().get(request)
