"""Appeals REST API views. Each scopes its rows with a selector and makes a move through one service.

An appeal outside the viewer's scope is a 404, for reading and acting alike. A move the appeal's
state does not allow, or made on a stale `version`, is a 409 (liaison.api.exceptions); a move
the user may not make is a 403; input the service refuses is a 400.
"""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db.models import BooleanField, ExpressionWrapper, Q
from django.utils import timezone
from django.utils.text import format_lazy
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django_filters import rest_framework as filters
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.filters import OrderingFilter
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response

from appeals import selectors, services
from appeals.api import serializers as s
from appeals.api.permissions import LeadersOnlyRead, SeesAppealMetrics, TaskforceOnly
from appeals.models import Appeal, AppealCategory
from appeals.services import ConcurrentChange, TransitionError
from liaison.api.views import Pagination
from liaison.models import Notification, Substitution
from liaison.permissions import handled_unit_id


def _schema_only(view) -> bool:
    """drf-spectacular builds views without a signed-in user; selectors need one."""
    return getattr(view, "swagger_fake_view", False)


def _counting_rules() -> str:
    """How the figures count, as appeals.selectors documents it (one text, so the two never differ)."""
    _head, title, rules = (selectors.__doc__ or "").partition("How the figures count")
    return f"{title}{rules}".strip()


NOT_FOUND = OpenApiResponse(description=_("No such appeal in your scope."))
CONFLICT = OpenApiResponse(
    s.ConflictSerializer,
    description=_(
        "The appeal's state does not allow this move now (code illegal_transition), or the appeal changed "
        "since the `version` you sent (code stale_version). Nothing was changed."
    ),
)


def transition_schema(summary, description="", request=None, response=s.AppealDetailSerializer):
    """The OpenAPI description shared by the moves: the appeal as it now is, or why not."""
    return extend_schema(
        summary=summary,
        description=description,
        request=request,
        responses={
            200: response,
            400: OpenApiResponse(description=_("Missing or invalid input; the messages say which.")),
            403: OpenApiResponse(description=_("You may not make this move on this appeal.")),
            404: NOT_FOUND,
            409: CONFLICT,
        },
    )


@extend_schema_view(
    list=extend_schema(
        summary=_("List appeals in your scope"),
        description=_(
            "A cadre sees the appeals of their enterprise and those they handle; a unit handler their unit's "
            "and those assigned to it; leaders and the task force all. Substitutes also see what the people "
            "they stand in for see. `mine=true` keeps the open appeals whose current step you hold."
        ),
        parameters=[s.AppealListQuerySerializer],
    ),
    retrieve=extend_schema(
        summary=_("Get an appeal"),
        description=_("With its attachments, answer, feedback, `version` and the moves open to you."),
        responses={200: s.AppealDetailSerializer, 404: NOT_FOUND},
    ),
)
class AppealViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Appeals (诉求): raised, moved between tiers, answered, and never edited or deleted."""

    serializer_class = s.AppealSerializer
    filterset_class = selectors.AppealFilter
    ordering_fields = ["raised_at", "deadline", "id"]
    permission_classes = [LeadersOnlyRead]
    pagination_class = Pagination
    parser_classes = [JSONParser, MultiPartParser, FormParser]
    http_method_names = ["get", "post", "head", "options"]

    def get_queryset(self):
        if _schema_only(self):
            return Appeal.objects.none()
        user = self.request.user
        if self.action in ("list", "counts") and self._mine():
            return selectors.my_queue(viewer=user)
        qs = selectors.appeal_list(viewer=user)
        return self._with_details(qs) if self.action == "retrieve" else qs

    def get_serializer_class(self):
        return s.AppealSerializer if self.action == "list" else s.AppealDetailSerializer

    def _mine(self) -> bool:
        query = s.AppealListQuerySerializer(data=self.request.query_params)
        query.is_valid(raise_exception=True)
        return bool(query.validated_data.get("mine"))

    @staticmethod
    def _with_details(qs):
        return qs.select_related("raised_by__cadre", "resolved_by__cadre", "supervising_leader").prefetch_related(
            "attachments"
        )

    def _output(self, pk: int, status_code: int = status.HTTP_200_OK) -> Response:
        """The appeal as it now is, read as a retrieve reads it."""
        appeal = self._with_details(selectors.appeal_list(viewer=self.request.user)).get(pk=pk)
        return Response(s.AppealDetailSerializer(appeal, context=self.get_serializer_context()).data, status_code)

    def _move(self, request: Request, service, input_class) -> Response:
        """Parse the move's input and make it through its one service, on the version the client saw."""
        appeal = self.get_object()
        data = input_class(data=request.data)
        data.is_valid(raise_exception=True)
        params = dict(data.validated_data)
        version = params.pop("version", None)
        service(appeal=appeal, acting_user=request.user, expected_version=version, **params)
        return self._output(appeal.pk)

    # --- Raising -------------------------------------------------------------------------------

    @extend_schema(
        summary=_("Raise an appeal"),
        description=_(
            "The enterprise's paired cadre raises it at the individual tier; task-force staff may register one "
            "(a hotline call, say), which then starts at the task-force tier awaiting assignment. Send "
            "multipart/form-data to attach files; the appeal and its files are saved together or not at all."
        ),
        request={"application/json": s.AppealCreateSerializer, "multipart/form-data": s.AppealCreateSerializer},
        responses={
            201: s.AppealDetailSerializer,
            400: OpenApiResponse(description=_("Missing or invalid input; the messages say which.")),
            403: OpenApiResponse(description=_("Not the enterprise's paired cadre nor task-force staff.")),
        },
    )
    def create(self, request: Request) -> Response:
        data = s.AppealCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        appeal = services.appeal_raise(acting_user=request.user, **data.validated_data)
        return self._output(appeal.pk, status.HTTP_201_CREATED)

    # --- Moves ---------------------------------------------------------------------------------

    @transition_schema(
        _("Escalate to the next tier"),
        _("The cadre hands the appeal to their unit; the unit hands it to the task force."),
        s.AppealEscalateSerializer,
    )
    @action(detail=True, methods=["post"])
    def escalate(self, request: Request, pk=None) -> Response:
        return self._move(request, services.appeal_escalate, s.AppealEscalateSerializer)

    @transition_schema(
        _("Return to a lower tier"),
        _("The unit returns the appeal to the cadre; the task force to the unit or the cadre."),
        s.AppealReturnSerializer,
    )
    @action(detail=True, methods=["post"], url_path="return", url_name="return")
    def return_(self, request: Request, pk=None) -> Response:
        return self._move(request, services.appeal_return, s.AppealReturnSerializer)

    @transition_schema(
        _("Assign to a unit (交办, task force)"),
        _("Hands an appeal at the task-force tier to a service group, working group, department or street, "
          "with a deadline. Assigning an assigned appeal reassigns it."),
        s.AppealAssignSerializer,
    )
    @action(detail=True, methods=["post"])
    def assign(self, request: Request, pk=None) -> Response:
        return self._move(request, services.appeal_assign, s.AppealAssignSerializer)

    @transition_schema(
        _("Resolve"),
        _("The holder of the current step answers the appeal; the enterprise's feedback comes next."),
        s.AppealResolveSerializer,
    )
    @action(detail=True, methods=["post"])
    def resolve(self, request: Request, pk=None) -> Response:
        return self._move(request, services.appeal_resolve, s.AppealResolveSerializer)

    @transition_schema(
        _("Pause the clock"),
        _("While waiting on the enterprise or an outside body; the deadline moves on by the working days paused."),
        s.AppealSuspendSerializer,
    )
    @action(detail=True, methods=["post"])
    def suspend(self, request: Request, pk=None) -> Response:
        return self._move(request, services.appeal_suspend, s.AppealSuspendSerializer)

    @transition_schema(_("Restart the clock"), "", s.AppealResumeSerializer)
    @action(detail=True, methods=["post"])
    def resume(self, request: Request, pk=None) -> Response:
        return self._move(request, services.appeal_resume, s.AppealResumeSerializer)

    @transition_schema(
        _("Press an overdue appeal (督办, task force)"),
        _("The first press is a reminder; the second a supervision notice naming a leader, with a response "
          "deadline."),
        s.AppealPressSerializer,
    )
    @action(detail=True, methods=["post"])
    def press(self, request: Request, pk=None) -> Response:
        return self._move(request, services.appeal_press, s.AppealPressSerializer)

    @transition_schema(_("Withdraw"), _("The appeal stays on record."), s.AppealWithdrawSerializer)
    @action(detail=True, methods=["post"])
    def withdraw(self, request: Request, pk=None) -> Response:
        return self._move(request, services.appeal_withdraw, s.AppealWithdrawSerializer)

    @transition_schema(
        _("Mark out of scope (task force)"),
        _("The appeal is outside the campaign's remit; the explanation is kept as its answer."),
        s.AppealOutOfScopeSerializer,
    )
    @action(detail=True, methods=["post"], url_path="out-of-scope", url_name="out-of-scope")
    def out_of_scope(self, request: Request, pk=None) -> Response:
        return self._move(request, services.appeal_mark_out_of_scope, s.AppealOutOfScopeSerializer)

    @transition_schema(
        _("Record the enterprise's feedback (回访)"),
        _("Satisfied or basically satisfied closes the appeal; unsatisfied reopens it at the tier that resolved it."),
        s.AppealFeedbackSerializer,
    )
    @action(detail=True, methods=["post"])
    def feedback(self, request: Request, pk=None) -> Response:
        return self._move(request, services.appeal_feedback, s.AppealFeedbackSerializer)

    @transition_schema(
        _("Reopen (task force)"),
        _("Back to the tier and handler that resolved it, with a fresh deadline."),
        s.AppealReopenSerializer,
    )
    @action(detail=True, methods=["post"])
    def reopen(self, request: Request, pk=None) -> Response:
        return self._move(request, services.appeal_reopen, s.AppealReopenSerializer)

    @transition_schema(
        _("Change the category (unit handler, task force)"),
        _("Corrects a mis-filed appeal, whatever its state: the handler of the unit the appeal counts for or of "
          "the unit holding it, or the task force. The timeline records who changed it and from which category "
          "to which (event kind `recategorised`)."),
        s.AppealRecategoriseSerializer,
    )
    @action(detail=True, methods=["post"])
    def recategorise(self, request: Request, pk=None) -> Response:
        return self._move(request, services.appeal_recategorise, s.AppealRecategoriseSerializer)

    @transition_schema(
        _("Create a feedback link for the enterprise"),
        _("A signed, single-use, expiring address the enterprise's contact opens to give their verdict "
          "without signing in. Creating one is recorded on the timeline."),
        s.VersionedSerializer,
        s.FeedbackLinkSerializer,
    )
    @action(detail=True, methods=["post"], url_path="feedback-link", url_name="feedback-link")
    def feedback_link(self, request: Request, pk=None) -> Response:
        appeal = self.get_object()
        data = s.VersionedSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        path = services.feedback_link_create(
            appeal=appeal, acting_user=request.user, expected_version=data.validated_data.get("version")
        )
        new_version = Appeal.objects.values_list("version", flat=True).get(pk=appeal.pk)
        base = settings.PUBLIC_BASE_URL.rstrip("/")
        url = f"{base}{path}" if base else request.build_absolute_uri(path)
        return Response(s.FeedbackLinkSerializer({"url": url, "version": new_version}).data)

    # --- Timeline, counts, bulk assignment, figures --------------------------------------------

    @extend_schema(
        summary=_("The appeal's timeline"),
        description=_("Every step, oldest first: who (and for whom, as a substitute), from which state and "
                      "handler to which, with the step's deadline and comment."),
        responses={200: s.AppealEventSerializer(many=True), 404: NOT_FOUND},
    )
    @action(detail=True, methods=["get"], filter_backends=[], pagination_class=None)
    def events(self, request: Request, pk=None) -> Response:
        appeal = self.get_object()
        events = selectors.timeline(appeal).select_related("actor__cadre", "on_behalf_of__cadre")
        return Response(s.AppealEventSerializer(events, many=True, context=self.get_serializer_context()).data)

    @extend_schema(
        summary=_("Queue counts"),
        description=_("The counts shown at the top of a queue, over the appeals the filters select in your scope."),
        parameters=[s.AppealListQuerySerializer],
        filters=True,
        responses={200: s.QueueCountsSerializer},
    )
    @action(detail=False, methods=["get"], filter_backends=[DjangoFilterBackend], pagination_class=None)
    def counts(self, request: Request) -> Response:
        counts = selectors.queue_counts(self.filter_queryset(self.get_queryset()))
        return Response(s.QueueCountsSerializer(counts).data)

    @extend_schema(
        summary=_("Assign several appeals at once (task force)"),
        description=_(
            "Assigns each appeal to the unit with the same deadline, all in one transaction: if any one cannot be "
            "assigned, none is, and the answer names that appeal and says why."
        ),
        request=s.AppealBulkAssignSerializer,
        responses={
            200: s.BulkAssignResultSerializer,
            400: OpenApiResponse(
                s.BulkAssignFailureSerializer,
                description=_("An appeal could not be assigned: unknown, or a rule refused it. Invalid input gets "
                              "field messages instead."),
            ),
            403: OpenApiResponse(description=_("Only task-force staff assign appeals.")),
            409: OpenApiResponse(s.BulkAssignFailureSerializer, description=_("An appeal is not at a state that "
                                                                               "can be assigned.")),
        },
    )
    @action(
        detail=False,
        methods=["post"],
        url_path="bulk-assign",
        url_name="bulk-assign",
        permission_classes=[TaskforceOnly],
        filter_backends=[],
        pagination_class=None,
    )
    def bulk_assign(self, request: Request) -> Response:
        data = s.AppealBulkAssignSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        params = dict(data.validated_data)
        try:
            assigned = services.appeal_bulk_assign(
                appeal_ids=params.pop("ids"), acting_user=request.user, **params
            )
        except services.BulkAssignRefused as refused:
            return _bulk_failure(refused.appeal_id, refused.error)
        rows = [
            {"id": appeal.pk, "handler_unit": appeal.handler_unit_id, "deadline": appeal.deadline,
             "version": appeal.version}
            for appeal in assigned
        ]
        return Response(s.BulkAssignResultSerializer({"results": rows}).data)

    @extend_schema(
        summary=_("Closure rate, on-time rate, satisfaction and handling time"),
        description=format_lazy(
            "{}\n\n{}",
            _(
                "Figures for the appeals raised in [start, end], optionally narrowed, and per group with "
                "`group_by`. Leaders, task-force staff and administrators see any; a unit handler sees only "
                "their own unit's (`unit` is set to it); cadres see none."
            ),
            _counting_rules(),
        ),
        parameters=[s.MetricsQuerySerializer],
        responses={
            200: s.MetricsSerializer,
            400: OpenApiResponse(description=_("Bad dates or filters; the messages say which.")),
            403: OpenApiResponse(description=_("Cadres, and unit handlers asking for another unit.")),
        },
    )
    @action(
        detail=False,
        methods=["get"],
        permission_classes=[SeesAppealMetrics],
        filter_backends=[],
        pagination_class=None,
    )
    def metrics(self, request: Request) -> Response:
        query = s.MetricsQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        params = dict(query.validated_data)
        start, end, group_by = params.pop("start"), params.pop("end"), params.pop("group_by", None)
        narrowed = {name: value.pk for name, value in params.items() if value is not None}
        user = request.user
        if not user.sees_everything:
            own = handled_unit_id(user)
            if own is None or narrowed.get("unit", own) != own:
                raise PermissionDenied(gettext("You can only see the figures of your own unit."))
            narrowed["unit"] = own
        groups = []
        if group_by:
            groups = [
                {"key": key, "label": label, **figures.as_dict()}
                for key, label, figures in selectors.appeal_metrics_by(group_by, start, end, **narrowed)
            ]
        data = {
            "start": start,
            "end": end,
            "unit": narrowed.get("unit"),
            "category": narrowed.get("category"),
            "handler_unit": narrowed.get("handler_unit"),
            "handler_cadre": narrowed.get("handler_cadre"),
            "group_by": group_by or None,
            "overall": selectors.appeal_metrics(start, end, **narrowed).as_dict(),
            "groups": groups,
        }
        return Response(s.MetricsSerializer(data).data)


def _bulk_failure(pk: int, exc: Exception) -> Response:
    """The answer naming the appeal a bulk assignment stopped at."""
    if isinstance(exc, Appeal.DoesNotExist):
        code, status_code, reason = "not_found", status.HTTP_400_BAD_REQUEST, gettext("There is no such appeal.")
    elif isinstance(exc, TransitionError):
        code, status_code, reason = "illegal_transition", status.HTTP_409_CONFLICT, " ".join(exc.messages)
    elif isinstance(exc, ConcurrentChange):
        code, status_code, reason = "stale_version", status.HTTP_409_CONFLICT, str(exc)
    elif isinstance(exc, PermissionDenied):
        code, status_code, reason = "permission_denied", status.HTTP_403_FORBIDDEN, str(exc)
    else:
        code, status_code, reason = "invalid", status.HTTP_400_BAD_REQUEST, " ".join(exc.messages)
    detail = gettext("Appeal #%(id)d: %(reason)s Nothing was assigned.") % {"id": pk, "reason": reason}
    return Response(s.BulkAssignFailureSerializer({"detail": detail, "id": pk, "code": code}).data, status_code)


@extend_schema_view(list=extend_schema(summary=_("List appeal categories")))
class AppealCategoryViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    """The configurable categories an appeal is filed under; inactive ones are kept for old appeals."""

    serializer_class = s.AppealCategorySerializer
    queryset = AppealCategory.objects.all()
    pagination_class = None
    filter_backends = [DjangoFilterBackend]
    filterset_fields = ["active"]


@extend_schema_view(
    list=extend_schema(
        summary=_("List substitutions"),
        description=_("Those where you are away or the substitute; task-force staff see all."),
    )
)
class SubstitutionViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    """While someone is away, their substitute acts for them and receives their work."""

    serializer_class = s.SubstitutionSerializer
    pagination_class = Pagination
    filter_backends = [OrderingFilter]
    ordering_fields = ["starts_on", "ends_on", "id"]
    http_method_names = ["get", "post", "head", "options"]

    def get_queryset(self):
        if _schema_only(self):
            return Substitution.objects.none()
        user = self.request.user
        qs = Substitution.objects.select_related("principal__cadre", "substitute__cadre")
        return qs if user.is_taskforce else qs.filter(Q(principal=user) | Q(substitute=user))

    @extend_schema(
        summary=_("Name a substitute"),
        description=_("For yourself; task-force staff may name one for someone else with `principal`."),
        request=s.SubstitutionCreateSerializer,
        responses={
            201: s.SubstitutionSerializer,
            400: OpenApiResponse(description=_("Invalid dates or substitute; the messages say which.")),
            403: OpenApiResponse(description=_("Naming a substitute for someone else without being task-force staff.")),
        },
    )
    def create(self, request: Request) -> Response:
        data = s.SubstitutionCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        substitution = services.substitution_create(acting_user=request.user, **data.validated_data)
        substitution = self.get_queryset().get(pk=substitution.pk)
        return Response(
            s.SubstitutionSerializer(substitution, context=self.get_serializer_context()).data, status.HTTP_201_CREATED
        )


class NotificationFilter(filters.FilterSet):
    unread = filters.BooleanFilter(field_name="read_at", lookup_expr="isnull", label=_("Unread only"))

    class Meta:
        model = Notification
        fields = ["unread"]


@extend_schema_view(list=extend_schema(summary=_("Your notifications, unread first")))
class NotificationViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    """The signed-in user's in-app notifications; nobody else's exist here."""

    serializer_class = s.NotificationSerializer
    pagination_class = Pagination
    filter_backends = [DjangoFilterBackend]
    filterset_class = NotificationFilter
    http_method_names = ["get", "post", "head", "options"]

    def get_queryset(self):
        if _schema_only(self):
            return Notification.objects.none()
        # Unread first, then newest first: the order of the notifications page.
        return (
            Notification.objects.filter(user=self.request.user)
            .annotate(unread=ExpressionWrapper(Q(read_at__isnull=True), output_field=BooleanField()))
            .order_by("-unread", "-created_at", "-id")
        )

    @extend_schema(
        summary=_("Mark a notification read"),
        request=None,
        responses={200: s.NotificationSerializer, 404: OpenApiResponse(description=_("Not one of yours."))},
    )
    @action(detail=True, methods=["post"], filter_backends=[])
    def read(self, request: Request, pk=None) -> Response:
        notification = self.get_object()
        if notification.read_at is None:
            # Marking one's own message read has no rule beyond ownership, which the queryset enforces.
            notification.read_at = timezone.now()
            notification.save(update_fields=["read_at"])
        return Response(s.NotificationSerializer(notification, context=self.get_serializer_context()).data)

    @extend_schema(summary=_("Mark all your notifications read"), request=None, responses={200: s.ReadAllSerializer})
    @action(detail=False, methods=["post"], url_path="read-all", url_name="read-all", filter_backends=[])
    def read_all(self, request: Request) -> Response:
        marked = self.get_queryset().filter(read_at__isnull=True).update(read_at=timezone.now())
        return Response(s.ReadAllSerializer({"marked": marked}).data)
