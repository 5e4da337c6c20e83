"""Shapes of the API's input and output. Serializers only check shape; the services decide.

Output serializers read rows that the selectors have already joined (`select_related`,
`prefetch_related`), so that no field here issues a query per row.
"""

from __future__ import annotations

import re
from datetime import date, datetime

from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from enterprises.industries import label as industry_label
from enterprises.models import Enterprise
from enterprises.validators import normalize_credit_code
from liaison import permissions
from liaison.models import Assignment, Cadre, Role, Unit, Visit, VisitAttachment, VisitMethod
from liaison.selectors import ContactStatus, contact_status_of

# --- Units, cadres, enterprises ---------------------------------------------------------------


class UnitSerializer(serializers.ModelSerializer):
    kind_display = serializers.CharField(source="get_kind_display", read_only=True)
    parent_name = serializers.CharField(source="parent.name", read_only=True, default=None, allow_null=True)

    class Meta:
        model = Unit
        fields = ["id", "name", "kind", "kind_display", "parent", "parent_name", "function"]


class CadreSerializer(serializers.ModelSerializer):
    unit_name = serializers.CharField(source="unit.name", read_only=True)
    rank_display = serializers.CharField(source="get_rank_display", read_only=True)
    category_display = serializers.CharField(source="get_category_display", read_only=True)
    username = serializers.CharField(source="user.username", read_only=True, default=None, allow_null=True)

    class Meta:
        model = Cadre
        fields = [
            "id",
            "name",
            "unit",
            "unit_name",
            "rank",
            "rank_display",
            "category",
            "category_display",
            "position",
            "phone",
            "active",
            "user",
            "username",
        ]
        extra_kwargs = {"user": {"help_text": _("The login of the cadre, if they have one.")}}


class EnterpriseSerializer(serializers.ModelSerializer):
    is_paired = serializers.BooleanField(
        read_only=True, help_text=_("Whether the enterprise has an active pairing with a cadre.")
    )
    industry_label = serializers.SerializerMethodField(help_text=_("Industry section and division, with names."))
    industry_section_display = serializers.CharField(source="get_industry_section_display", read_only=True)
    industry_division_display = serializers.CharField(source="get_industry_division_display", read_only=True)
    ownership_display = serializers.CharField(source="get_ownership_display", read_only=True)
    status_display = serializers.CharField(source="get_status_display", read_only=True)
    street_name = serializers.CharField(source="street.name", read_only=True, default=None, allow_null=True)

    class Meta:
        model = Enterprise
        fields = [
            "id",
            "name",
            "credit_code",
            "industry_section",
            "industry_section_display",
            "industry_division",
            "industry_division_display",
            "industry_label",
            "above_scale",
            "ownership",
            "ownership_display",
            "high_tech",
            "street",
            "street_name",
            "address",
            "legal_representative",
            "contact_name",
            "contact_phone",
            "employees",
            "annual_revenue",
            "founded_on",
            "status",
            "status_display",
            "is_paired",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["created_at", "updated_at"]

    def get_industry_label(self, enterprise: Enterprise) -> str:
        return industry_label(enterprise.industry_section, enterprise.industry_division)

    def validate_credit_code(self, value: str) -> str:
        # The model's validator already accepts lower case; store the canonical upper-case form.
        return normalize_credit_code(value)

    def to_representation(self, enterprise: Enterprise) -> dict:
        """The fields above, read straight off the row (as VisitSerializer does): for a page of 50 the
        field-by-field walk cost three times the page's own query. A test holds it equal to DRF's output."""
        street = enterprise.street
        return {
            "id": enterprise.pk,
            "name": enterprise.name,
            "credit_code": enterprise.credit_code,
            "industry_section": enterprise.industry_section,
            "industry_section_display": str(enterprise.get_industry_section_display()),
            "industry_division": enterprise.industry_division,
            "industry_division_display": str(enterprise.get_industry_division_display()),
            "industry_label": industry_label(enterprise.industry_section, enterprise.industry_division),
            "above_scale": enterprise.above_scale,
            "ownership": enterprise.ownership,
            "ownership_display": str(enterprise.get_ownership_display()),
            "high_tech": enterprise.high_tech,
            "street": enterprise.street_id,
            "street_name": street.name if street is not None else None,
            "address": enterprise.address,
            "legal_representative": enterprise.legal_representative,
            "contact_name": enterprise.contact_name,
            "contact_phone": enterprise.contact_phone,
            "employees": enterprise.employees,
            "annual_revenue": _REVENUE.to_representation(enterprise.annual_revenue)
            if enterprise.annual_revenue is not None else None,
            "founded_on": enterprise.founded_on.isoformat() if enterprise.founded_on is not None else None,
            "status": enterprise.status,
            "status_display": str(enterprise.get_status_display()),
            "is_paired": enterprise.is_paired,
            "created_at": _iso_datetime(enterprise.created_at),
            "updated_at": _iso_datetime(enterprise.updated_at),
        }


# As the model serializer builds it for Enterprise.annual_revenue (max_digits=14, decimal_places=2).
_REVENUE = serializers.DecimalField(max_digits=14, decimal_places=2)


# --- Pairings ---------------------------------------------------------------------------------


class AssignmentSerializer(serializers.ModelSerializer):
    cadre_name = serializers.CharField(source="cadre.name", read_only=True)
    unit = serializers.IntegerField(source="cadre.unit_id", read_only=True)
    unit_name = serializers.CharField(source="cadre.unit.name", read_only=True)
    enterprise_name = serializers.CharField(source="enterprise.name", read_only=True)
    enterprise_credit_code = serializers.CharField(source="enterprise.credit_code", read_only=True)
    is_active = serializers.BooleanField(read_only=True)

    class Meta:
        model = Assignment
        fields = [
            "id",
            "cadre",
            "cadre_name",
            "unit",
            "unit_name",
            "enterprise",
            "enterprise_name",
            "enterprise_credit_code",
            "started_on",
            "ended_on",
            "is_active",
            "reason",
            "end_reason",
            "created_at",
        ]
        read_only_fields = fields


class AssignmentPairSerializer(serializers.Serializer):
    """Pair a cadre with an enterprise. Any active pairing of either is ended (re-pairing)."""

    cadre = serializers.PrimaryKeyRelatedField(queryset=Cadre.objects.all())
    enterprise = serializers.PrimaryKeyRelatedField(queryset=Enterprise.objects.all())
    reason = serializers.CharField(
        max_length=200,
        required=False,
        allow_blank=True,
        default="",
        help_text=_("Why this pairing; required when it replaces an active pairing."),
    )
    started_on = serializers.DateField(
        required=False, allow_null=True, default=None, help_text=_("Defaults to today.")
    )


class AssignmentEndSerializer(serializers.Serializer):
    reason = serializers.CharField(
        max_length=200, required=False, allow_blank=True, default="", help_text=_("Why the pairing ends (required).")
    )
    ended_on = serializers.DateField(required=False, allow_null=True, default=None, help_text=_("Defaults to today."))


# --- Visits -----------------------------------------------------------------------------------


def attachment_download_url(request, attachment_id: int) -> str:
    """Attachments are served by the browser site's permission-checked download view."""
    path = reverse("visit-attachment", args=[attachment_id])
    return request.build_absolute_uri(path) if request is not None else path


class VisitAttachmentSerializer(serializers.ModelSerializer):
    url = serializers.SerializerMethodField(help_text=_("Download address; needs the same sign-in."))

    class Meta:
        model = VisitAttachment
        fields = ["id", "name", "size", "content_type", "uploaded_at", "url"]
        read_only_fields = fields

    @extend_schema_field(OpenApiTypes.URI)
    def get_url(self, attachment: VisitAttachment) -> str:
        return attachment_download_url(self.context.get("request"), attachment.pk)


class VisitSerializer(serializers.ModelSerializer):
    cadre_name = serializers.CharField(source="cadre.name", read_only=True)
    unit = serializers.IntegerField(source="cadre.unit_id", read_only=True)
    unit_name = serializers.CharField(source="cadre.unit.name", read_only=True)
    enterprise_name = serializers.CharField(source="enterprise.name", read_only=True)
    method_display = serializers.CharField(source="get_method_display", read_only=True)
    attachments = VisitAttachmentSerializer(many=True, read_only=True)
    can_edit = serializers.SerializerMethodField(help_text=_("Whether the signed-in user may change this visit."))

    class Meta:
        model = Visit
        fields = [
            "id",
            "cadre",
            "cadre_name",
            "unit",
            "unit_name",
            "enterprise",
            "enterprise_name",
            "assignment",
            "date",
            "method",
            "method_display",
            "people_met",
            "summary",
            "issues_raised",
            "attachments",
            "can_edit",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields

    def get_can_edit(self, visit: Visit) -> bool:
        request = self.context.get("request")
        return request is not None and permissions.can_edit_visit(request.user, visit)

    def to_representation(self, visit: Visit) -> dict:
        """The fields above, read straight off the joined row: DRF's field-by-field walk cost more than
        the query on a page of visits (and building the fields, which is not done here). A test holds it
        equal to DRF's own output."""
        request = self.context.get("request")
        cadre = visit.cadre
        return {
            "id": visit.pk,
            "cadre": visit.cadre_id,
            "cadre_name": cadre.name,
            "unit": cadre.unit_id,
            "unit_name": cadre.unit.name,
            "enterprise": visit.enterprise_id,
            "enterprise_name": visit.enterprise.name,
            "assignment": visit.assignment_id,
            "date": visit.date.isoformat(),
            "method": visit.method,
            "method_display": visit.get_method_display(),
            "people_met": visit.people_met,
            "summary": visit.summary,
            "issues_raised": visit.issues_raised,
            "attachments": [_attachment(a, request) for a in visit.attachments.all()],
            "can_edit": request is not None and permissions.can_edit_visit(request.user, visit),
            "created_at": _iso_datetime(visit.created_at),
            "updated_at": _iso_datetime(visit.updated_at),
        }


def _iso_datetime(value: datetime) -> str:
    """As DRF's DateTimeField writes it: in the current time zone, ISO 8601, UTC as Z."""
    text = timezone.localtime(value).isoformat()
    return text[:-6] + "Z" if text.endswith("+00:00") else text


def _attachment(attachment: VisitAttachment, request) -> dict:
    return {
        "id": attachment.pk,
        "name": attachment.name,
        "size": attachment.size,
        "content_type": attachment.content_type,
        "uploaded_at": _iso_datetime(attachment.uploaded_at),
        "url": attachment_download_url(request, attachment.pk),
    }


class AttachmentUploadSerializer(serializers.Serializer):
    files = serializers.ListField(
        child=serializers.FileField(),
        min_length=1,
        help_text=_("Photos or documents (jpg, png, gif, webp, pdf, doc, docx, xls, xlsx)."),
    )


class VisitWithdrawSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=200, help_text=_("Why the visit is withdrawn."))


class VisitCreateSerializer(serializers.Serializer):
    """Log a visit to the enterprise the signed-in cadre is actively paired with."""

    enterprise = serializers.PrimaryKeyRelatedField(queryset=Enterprise.objects.all())
    date = serializers.DateField()
    method = serializers.ChoiceField(choices=VisitMethod.choices, default=VisitMethod.ON_SITE)
    people_met = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
    summary = serializers.CharField()
    issues_raised = serializers.CharField(required=False, allow_blank=True, default="")
    files = serializers.ListField(
        child=serializers.FileField(),
        required=False,
        default=list,
        help_text=_("Attachments, sent as multipart/form-data."),
    )


class VisitUpdateSerializer(serializers.Serializer):
    """Correct a visit's record; send only the fields that change."""

    date = serializers.DateField(required=False)
    method = serializers.ChoiceField(choices=VisitMethod.choices, required=False)
    people_met = serializers.CharField(max_length=200, required=False, allow_blank=True)
    summary = serializers.CharField(required=False)
    issues_raised = serializers.CharField(required=False, allow_blank=True)


# --- Monthly contact compliance ---------------------------------------------------------------

MONTH_RE = re.compile(r"^(\d{4})-(\d{2})$")


def parse_month(value: str) -> date:
    """`YYYY-MM` to the first day of that month; raises a ValidationError keyed on `month`."""
    match = MONTH_RE.match((value or "").strip())
    if match:
        year, month = int(match.group(1)), int(match.group(2))
        if 2000 <= year <= 2100 and 1 <= month <= 12:
            return date(year, month, 1)
    raise serializers.ValidationError(
        {"month": [_("Give the month as YYYY-MM, for example 2024-03; got “%(value)s”.") % {"value": value}]}
    )


class MonthQuerySerializer(serializers.Serializer):
    month = serializers.CharField(
        required=False, allow_blank=True, help_text=_("The month as YYYY-MM; defaults to the current month.")
    )


class ContactQuerySerializer(MonthQuerySerializer):
    # allow_null: an absent query parameter means "both", not false (DRF's default for HTML input).
    contacted = serializers.BooleanField(
        required=False, allow_null=True, help_text=_("Only pairings contacted (true) or not (false).")
    )


class ComplianceRowSerializer(serializers.Serializer):
    unit = serializers.IntegerField(source="unit_id")
    unit_name = serializers.CharField()
    due = serializers.IntegerField(help_text=_("Pairings due for contact in the month."))
    contacted = serializers.IntegerField(help_text=_("Of those, pairings with at least one visit in the month."))
    missing = serializers.IntegerField()
    rate = serializers.FloatField(allow_null=True, help_text=_("contacted / due, 0 to 1; null when nothing is due."))


class ComplianceTotalSerializer(serializers.Serializer):
    due = serializers.IntegerField()
    contacted = serializers.IntegerField()
    missing = serializers.IntegerField()
    rate = serializers.FloatField(allow_null=True)


class ComplianceSerializer(serializers.Serializer):
    month = serializers.CharField(help_text=_("YYYY-MM"))
    overall = ComplianceTotalSerializer()
    units = ComplianceRowSerializer(many=True)


class PairingContactSerializer(AssignmentSerializer):
    """A pairing due for contact in the month, and whether it was contacted."""

    contacted = serializers.BooleanField(read_only=True)
    contact_status = serializers.SerializerMethodField()

    class Meta(AssignmentSerializer.Meta):
        fields = [*AssignmentSerializer.Meta.fields, "contacted", "contact_status"]
        read_only_fields = fields

    @extend_schema_field(
        serializers.ChoiceField(choices=[ContactStatus.CONTACTED, ContactStatus.PENDING, ContactStatus.MISSED])
    )
    def get_contact_status(self, assignment: Assignment) -> str:
        return contact_status_of(assignment.contacted, self.context["month"])


# --- The signed-in user -----------------------------------------------------------------------


class UnitRefSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()


class MeSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    username = serializers.CharField()
    display_name = serializers.CharField()
    role = serializers.ChoiceField(choices=Role.choices)
    role_display = serializers.CharField()
    unit = UnitRefSerializer(allow_null=True, help_text=_("The user's unit: the one they handle, else their cadre's."))
    handled_unit = serializers.IntegerField(
        allow_null=True, help_text=_("For unit handlers: the unit whose cadres, pairings and visits they see.")
    )
    cadre = CadreSerializer(allow_null=True)
    active_pairing = AssignmentSerializer(allow_null=True)
    can_manage_roster = serializers.BooleanField()
    sees_everything = serializers.BooleanField()
