"""Shapes of the appeals API's input and output. Serializers only check shape; the services decide.

Output serializers read rows the selectors have already joined, so that no field issues a query
per row. Input serializers leave the business messages ("Say why the appeal needs the next
tier.") to the services: a text the service requires is accepted blank here and refused there.
"""

from __future__ import annotations

from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from appeals.models import (
    Appeal,
    AppealAttachment,
    AppealCategory,
    AppealEvent,
    Feedback,
    ResolutionKind,
    Source,
    Status,
    Tier,
    Urgency,
)
from appeals.selectors import GROUPS
from appeals.services import TRANSITIONS, allowed_actions
from enterprises.models import Enterprise
from liaison.models import Cadre, Notification, Substitution, Unit, User, Visit
from liaison.selectors import today


def _absolute(request, path: str) -> str:
    return request.build_absolute_uri(path) if request is not None else path


# --- Appeals ----------------------------------------------------------------------------------


class AppealCategorySerializer(serializers.ModelSerializer):
    class Meta:
        model = AppealCategory
        fields = ["id", "code", "name", "order", "active"]
        read_only_fields = fields


class AppealAttachmentSerializer(serializers.ModelSerializer):
    url = serializers.SerializerMethodField(help_text=_("Download address; needs the same sign-in."))

    class Meta:
        model = AppealAttachment
        fields = ["id", "name", "size", "content_type", "uploaded_at", "url"]
        read_only_fields = fields

    @extend_schema_field(OpenApiTypes.URI)
    def get_url(self, attachment: AppealAttachment) -> str:
        return _absolute(self.context.get("request"), reverse("appeal-attachment", args=[attachment.pk]))


class AppealSerializer(serializers.ModelSerializer):
    """An appeal as the queues list it."""

    enterprise_name = serializers.CharField(source="enterprise.name", read_only=True)
    street = serializers.IntegerField(source="enterprise.street_id", read_only=True, allow_null=True)
    street_name = serializers.CharField(source="enterprise.street.name", read_only=True, default=None, allow_null=True)
    category_name = serializers.CharField(source="category.name", read_only=True)
    cadre_name = serializers.CharField(source="cadre.name", read_only=True, default=None, allow_null=True)
    unit = serializers.IntegerField(
        source="cadre.unit_id", read_only=True, default=None, allow_null=True,
        help_text=_("The unit of the enterprise's cadre: the unit the appeal counts for."),
    )
    unit_name = serializers.CharField(source="cadre.unit.name", read_only=True, default=None, allow_null=True)
    source_display = serializers.CharField(source="get_source_display", read_only=True)
    urgency_display = serializers.CharField(source="get_urgency_display", read_only=True)
    status_display = serializers.CharField(source="get_status_display", read_only=True)
    tier_display = serializers.CharField(source="get_tier_display", read_only=True)
    handler_cadre_name = serializers.CharField(
        source="handler_cadre.name", read_only=True, default=None, allow_null=True
    )
    handler_unit_name = serializers.CharField(source="handler_unit.name", read_only=True, default=None, allow_null=True)
    handler_label = serializers.CharField(
        read_only=True, help_text=_("Who holds the current step: the cadre, the unit, or the task force.")
    )
    overdue = serializers.BooleanField(
        read_only=True, help_text=_("Being handled and past the deadline of the current step.")
    )
    awaiting_triage = serializers.BooleanField(
        read_only=True, help_text=_("Open at the task-force tier and not yet assigned to a unit.")
    )

    class Meta:
        model = Appeal
        fields = [
            "id",
            "title",
            "enterprise",
            "enterprise_name",
            "street",
            "street_name",
            "category",
            "category_name",
            "cadre",
            "cadre_name",
            "unit",
            "unit_name",
            "source",
            "source_display",
            "urgency",
            "urgency_display",
            "status",
            "status_display",
            "tier",
            "tier_display",
            "handler_cadre",
            "handler_cadre_name",
            "handler_unit",
            "handler_unit_name",
            "handler_label",
            "deadline",
            "deadline_provisional",
            "overdue",
            "awaiting_triage",
            "press_level",
            "raised_at",
            "updated_at",
            "version",
        ]
        read_only_fields = fields
        extra_kwargs = {
            "version": {"help_text": _("Send it back as `version` with an action to be told if someone else "
                                       "changed the appeal meanwhile (409).")},
        }


class AppealDetailSerializer(AppealSerializer):
    """One appeal with its answer, the enterprise's verdict, attachments and the moves open to the viewer."""

    raised_by_name = serializers.CharField(source="raised_by.display_name", read_only=True)
    supervising_leader_name = serializers.CharField(
        source="supervising_leader.name", read_only=True, default=None, allow_null=True
    )
    # Blank until resolved / until the enterprise answers: "" is a value, so the schema's enum lists it.
    resolution_kind = serializers.ChoiceField(choices=ResolutionKind.choices, allow_blank=True, read_only=True)
    resolution_kind_display = serializers.CharField(source="get_resolution_kind_display", read_only=True)
    feedback = serializers.ChoiceField(choices=Feedback.choices, allow_blank=True, read_only=True)
    resolved_by_name = serializers.CharField(
        source="resolved_by.display_name", read_only=True, default=None, allow_null=True
    )
    resolved_tier_display = serializers.CharField(
        source="get_resolved_tier_display", read_only=True, default=None, allow_null=True
    )
    feedback_display = serializers.CharField(source="get_feedback_display", read_only=True)
    attachments = AppealAttachmentSerializer(many=True, read_only=True)
    allowed_actions = serializers.SerializerMethodField(
        help_text=_(
            "The moves the signed-in user may make now. Each is a POST to /api/v1/appeals/{id}/<action>/; "
            "“out_of_scope” is out-of-scope/ and “request_feedback” is feedback-link/."
        )
    )

    class Meta(AppealSerializer.Meta):
        fields = [
            *AppealSerializer.Meta.fields,
            "description",
            "visit",
            "raised_by",
            "raised_by_name",
            "step_started_at",
            "paused_at",
            "paused_workdays",
            "overdue_steps",
            "supervision_due",
            "supervising_leader",
            "supervising_leader_name",
            "resolution",
            "resolution_kind",
            "resolution_kind_display",
            "resolved_at",
            "resolved_by",
            "resolved_by_name",
            "resolved_tier",
            "resolved_tier_display",
            "handling_workdays",
            "handling_provisional",
            "deadline_workdays",
            "feedback",
            "feedback_display",
            "feedback_comment",
            "feedback_at",
            "closed_at",
            "attachments",
            "allowed_actions",
        ]
        read_only_fields = fields

    @extend_schema_field(serializers.ListField(child=serializers.ChoiceField(choices=list(TRANSITIONS))))
    def get_allowed_actions(self, appeal: Appeal) -> list[str]:
        request = self.context.get("request")
        return allowed_actions(request.user, appeal) if request is not None else []


class AppealEventSerializer(serializers.ModelSerializer):
    """One step of the timeline: who did what, from which state and handler to which."""

    kind_display = serializers.CharField(source="get_kind_display", read_only=True)
    actor_name = serializers.CharField(source="actor.display_name", read_only=True, default=None, allow_null=True)
    on_behalf_of_name = serializers.CharField(
        source="on_behalf_of.display_name", read_only=True, default=None, allow_null=True,
        help_text=_("Whom the actor stood in for, when acting as a substitute."),
    )
    # Blank on the event that raised the appeal (no state before it).
    from_status = serializers.ChoiceField(choices=Status.choices, allow_blank=True, read_only=True)
    from_status_display = serializers.CharField(source="get_from_status_display", read_only=True)
    to_status = serializers.ChoiceField(choices=Status.choices, allow_blank=True, read_only=True)
    to_status_display = serializers.CharField(source="get_to_status_display", read_only=True)
    from_tier_display = serializers.CharField(
        source="get_from_tier_display", read_only=True, default=None, allow_null=True
    )
    to_tier_display = serializers.CharField(source="get_to_tier_display", read_only=True, default=None, allow_null=True)
    data = serializers.DictField(read_only=True, help_text=_("Details of the step, by kind."))

    class Meta:
        model = AppealEvent
        fields = [
            "seq",
            "kind",
            "kind_display",
            "at",
            "actor",
            "actor_name",
            "on_behalf_of",
            "on_behalf_of_name",
            "actor_label",
            "from_status",
            "from_status_display",
            "to_status",
            "to_status_display",
            "from_tier",
            "from_tier_display",
            "to_tier",
            "to_tier_display",
            "from_handler",
            "to_handler",
            "deadline",
            "comment",
            "data",
        ]
        read_only_fields = fields
        extra_kwargs = {
            "actor_label": {"help_text": _("The actor's name when the step was taken (or the enterprise's "
                                           "contact, for feedback given through a link).")},
            "deadline": {"help_text": _("The deadline of the step that began here, if it left the appeal open.")},
        }


class QueueCountsSerializer(serializers.Serializer):
    total = serializers.IntegerField()
    open = serializers.IntegerField(help_text=_("Being handled or paused."))
    individual = serializers.IntegerField(help_text=_("Open at the individual tier."))
    unit = serializers.IntegerField(help_text=_("Open at the unit tier."))
    taskforce = serializers.IntegerField(help_text=_("Open at the task-force tier."))
    triage = serializers.IntegerField(help_text=_("Open at the task-force tier and not yet assigned."))
    suspended = serializers.IntegerField()
    overdue = serializers.IntegerField()
    resolved = serializers.IntegerField(help_text=_("Resolved, awaiting the enterprise's feedback."))
    closed = serializers.IntegerField()


# --- Input: raising and moving ----------------------------------------------------------------


class AppealListQuerySerializer(serializers.Serializer):
    # allow_null: an absent query parameter means "all in scope", not false.
    mine = serializers.BooleanField(
        required=False, allow_null=True,
        help_text=_("Only open appeals whose current step you (or whoever you stand in for) hold."),
    )


class AppealCreateSerializer(serializers.Serializer):
    """Raise an appeal for an enterprise: its paired cadre, or task-force staff (who start it in triage)."""

    enterprise = serializers.PrimaryKeyRelatedField(queryset=Enterprise.objects.all())
    category = serializers.PrimaryKeyRelatedField(queryset=AppealCategory.objects.all())
    title = serializers.CharField(max_length=200, allow_blank=True)
    description = serializers.CharField(allow_blank=True)
    source = serializers.ChoiceField(choices=Source.choices, default=Source.VISIT)
    urgency = serializers.ChoiceField(choices=Urgency.choices, default=Urgency.NORMAL)
    visit = serializers.PrimaryKeyRelatedField(
        queryset=Visit.objects.all(), required=False, allow_null=True, default=None,
        help_text=_("The visit on which the problem came up, if any; it must be yours, to this enterprise."),
    )
    files = serializers.ListField(
        child=serializers.FileField(), required=False, default=list,
        help_text=_("Attachments, sent as multipart/form-data."),
    )


class VersionedSerializer(serializers.Serializer):
    version = serializers.IntegerField(
        required=False, allow_null=True,
        help_text=_("The appeal's version as you last read it. If someone changed the appeal since, nothing "
                    "happens and the answer is 409."),
    )


class AppealEscalateSerializer(VersionedSerializer):
    reason = serializers.CharField(allow_blank=True, help_text=_("Why the appeal needs the next tier."))


class AppealReturnSerializer(VersionedSerializer):
    reason = serializers.CharField(allow_blank=True)
    to_tier = serializers.ChoiceField(
        choices=Tier.choices, required=False, allow_null=True,
        help_text=_("A tier below the current one; defaults to the one just below."),
    )


class AppealAssignSerializer(VersionedSerializer):
    unit = serializers.PrimaryKeyRelatedField(
        queryset=Unit.objects.all(), help_text=_("A service group, working group, department or street.")
    )
    deadline = serializers.DateField(
        required=False, allow_null=True,
        help_text=_("Give a deadline date or a number of working days; with neither, the tier's default applies."),
    )
    workdays = serializers.IntegerField(required=False, allow_null=True)
    comment = serializers.CharField(required=False, allow_blank=True, default="")


class AppealBulkAssignSerializer(serializers.Serializer):
    ids = serializers.ListField(child=serializers.IntegerField(min_value=1), min_length=1, max_length=500)
    unit = serializers.PrimaryKeyRelatedField(queryset=Unit.objects.all())
    deadline = serializers.DateField(required=False, allow_null=True)
    workdays = serializers.IntegerField(required=False, allow_null=True)
    comment = serializers.CharField(required=False, allow_blank=True, default="")


class AppealResolveSerializer(VersionedSerializer):
    resolution = serializers.CharField(allow_blank=True, help_text=_("How the appeal was resolved."))
    kind = serializers.ChoiceField(choices=ResolutionKind.choices, default=ResolutionKind.SOLVED)


class AppealSuspendSerializer(VersionedSerializer):
    reason = serializers.CharField(allow_blank=True, help_text=_("What the appeal is waiting for."))


class AppealResumeSerializer(VersionedSerializer):
    comment = serializers.CharField(required=False, allow_blank=True, default="")


class AppealPressSerializer(VersionedSerializer):
    comment = serializers.CharField(required=False, allow_blank=True, default="")
    leader = serializers.PrimaryKeyRelatedField(
        queryset=Cadre.objects.all(), required=False, allow_null=True,
        help_text=_("The supervising leader; required from the second press (the supervision notice) on."),
    )
    response_workdays = serializers.IntegerField(
        required=False, allow_null=True, min_value=1,
        help_text=_("Working days the handler has to respond to a supervision notice."),
    )


class AppealWithdrawSerializer(VersionedSerializer):
    reason = serializers.CharField(allow_blank=True)


class AppealOutOfScopeSerializer(VersionedSerializer):
    explanation = serializers.CharField(allow_blank=True)


class AppealFeedbackSerializer(VersionedSerializer):
    verdict = serializers.ChoiceField(choices=Feedback.choices)
    comment = serializers.CharField(
        required=False, allow_blank=True, default="", help_text=_("Required when unsatisfied.")
    )


class AppealReopenSerializer(VersionedSerializer):
    reason = serializers.CharField(allow_blank=True)


class AppealRecategoriseSerializer(VersionedSerializer):
    category = serializers.PrimaryKeyRelatedField(
        queryset=AppealCategory.objects.all(), help_text=_("The category the appeal belongs to; an active one.")
    )
    reason = serializers.CharField(required=False, allow_blank=True, default="")


class FeedbackLinkSerializer(serializers.Serializer):
    url = serializers.URLField(help_text=_("Single-use, expiring address for the enterprise's contact; no sign-in."))
    version = serializers.IntegerField(help_text=_("The appeal's version after the link was recorded."))


# --- Output: bulk assignment, conflicts, metrics ----------------------------------------------


class BulkAssignRowSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    handler_unit = serializers.IntegerField()
    deadline = serializers.DateField()
    version = serializers.IntegerField()


class BulkAssignResultSerializer(serializers.Serializer):
    results = BulkAssignRowSerializer(many=True)


class BulkAssignFailureSerializer(serializers.Serializer):
    detail = serializers.CharField()
    id = serializers.IntegerField(help_text=_("The appeal that could not be assigned; none was assigned."))
    code = serializers.CharField()


class ConflictSerializer(serializers.Serializer):
    detail = serializers.CharField()
    code = serializers.CharField(
        help_text=_("“illegal_transition”: the appeal's state does not allow the move; “stale_version”: someone "
                    "changed the appeal since you read it."),
    )
    version = serializers.IntegerField(required=False, help_text=_("The appeal's current version (stale_version)."))


class MetricsQuerySerializer(serializers.Serializer):
    start = serializers.DateField(
        error_messages={
            "required": _("Give the first day of the period as start=YYYY-MM-DD."),
            "invalid": _("Give dates as YYYY-MM-DD, for example 2026-06-01."),
        },
        help_text=_("First day of the period (raised on or after)."),
    )
    end = serializers.DateField(
        error_messages={
            "required": _("Give the last day of the period as end=YYYY-MM-DD."),
            "invalid": _("Give dates as YYYY-MM-DD, for example 2026-06-30."),
        },
        help_text=_("Last day of the period (raised on or before)."),
    )
    unit = serializers.PrimaryKeyRelatedField(
        queryset=Unit.objects.all(), required=False, allow_null=True,
        help_text=_("Only appeals of this unit's cadres. A unit handler always gets their own unit."),
    )
    category = serializers.PrimaryKeyRelatedField(
        queryset=AppealCategory.objects.all(), required=False, allow_null=True
    )
    handler_unit = serializers.PrimaryKeyRelatedField(queryset=Unit.objects.all(), required=False, allow_null=True)
    handler_cadre = serializers.PrimaryKeyRelatedField(queryset=Cadre.objects.all(), required=False, allow_null=True)
    group_by = serializers.ChoiceField(
        choices=list(GROUPS), required=False,
        help_text=_("Also give the figures for each unit, category, handling unit or handling cadre."),
    )

    def validate(self, attrs):
        if attrs["end"] < attrs["start"]:
            raise serializers.ValidationError({"end": [_("The period must end on or after its first day.")]})
        return attrs


class MetricsFiguresSerializer(serializers.Serializer):
    total = serializers.IntegerField(help_text=_("Appeals raised in the period."))
    counted = serializers.IntegerField(help_text=_("total less withdrawn and out of scope: the base of the rates."))
    withdrawn = serializers.IntegerField()
    out_of_scope = serializers.IntegerField()
    resolved = serializers.IntegerField(help_text=_("Now resolved or closed."))
    open = serializers.IntegerField()
    overdue = serializers.IntegerField()
    closure_rate = serializers.FloatField(allow_null=True, help_text=_("resolved / counted, 0 to 1; null if none."))
    on_time_rate = serializers.FloatField(allow_null=True, help_text=_("Resolved with no late step / resolved."))
    satisfaction = serializers.FloatField(
        allow_null=True, help_text=_("Latest verdict satisfied or basically satisfied / appeals with feedback.")
    )
    avg_handling_workdays = serializers.FloatField(
        allow_null=True, help_text=_("Mean working days from raising to resolution, paused days excluded.")
    )


class MetricsGroupSerializer(MetricsFiguresSerializer):
    key = serializers.IntegerField(allow_null=True, help_text=_("The id of the unit, category or cadre."))
    label = serializers.CharField()


class MetricsSerializer(serializers.Serializer):
    start = serializers.DateField()
    end = serializers.DateField()
    unit = serializers.IntegerField(allow_null=True)
    category = serializers.IntegerField(allow_null=True)
    handler_unit = serializers.IntegerField(allow_null=True)
    handler_cadre = serializers.IntegerField(allow_null=True)
    group_by = serializers.CharField(allow_null=True)
    overall = MetricsFiguresSerializer()
    groups = MetricsGroupSerializer(many=True, help_text=_("One row per group when group_by is given, else empty."))


# --- Substitutes and notifications ------------------------------------------------------------


class SubstitutionSerializer(serializers.ModelSerializer):
    principal_name = serializers.CharField(source="principal.display_name", read_only=True)
    substitute_name = serializers.CharField(source="substitute.display_name", read_only=True)
    is_current = serializers.SerializerMethodField(help_text=_("Whether the substitution is in force today."))

    class Meta:
        model = Substitution
        fields = [
            "id",
            "principal",
            "principal_name",
            "substitute",
            "substitute_name",
            "starts_on",
            "ends_on",
            "reason",
            "is_current",
            "created_at",
        ]
        read_only_fields = fields

    def get_is_current(self, substitution: Substitution) -> bool:
        return substitution.starts_on <= today() <= substitution.ends_on


class SubstitutionCreateSerializer(serializers.Serializer):
    """Name a substitute who acts for you, and receives your work, from starts_on to ends_on."""

    substitute = serializers.PrimaryKeyRelatedField(queryset=User.objects.all())
    starts_on = serializers.DateField()
    ends_on = serializers.DateField()
    reason = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
    principal = serializers.PrimaryKeyRelatedField(
        queryset=User.objects.all(), required=False, allow_null=True, default=None,
        help_text=_("Who is away; defaults to you. Only task-force staff may name someone else."),
    )


class NotificationSerializer(serializers.ModelSerializer):
    url = serializers.SerializerMethodField(help_text=_("The page the notification is about."))
    is_read = serializers.SerializerMethodField()

    class Meta:
        model = Notification
        fields = ["id", "kind", "title", "body", "url", "created_at", "read_at", "is_read"]
        read_only_fields = fields

    @extend_schema_field(OpenApiTypes.STR)
    def get_url(self, notification: Notification) -> str:
        if notification.url.startswith("/"):
            return _absolute(self.context.get("request"), notification.url)
        return notification.url

    def get_is_read(self, notification: Notification) -> bool:
        return notification.read_at is not None


class ReadAllSerializer(serializers.Serializer):
    marked = serializers.IntegerField(help_text=_("How many notifications were marked read."))

