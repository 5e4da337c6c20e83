"""The hotline's API: work orders in (`/api/v1/hotline/work-orders/`), and the Open311 GeoReport v2 read
calls (`/open311/v2/…`). Only a hotline client's key opens them (hotline.authentication); a portal
user's token or session does not, and a hotline key opens nothing else."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.conf import settings
from django.urls import reverse
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import exceptions, serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from appeals.models import Status, Tier
from enterprises.validators import validate_credit_code
from hotline import selectors, services
from hotline.authentication import HotlineClientAuthentication, IsHotlineClient
from hotline.models import WorkOrder

EXTERNAL_ID = r"^[A-Za-z0-9][A-Za-z0-9._:-]{0,63}$"


class HotlineView(APIView):
    authentication_classes = [HotlineClientAuthentication]
    permission_classes = [IsHotlineClient]
    throttle_classes = []


# --- Work orders ------------------------------------------------------------------------------


class WorkOrderInput(serializers.Serializer):
    external_id = serializers.RegexField(
        EXTERNAL_ID, max_length=64, help_text=gettext_lazy("The hotline's own work order number (工单编号)."),
        error_messages={"invalid": gettext_lazy("Letters, digits and . _ : - only, at most 64.")},
    )
    enterprise_credit_code = serializers.CharField(min_length=18, max_length=18,
                                                   validators=[validate_credit_code])
    title = serializers.CharField(max_length=200)
    description = serializers.CharField(max_length=10000)
    category = serializers.SlugField(max_length=40, required=False, allow_blank=True,
                                     help_text=gettext_lazy("A service_code of /open311/v2/services.json; "
                                                            "“other” when left out."))
    contact_name = serializers.CharField(max_length=100, required=False, allow_blank=True)
    contact_phone = serializers.RegexField(r"^[0-9+\-() ]{3,30}$", required=False, allow_blank=True, max_length=30)
    received_at = serializers.DateTimeField(required=False, allow_null=True)
    deadline = serializers.DateField(required=False, allow_null=True)
    callback_url = serializers.URLField(max_length=500, required=False, allow_blank=True)

    def validate_callback_url(self, value: str) -> str:
        if value and not value.lower().startswith(("http://", "https://")):
            raise serializers.ValidationError(_("Give an http or https address."))
        return value


class WorkOrderOutput(serializers.Serializer):
    external_id = serializers.CharField()
    appeal_id = serializers.IntegerField()
    status = serializers.ChoiceField(choices=Status.choices)
    status_label = serializers.CharField()
    open311_status = serializers.ChoiceField(choices=[("open", "open"), ("closed", "closed")])
    tier = serializers.ChoiceField(choices=Tier.choices)
    tier_label = serializers.CharField()
    handler = serializers.CharField()
    deadline = serializers.DateField(allow_null=True)
    status_notes = serializers.CharField()
    created = serializers.BooleanField(help_text=gettext_lazy("False when the work order was posted before."))
    status_url = serializers.CharField()
    open311_url = serializers.CharField()


def work_order_out(request, work_order: WorkOrder, *, created: bool) -> dict:
    appeal = work_order.appeal
    return {
        "external_id": work_order.external_id,
        "appeal_id": appeal.pk,
        "status": appeal.status,
        "status_label": str(appeal.get_status_display()),
        "open311_status": services.open311_status(appeal.status),
        "tier": appeal.tier,
        "tier_label": str(appeal.get_tier_display()),
        "handler": appeal.handler_label(),
        "deadline": appeal.deadline,
        "status_notes": services.status_notes(appeal),
        "created": created,
        "status_url": request.build_absolute_uri(
            reverse("api:hotline-work-order-detail", args=[work_order.external_id])),
        "open311_url": request.build_absolute_uri(
            reverse("open311-request", args=[work_order.external_id])),
    }


class WorkOrderCreateView(HotlineView):
    @extend_schema(
        operation_id="hotline_work_order_create",
        summary="12345 热线工单转入",
        description="热线系统以 `Authorization: Hotline <密钥>` 提交工单。同一客户端的同一 `external_id` 只生成一件诉求"
                    "（重复提交返回 200 与同一诉求）；已结对企业交其结对干部，未结对企业交区工作专班分办；"
                    "信用代码不在册时返回 400，不保存任何内容。",
        request=WorkOrderInput,
        responses={201: WorkOrderOutput, 200: WorkOrderOutput},
        tags=["hotline"],
    )
    def post(self, request):
        data = WorkOrderInput(data=request.data)
        data.is_valid(raise_exception=True)
        received = services.work_order_receive(client=request.auth, **data.validated_data)
        body = WorkOrderOutput(work_order_out(request, received.work_order, created=received.created)).data
        return Response(body, status=status.HTTP_201_CREATED if received.created else status.HTTP_200_OK)


class WorkOrderDetailView(HotlineView):
    @extend_schema(operation_id="hotline_work_order_retrieve", summary="12345 热线工单办理状态",
                   responses={200: WorkOrderOutput}, tags=["hotline"])
    def get(self, request, external_id: str):
        work_order = selectors.work_order_of_client(client=request.auth, external_id=external_id)
        if work_order is None:
            raise exceptions.NotFound(_("No work order with this number from this client."))
        return Response(WorkOrderOutput(work_order_out(request, work_order, created=False)).data)


# --- Open311 GeoReport v2 ---------------------------------------------------------------------

class Open311ServiceSerializer(serializers.Serializer):
    service_code = serializers.CharField()
    service_name = serializers.CharField()
    description = serializers.CharField()
    metadata = serializers.BooleanField()
    type = serializers.CharField()
    keywords = serializers.CharField()
    group = serializers.CharField()


class Open311RequestSerializer(serializers.Serializer):
    service_request_id = serializers.CharField()
    status = serializers.ChoiceField(choices=[("open", "open"), ("closed", "closed")])
    status_notes = serializers.CharField()
    service_name = serializers.CharField()
    service_code = serializers.CharField()
    description = serializers.CharField()
    agency_responsible = serializers.CharField()
    service_notice = serializers.CharField()
    requested_datetime = serializers.DateTimeField()
    updated_datetime = serializers.DateTimeField()
    expected_datetime = serializers.DateTimeField(allow_null=True)
    address = serializers.CharField()
    address_id = serializers.CharField()
    zipcode = serializers.CharField()
    lat = serializers.FloatField(allow_null=True)
    long = serializers.FloatField(allow_null=True)
    media_url = serializers.CharField()


# GeoReport v2 errors are a list of {code, description} (a raw schema: drf-spectacular would unwrap a list
# serializer on an error status).
OPEN311_ERRORS = OpenApiResponse(
    description="GeoReport v2 error list",
    response={"type": "array", "items": {"type": "object", "required": ["code", "description"], "properties": {
        "code": {"type": "integer"}, "description": {"type": "string"}}}},
)
SERVICE = Open311ServiceSerializer(many=True)
REQUEST = Open311RequestSerializer(many=True)
ERRORS = {400: OPEN311_ERRORS, 401: OPEN311_ERRORS, 403: OPEN311_ERRORS, 404: OPEN311_ERRORS}


class Open311Mixin:
    """GeoReport v2 answers errors as a list of {code, description}."""

    def handle_exception(self, exc):
        response = super().handle_exception(exc)
        if response.status_code >= 400:
            data = response.data
            if isinstance(data, dict) and "detail" in data:
                description = str(data["detail"])
            elif isinstance(data, dict):
                description = "; ".join(
                    f"{field}: {' '.join(map(str, messages if isinstance(messages, list) else [messages]))}"
                    for field, messages in data.items())
            else:
                description = str(data)
            response.data = [{"code": response.status_code, "description": description}]
        return response


class Open311ServicesView(Open311Mixin, APIView):
    """Anyone may read the services: they are the appeal categories, nothing about anyone."""

    authentication_classes = []
    permission_classes = []

    @extend_schema(operation_id="open311_services", summary="Open311 GeoReport v2: services（诉求分类）",
                   responses={200: SERVICE}, tags=["open311"], auth=[])
    def get(self, request):
        return Response([
            {"service_code": c.code, "service_name": c.name, "description": c.name, "metadata": False,
             "type": "batch", "keywords": "", "group": str(_("Enterprise appeals"))}
            for c in selectors.open311_services()
        ])


def _agency(work_order: WorkOrder) -> str:
    appeal = work_order.appeal
    if appeal.handler_unit_id:
        return appeal.handler_unit.name
    if appeal.tier == Tier.INDIVIDUAL and appeal.cadre_id:
        return appeal.cadre.unit.name
    return str(_("District task force"))


def _request_row(work_order: WorkOrder) -> dict:
    appeal = work_order.appeal
    expected = None
    if appeal.deadline and appeal.is_open:
        expected = timezone.make_aware(datetime.combine(appeal.deadline, datetime.max.time().replace(microsecond=0)))
    return {
        "service_request_id": work_order.external_id,
        "status": services.open311_status(appeal.status),
        "status_notes": services.status_notes(appeal),
        "service_name": appeal.category.name,
        "service_code": appeal.category.code,
        "description": appeal.title,
        "agency_responsible": _agency(work_order),
        "service_notice": "",
        "requested_datetime": work_order.received_at or appeal.raised_at,
        "updated_datetime": appeal.updated_at,
        "expected_datetime": expected,
        "address": "", "address_id": "", "zipcode": "", "lat": None, "long": None, "media_url": "",
    }


def _parse_when(value: str, name: str) -> datetime:
    parsed = None
    try:
        parsed = parse_datetime(value.replace(" ", "+"))
    except ValueError:
        parsed = None
    if parsed is None:
        raise exceptions.ValidationError({name: [_("Give a W3C date-time, e.g. 2026-06-01T00:00:00+08:00.")]})
    return parsed if timezone.is_aware(parsed) else timezone.make_aware(parsed)


def _int_param(request, name: str, default: int, low: int, high: int) -> int:
    raw = request.query_params.get(name)
    if raw in (None, ""):
        return default
    if not raw.isdigit() or not low <= int(raw) <= high:
        raise exceptions.ValidationError({name: [_("Give a whole number from %(low)d to %(high)d.")
                                                 % {"low": low, "high": high}]})
    return int(raw)


class Open311RequestsView(Open311Mixin, HotlineView):
    @extend_schema(
        operation_id="open311_requests",
        summary="Open311 GeoReport v2: requests（本客户端的工单）",
        description="GeoReport v2 的 GET requests：默认最近 90 天，按 requested_datetime 倒序；"
                    "`page`（从 1 起）与 `page_size`（默认 50，至多 1000）分页。",
        parameters=[
            OpenApiParameter("service_request_id", OpenApiTypes.STR,
                             description="逗号分隔的工单编号；给出时忽略其他条件"),
            OpenApiParameter("service_code", OpenApiTypes.STR, description="逗号分隔"),
            OpenApiParameter("status", OpenApiTypes.STR, description="open、closed 或 open,closed"),
            OpenApiParameter("start_date", OpenApiTypes.DATETIME),
            OpenApiParameter("end_date", OpenApiTypes.DATETIME),
            OpenApiParameter("page", OpenApiTypes.INT),
            OpenApiParameter("page_size", OpenApiTypes.INT),
        ],
        responses={200: REQUEST, **ERRORS}, tags=["open311"],
    )
    def get(self, request):
        params = request.query_params
        ids = [v.strip() for v in params.get("service_request_id", "").split(",") if v.strip()]
        codes = [v.strip() for v in params.get("service_code", "").split(",") if v.strip()]
        statuses = [v.strip().lower() for v in params.get("status", "").split(",") if v.strip()]
        if any(s not in ("open", "closed") for s in statuses):
            raise exceptions.ValidationError({"status": [_("Give open, closed, or both.")]})
        start = _parse_when(params["start_date"], "start_date") if params.get("start_date") else None
        end = _parse_when(params["end_date"], "end_date") if params.get("end_date") else None
        if not ids and start is None and end is None:
            start = timezone.now() - timedelta(days=settings.OPEN311_DEFAULT_DAYS)
        elif not ids and start is None:
            start = end - timedelta(days=settings.OPEN311_DEFAULT_DAYS)
        if start and end and start > end:
            raise exceptions.ValidationError({"end_date": [_("The end date is before the start date.")]})
        page = _int_param(request, "page", 1, 1, 100000)
        size = _int_param(request, "page_size", 50, 1, 1000)
        qs = selectors.open311_requests(client=request.auth, ids=ids, service_codes=codes, statuses=statuses,
                                        start=None if ids else start, end=None if ids else end)
        rows = list(qs[(page - 1) * size: page * size])
        return Response([_serialize(r) for r in rows])


def _serialize(work_order: WorkOrder) -> dict:
    row = _request_row(work_order)
    for key in ("requested_datetime", "updated_datetime", "expected_datetime"):
        if row[key] is not None:
            row[key] = timezone.localtime(row[key]).isoformat(timespec="seconds")
    return row


class Open311RequestView(Open311Mixin, HotlineView):
    @extend_schema(operation_id="open311_request", summary="Open311 GeoReport v2: one request（一件工单）",
                   responses={200: REQUEST, **ERRORS}, tags=["open311"])
    def get(self, request, service_request_id: str):
        work_order = selectors.work_order_of_client(client=request.auth, external_id=service_request_id)
        if work_order is None:
            raise exceptions.NotFound(_("No service request with this id."))
        return Response([_serialize(work_order)])
