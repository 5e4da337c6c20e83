"""Meetings REST API: every signed-in user reads; task-force staff create and turn issues into appeals."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.permissions import SAFE_METHODS, BasePermission
from rest_framework.response import Response

from liaison.api.views import Pagination
from meetings import permissions, selectors, services
from meetings.api import serializers as s


class TaskforceWritesOnly(BasePermission):
    message = _("Only task-force staff can record meetings.")

    def has_permission(self, request, view) -> bool:
        if not (request.user and request.user.is_authenticated):
            return False
        return request.method in SAFE_METHODS or permissions.can_manage_meetings(request.user)


@extend_schema_view(
    list=extend_schema(summary=_("List meetings"), description=_("Filter by `kind` and `year`.")),
    retrieve=extend_schema(summary=_("Get a meeting")),
)
class MeetingViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Meetings (征求意见会, 三会, 政企直通车) with invited enterprises, issues and countermeasures."""

    serializer_class = s.MeetingSerializer
    permission_classes = [TaskforceWritesOnly]
    pagination_class = Pagination
    filterset_class = selectors.MeetingFilter
    http_method_names = ["get", "post", "head", "options"]

    def get_queryset(self):
        return selectors.meeting_detail_queryset().order_by("-date", "-id")

    @extend_schema(
        summary=_("Record a meeting"),
        request=s.MeetingCreateSerializer,
        responses={
            201: s.MeetingSerializer,
            400: OpenApiResponse(description=_("Invalid input.")),
            403: OpenApiResponse(description=_("Only task-force staff record meetings.")),
        },
    )
    def create(self, request, *args, **kwargs):
        data = s.MeetingCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        meeting = services.meeting_save(acting_user=request.user, **data.validated_data)
        meeting = self.get_queryset().get(pk=meeting.pk)
        output = s.MeetingSerializer(meeting, context=self.get_serializer_context())
        return Response(output.data, status.HTTP_201_CREATED)

    @extend_schema(
        summary=_("Withdraw a meeting recorded by mistake"),
        description=_(
            "Meetings are never deleted. A withdrawn meeting stays on record with who withdrew it, when and why, "
            "and leaves the lists, the figures and the “three ones” check. Task-force staff only."
        ),
        request=s.MeetingWithdrawSerializer,
        responses={
            204: None,
            400: OpenApiResponse(description=_("No reason given")),
            403: OpenApiResponse(description=_("Only task-force staff do this.")),
            404: OpenApiResponse(description=_("No such meeting.")),
        },
    )
    @action(detail=True, methods=["post"])
    def withdraw(self, request, pk=None):
        meeting = self.get_object()
        data = s.MeetingWithdrawSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        services.meeting_withdraw(meeting_id=meeting.pk, acting_user=request.user, reason=data.validated_data["reason"])
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(
        summary=_("Turn the meeting's issues into appeals"),
        description=_(
            "Raises an appeal (source `meeting`) for every issue that has none yet, all in one transaction: "
            "if one is refused, none is kept. Issues already turned into appeals are skipped."
        ),
        request=None,
        responses={
            200: s.IssuesToAppealsSerializer,
            400: OpenApiResponse(description=_("An appeal was refused.")),
            403: OpenApiResponse(description=_("Only task-force staff do this.")),
            404: OpenApiResponse(description=_("No such meeting.")),
        },
    )
    @action(detail=True, methods=["post"], url_path="issues-to-appeals")
    def issues_to_appeals(self, request, pk=None):
        meeting = self.get_object()
        issues = services.issues_to_appeals(meeting=meeting, acting_user=request.user)
        return Response({"converted": len(issues), "appeals": [issue.appeal_id for issue in issues]})
