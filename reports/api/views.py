"""The monthly bulletin and weekly dispatch over REST.

Bulletins: the task force, leaders, administrators and unit handlers read them; the task force
publishes a month and issues corrections, through the same services as the pages. Dispatch sheets
are scoped like the pages: everyone's for the task force and leaders, their unit's for a handler.
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.permissions import BasePermission
from rest_framework.response import Response

from liaison.api.exceptions import Conflict
from liaison.api.views import Pagination
from reports import bulletins, permissions, selectors
from reports.api import serializers as s
from reports.api.filters import BulletinFilter, DispatchFilter
from reports.bulletins import parse_month
from reports.models import Bulletin, Dispatch


def _schema_only(view) -> bool:
    """drf-spectacular builds views without a signed-in user; selectors need one."""
    return getattr(view, "swagger_fake_view", False)


class CanViewBulletins(BasePermission):
    message = _("The monthly bulletin is for the task force, leaders and unit handlers.")

    def has_permission(self, request, view) -> bool:
        return permissions.can_view_bulletin(request.user)


class CanViewDispatch(BasePermission):
    message = _("The weekly dispatch is for the task force, leaders and unit handlers.")

    def has_permission(self, request, view) -> bool:
        return permissions.can_view_dispatch(request.user)


BULLETIN_NOT_FOUND = OpenApiResponse(description=_("No such bulletin."))
FORBIDDEN = OpenApiResponse(description=_("Only task-force staff publish or correct the monthly bulletin."))


@extend_schema_view(
    list=extend_schema(
        summary=_("List monthly bulletins"),
        description=_(
            "Every published version, newest month and version first, without the figures. Filter by "
            "`month` (YYYY-MM) and `current` (true: only each month's current version)."
        ),
    ),
    retrieve=extend_schema(
        summary=_("Get a monthly bulletin with its summary figures"),
        description=bulletins.__doc__,
        responses={200: s.BulletinDetailSerializer, 404: BULLETIN_NOT_FOUND},
    ),
)
class BulletinViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """The monthly bulletin (月通报): frozen figures of a month, in versions."""

    permission_classes = [CanViewBulletins]
    pagination_class = Pagination
    filterset_class = BulletinFilter
    ordering_fields = ["month", "version", "published_at"]
    http_method_names = ["get", "post", "head", "options"]

    def get_queryset(self):
        qs = Bulletin.objects.select_related("created_by").order_by("-month", "-version")
        if self.action == "list":
            return qs.defer("figures")
        if self.action in ("units", "cadres"):
            return qs.defer("figures")
        return qs.prefetch_related("documents")

    def get_serializer_class(self):
        return s.BulletinSerializer if self.action == "list" else s.BulletinDetailSerializer

    def filter_queryset(self, queryset):
        # The bulletin filters apply to the list; the rows of one bulletin take their own parameters.
        return queryset if self.action in ("units", "cadres") else super().filter_queryset(queryset)

    @extend_schema(
        summary=_("The units of a bulletin, in ranking order"),
        responses={200: s.UnitRowSerializer(many=True), 404: BULLETIN_NOT_FOUND},
        parameters=[OpenApiParameter("page", int, description=_("Page number."))],
    )
    @action(detail=True, methods=["get"])
    def units(self, request, pk=None):
        bulletin = self.get_object()
        page = self.paginate_queryset(bulletins.bulletin_unit_rows(bulletin))
        return self.get_paginated_response(s.UnitRowSerializer(page, many=True).data)

    @extend_schema(
        summary=_("The cadres of a bulletin, a page at a time"),
        description=_("In table order (unit, then name). Filter by `unit` (id) and `lagging` (true or false)."),
        responses={200: s.CadreRowSerializer(many=True), 404: BULLETIN_NOT_FOUND},
        parameters=[
            OpenApiParameter("unit", int, description=_("Unit id")),
            OpenApiParameter("lagging", bool, description=_("Only lagging cadres (true) or the others (false).")),
            OpenApiParameter("page", int, description=_("Page number.")),
        ],
    )
    @action(detail=True, methods=["get"])
    def cadres(self, request, pk=None):
        bulletin = self.get_object()
        unit = request.query_params.get("unit", "")
        lagging = request.query_params.get("lagging", "").lower()
        if (unit and not unit.isdigit()) or lagging not in ("", "true", "false", "1", "0"):
            raise ValidationError({"detail": _("Filter by a unit id and lagging=true or false.")})
        rows = bulletins.bulletin_cadre_rows(
            bulletin,
            unit_id=int(unit) if unit else None,
            lagging=None if not lagging else lagging in ("true", "1"),
        )
        page = self.paginate_queryset(rows)
        return self.get_paginated_response(s.CadreRowSerializer(page, many=True).data)

    def _detail(self, bulletin: Bulletin, code: int) -> Response:
        bulletin = self.get_queryset().get(pk=bulletin.pk)
        return Response(s.BulletinDetailSerializer(bulletin, context=self.get_serializer_context()).data, status=code)

    @extend_schema(
        summary=_("Publish a month's bulletin (task force)"),
        description=_(
            "Publishes the bulletin of a finished month. When the month is published already, nothing is "
            "built and its current version is returned with status 200; a new bulletin comes with 201."
        ),
        request=s.BulletinPublishSerializer,
        responses={
            200: s.BulletinDetailSerializer,
            201: s.BulletinDetailSerializer,
            400: OpenApiResponse(description=_("Not a month, or a month not over yet.")),
            403: FORBIDDEN,
        },
    )
    @action(detail=False, methods=["post"])
    def publish(self, request):
        if not permissions.can_publish_bulletin(request.user):
            self.permission_denied(request, message=FORBIDDEN.description)
        data = s.BulletinPublishSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        bulletin, created = bulletins.bulletin_publish(
            month=parse_month(data.validated_data["month"]), acting_user=request.user
        )
        return self._detail(bulletin, status.HTTP_201_CREATED if created else status.HTTP_200_OK)

    @extend_schema(
        summary=_("Issue a corrected version (task force)"),
        description=_(
            "Builds a new version of the bulletin's month from the data as it is now, with the reason. The "
            "version corrected stays readable, marked superseded. Only the current version can be corrected."
        ),
        request=s.BulletinReissueSerializer,
        responses={
            201: s.BulletinDetailSerializer,
            400: OpenApiResponse(description=_("The reason is missing.")),
            403: FORBIDDEN,
            404: BULLETIN_NOT_FOUND,
            409: OpenApiResponse(description=_("This version has been superseded; correct the current one.")),
        },
    )
    @action(detail=True, methods=["post"])
    def reissue(self, request, pk=None):
        bulletin = self.get_object()
        if not permissions.can_publish_bulletin(request.user):
            self.permission_denied(request, message=FORBIDDEN.description)
        data = s.BulletinReissueSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        if not bulletin.is_current:
            raise Conflict(_("This version has been superseded; correct the current one."), "superseded")
        new = bulletins.bulletin_reissue(
            month=bulletin.month, reason=data.validated_data["reason"], acting_user=request.user
        )
        return self._detail(new, status.HTTP_201_CREATED)


@extend_schema_view(
    list=extend_schema(
        summary=_("List weekly dispatch sheets in your scope"),
        description=_("Filter by `week_start` (a Monday, YYYY-MM-DD) and `unit` (id)."),
    ),
    retrieve=extend_schema(summary=_("Get a weekly dispatch sheet")),
)
class DispatchViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """The weekly dispatch (周调度): one unit's sheet for one week."""

    serializer_class = s.DispatchSerializer
    permission_classes = [CanViewDispatch]
    pagination_class = Pagination
    filterset_class = DispatchFilter
    ordering_fields = ["week_start", "unit__name", "id"]

    def get_queryset(self):
        if _schema_only(self):
            return Dispatch.objects.none()
        return selectors.dispatch_list(viewer=self.request.user).order_by("-week_start", "unit__name", "id")
