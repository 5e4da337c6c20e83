"""REST API views. Each one scopes its rows with a selector and writes through one service.

Lists stay at a fixed number of queries whatever the number of rows: the selectors join what
the serializers read, and visits prefetch their attachments.
"""

from __future__ import annotations

import functools

from django.utils.translation import gettext_lazy as _
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.filters import OrderingFilter
from rest_framework.generics import GenericAPIView
from rest_framework.pagination import PageNumberPagination
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from enterprises.models import Enterprise
from liaison import permissions, selectors, services
from liaison.api import serializers as s
from liaison.api.permissions import CanViewObject, RosterManagerOrReadOnly, VisitOwnerOrReadOnly
from liaison.filters import AssignmentFilter, CadreFilter, EnterpriseFilter, UnitFilter, VisitFilter
from liaison.models import Assignment, Cadre, Unit, Visit
from liaison.pagination import CountSparingPaginator


class RememberedFilterBackend(DjangoFilterBackend):
    """DjangoFilterBackend that leaves its filter set on the view (building one copies every filter and
    its choices: a view that needs the filters again reuses it)."""

    def get_filterset(self, request, queryset, view):
        view.filterset = super().get_filterset(request, queryset, view)
        return view.filterset


class Pagination(PageNumberPagination):
    page_size_query_param = "page_size"
    max_page_size = 500
    # A page shorter than page_size needs no COUNT query (a cadre's own visits fit on one page).
    django_paginator_class = CountSparingPaginator

    def paginate_queryset(self, queryset, request, view=None):
        # A view may count its rows on a lighter queryset: the same rows without the joins that only add columns.
        counted = getattr(view, "counted_queryset", None)
        count = (lambda: counted().count()) if counted is not None else None
        self.django_paginator_class = functools.partial(CountSparingPaginator, count=count)
        return super().paginate_queryset(queryset, request, view)


def _schema_only(view) -> bool:
    """drf-spectacular builds views without a signed-in user; selectors need one."""
    return getattr(view, "swagger_fake_view", False)


class RosterViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):
    # Read for everyone in scope; create and update for task-force staff through `save_service`.
    # No deletion: units, cadres and enterprises are referenced by the pairing history.

    permission_classes = [RosterManagerOrReadOnly, CanViewObject]
    pagination_class = Pagination

    def save_service(self, instance, user):
        raise NotImplementedError

    def reload(self, instance):
        """The saved row as the list shows it (with the selector's joins and annotations)."""
        return self.get_queryset().get(pk=instance.pk)

    def perform_create(self, serializer):
        instance = serializer.Meta.model(**serializer.validated_data)
        self.save_service(instance, self.request.user)
        serializer.instance = self.reload(instance)

    def perform_update(self, serializer):
        instance = serializer.instance
        for field, value in serializer.validated_data.items():
            setattr(instance, field, value)
        self.save_service(instance, self.request.user)
        serializer.instance = self.reload(instance)

    def update(self, request, *args, **kwargs):
        response = super().update(request, *args, **kwargs)
        # A partial serializer leaves out every field it would fill with its default (a unit without a
        # parent lost `parent_name` on PATCH): answer with the whole row, as GET does.
        response.data = self.get_serializer(self.reload(self.get_object())).data
        return response


@extend_schema_view(
    list=extend_schema(summary=_("List units")),
    retrieve=extend_schema(summary=_("Get a unit")),
    create=extend_schema(summary=_("Create a unit (task force)")),
    update=extend_schema(summary=_("Replace a unit (task force)")),
    partial_update=extend_schema(summary=_("Change a unit (task force)")),
)
class UnitViewSet(RosterViewSet):
    """Units ("1+3+8" groups, departments, street offices): every signed-in user reads them all;
    task-force staff create and change them."""

    serializer_class = s.UnitSerializer
    filterset_class = UnitFilter
    ordering_fields = ["name", "kind", "id"]

    def get_queryset(self):
        if _schema_only(self):
            return Unit.objects.none()
        return selectors.unit_list(viewer=self.request.user)

    def save_service(self, instance, user):
        services.unit_save(unit=instance, acting_user=user)


@extend_schema_view(
    list=extend_schema(summary=_("List cadres in your scope")),
    retrieve=extend_schema(summary=_("Get a cadre")),
    create=extend_schema(summary=_("Create a cadre (task force)")),
    update=extend_schema(summary=_("Replace a cadre (task force)")),
    partial_update=extend_schema(summary=_("Change a cadre (task force)")),
)
class CadreViewSet(RosterViewSet):
    """Cadres: a cadre sees themselves, a unit handler their unit's, leaders and the task force all;
    task-force staff create and change them."""

    serializer_class = s.CadreSerializer
    filterset_class = CadreFilter
    ordering_fields = ["name", "unit__name", "rank", "id"]

    def get_queryset(self):
        if _schema_only(self):
            return Cadre.objects.none()
        return selectors.cadre_list(viewer=self.request.user)

    def save_service(self, instance, user):
        services.cadre_save(cadre=instance, acting_user=user)


@extend_schema_view(
    list=extend_schema(summary=_("List enterprises in your scope")),
    retrieve=extend_schema(summary=_("Get an enterprise")),
    create=extend_schema(summary=_("Create an enterprise (task force)")),
    update=extend_schema(summary=_("Replace an enterprise (task force)")),
    partial_update=extend_schema(summary=_("Change an enterprise (task force)")),
)
class EnterpriseViewSet(RosterViewSet):
    """Enterprises: a cadre sees the ones they are or were paired with, a unit handler their unit's,
    leaders and the task force all; task-force staff create and change them."""

    serializer_class = s.EnterpriseSerializer
    filterset_class = EnterpriseFilter
    ordering_fields = ["name", "credit_code", "employees", "annual_revenue", "id"]

    def get_queryset(self):
        if _schema_only(self):
            return Enterprise.objects.none()
        return selectors.with_active_pairing(selectors.enterprise_list(viewer=self.request.user))

    filter_backends = [RememberedFilterBackend, OrderingFilter]

    def counted_queryset(self):
        """The listed enterprises without the active pairing's join, for the page's count: the request's
        filters (already checked) applied again to the plain rows, without building the filter set again."""
        plain = selectors.enterprise_list(viewer=self.request.user)
        filterset = getattr(self, "filterset", None)
        return filterset.filter_queryset(plain) if filterset is not None else plain

    def save_service(self, instance, user):
        services.enterprise_save(enterprise=instance, acting_user=user)


@extend_schema_view(
    list=extend_schema(summary=_("List pairings in your scope, current and past")),
    retrieve=extend_schema(summary=_("Get a pairing")),
)
class AssignmentViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    """Pairings are created and ended, never edited or deleted: their history is the record."""

    serializer_class = s.AssignmentSerializer
    filterset_class = AssignmentFilter
    permission_classes = [RosterManagerOrReadOnly, CanViewObject]
    pagination_class = Pagination
    ordering_fields = ["started_on", "ended_on", "cadre__name", "enterprise__name", "id"]

    def get_queryset(self):
        if _schema_only(self):
            return Assignment.objects.none()
        return selectors.assignment_list(viewer=self.request.user)

    def _output(self, assignment: Assignment, status_code: int) -> Response:
        assignment = self.get_queryset().get(pk=assignment.pk)
        return Response(s.AssignmentSerializer(assignment, context=self.get_serializer_context()).data, status_code)

    @extend_schema(
        summary=_("Pair a cadre with an enterprise (task force)"),
        description=_(
            "Creates a pairing. If the cadre or the enterprise already has an active pairing, that pairing "
            "is ended (re-pairing) and a reason is required; ended pairings stay in the history."
        ),
        request=s.AssignmentPairSerializer,
        responses={201: s.AssignmentSerializer},
    )
    def create(self, request: Request) -> Response:
        data = s.AssignmentPairSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        assignment = services.assignment_pair(acting_user=request.user, **data.validated_data)
        return self._output(assignment, status.HTTP_201_CREATED)

    @extend_schema(
        summary=_("End a pairing without a successor (task force)"),
        request=s.AssignmentEndSerializer,
        responses={200: s.AssignmentSerializer},
    )
    @action(detail=True, methods=["post"])
    def end(self, request: Request, pk=None) -> Response:
        assignment = self.get_object()
        data = s.AssignmentEndSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        assignment = services.assignment_end(assignment=assignment, acting_user=request.user, **data.validated_data)
        return self._output(assignment, status.HTTP_200_OK)


@extend_schema_view(
    list=extend_schema(summary=_("List visits in your scope")),
    retrieve=extend_schema(summary=_("Get a visit with its attachments")),
)
class VisitViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Visits are logged by the paired cadre and corrected only by them; none is deleted."""

    serializer_class = s.VisitSerializer
    filterset_class = VisitFilter
    permission_classes = [IsAuthenticated, CanViewObject, VisitOwnerOrReadOnly]
    pagination_class = Pagination
    parser_classes = [JSONParser, MultiPartParser, FormParser]
    ordering_fields = ["date", "created_at", "id"]
    http_method_names = ["get", "post", "patch", "head", "options"]

    def get_queryset(self):
        if _schema_only(self):
            return Visit.objects.none()
        return selectors.visit_list(viewer=self.request.user).prefetch_related("attachments")

    def _output(self, visit: Visit, status_code: int) -> Response:
        visit = self.get_queryset().get(pk=visit.pk)
        return Response(s.VisitSerializer(visit, context=self.get_serializer_context()).data, status_code)

    @extend_schema(
        summary=_("Log a visit to your paired enterprise"),
        description=_(
            "Only the cadre actively paired with the enterprise can log a visit to it. Send multipart/form-data "
            "to attach files; the visit and its attachments are saved together or not at all."
        ),
        request={
            "multipart/form-data": s.VisitCreateSerializer,
            "application/json": s.VisitCreateSerializer,
        },
        responses={201: s.VisitSerializer},
    )
    def create(self, request: Request) -> Response:
        data = s.VisitCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        visit = services.visit_create(acting_user=request.user, **data.validated_data)
        return self._output(visit, status.HTTP_201_CREATED)

    @extend_schema(
        summary=_("Correct your own visit"),
        request=s.VisitUpdateSerializer,
        responses={200: s.VisitSerializer},
    )
    def partial_update(self, request: Request, pk=None) -> Response:
        visit = self.get_object()
        data = s.VisitUpdateSerializer(data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        visit = services.visit_update(visit=visit, acting_user=request.user, **data.validated_data)
        return self._output(visit, status.HTTP_200_OK)

    @extend_schema(
        summary=_("Add attachments to your own visit"),
        request={"multipart/form-data": s.AttachmentUploadSerializer},
        responses={201: s.VisitSerializer},
    )
    @action(detail=True, methods=["post"], parser_classes=[MultiPartParser, FormParser])
    def attachments(self, request: Request, pk=None) -> Response:
        visit = self.get_object()
        data = s.AttachmentUploadSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        visit = services.visit_update(visit=visit, acting_user=request.user, files=data.validated_data["files"])
        return self._output(visit, status.HTTP_201_CREATED)

    @extend_schema(
        summary=_("Withdraw a visit logged by mistake"),
        description=_(
            "Visits are never deleted. A withdrawn visit stays on record with who withdrew it, when and why, "
            "and no longer counts for monthly contact or any figure. Its own cadre or task-force staff withdraw it."
        ),
        request=s.VisitWithdrawSerializer,
        responses={204: None, 400: OpenApiResponse(description=_("No reason given"))},
    )
    @action(detail=True, methods=["post"], permission_classes=[IsAuthenticated, CanViewObject])
    def withdraw(self, request: Request, pk=None) -> Response:
        visit = self.get_object()
        data = s.VisitWithdrawSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        services.visit_withdraw(visit_id=visit.pk, acting_user=request.user, reason=data.validated_data["reason"])
        return Response(status=status.HTTP_204_NO_CONTENT)


def _month_query(request: Request, serializer_class) -> dict:
    """Validated query parameters, `month` turned into the month's first day (default: this month)."""
    query = serializer_class(data=request.query_params)
    query.is_valid(raise_exception=True)
    params = dict(query.validated_data)
    month = params.get("month")
    params["month"] = s.parse_month(month) if month else selectors.today().replace(day=1)
    return params


class ComplianceBase(GenericAPIView):
    """Monthly contact ("每月至少联系服务企业1次") over the pairings in the viewer's scope.

    The pairing filters (unit, street, cadre, enterprise, q) narrow the pairings counted.
    """

    filterset_class = AssignmentFilter
    filter_backends = [DjangoFilterBackend]

    def get_queryset(self):
        if _schema_only(self):
            return Assignment.objects.none()
        return selectors.assignment_list(viewer=self.request.user)


class ComplianceView(ComplianceBase):
    pagination_class = None

    @extend_schema(
        summary=_("Monthly contact compliance per unit"),
        description=_(
            "For each unit: the pairings due for contact in the month and how many had at least one visit "
            "dated in the month, plus the overall figures."
        ),
        parameters=[s.MonthQuerySerializer],
        filters=True,
        responses={200: s.ComplianceSerializer, 400: OpenApiResponse(description=_("Bad month"))},
    )
    def get(self, request: Request) -> Response:
        month = _month_query(request, s.MonthQuerySerializer)["month"]
        pairings = self.filter_queryset(self.get_queryset())
        data = {
            "month": month.strftime("%Y-%m"),
            "overall": selectors.overall_compliance(month, pairings=pairings),
            "units": selectors.unit_compliance(month, pairings=pairings),
        }
        return Response(s.ComplianceSerializer(data).data)


class CompliancePairingsView(ComplianceBase):
    serializer_class = s.PairingContactSerializer
    pagination_class = Pagination

    @extend_schema(
        summary=_("Pairings due for contact in the month, contacted or not"),
        parameters=[s.ContactQuerySerializer],
        responses={200: s.PairingContactSerializer(many=True), 400: OpenApiResponse(description=_("Bad month"))},
    )
    def get(self, request: Request) -> Response:
        params = _month_query(request, s.ContactQuerySerializer)
        month = params["month"]
        qs = selectors.monthly_contact(month, pairings=self.filter_queryset(self.get_queryset()))
        if params.get("contacted") is not None:
            qs = qs.filter(contacted=params["contacted"])
        page = self.paginate_queryset(qs.order_by("cadre__unit__name", "cadre__name", "id"))
        context = {**self.get_serializer_context(), "month": month}
        return self.get_paginated_response(s.PairingContactSerializer(page, many=True, context=context).data)


class MeView(APIView):
    """Who the signed-in user is, what they see, and the pairing they log visits for."""

    @extend_schema(summary=_("The signed-in user"), responses=s.MeSerializer)
    def get(self, request: Request) -> Response:
        user = request.user
        # One's own cadre and pairing are always visible (permissions.can_view_cadre), even to a unit
        # handler whose own cadre sits in another unit than the one they handle.
        cadre = Cadre.objects.select_related("unit", "user").filter(user=user).first()
        unit = user.unit or (cadre.unit if cadre is not None else None)
        pairing = None
        if cadre is not None:
            pairing = (
                Assignment.objects.active().select_related("cadre__unit", "enterprise").filter(cadre=cadre).first()
            )
        data = {
            "id": user.pk,
            "username": user.get_username(),
            "display_name": user.display_name,
            "role": user.role,
            "role_display": user.get_role_display(),
            "unit": unit,
            "handled_unit": permissions.handled_unit_id(user),
            "cadre": cadre,
            "active_pairing": pairing,
            "can_manage_roster": permissions.can_manage_roster(user),
            "sees_everything": permissions.sees_everything(user),
        }
        return Response(s.MeSerializer(data, context={"request": request}).data)
