"""Shapes of the policies API's input and output. Serializers only check shape; the services decide.

Output serializers read rows the API's selectors have already joined (category, rule groups with
their streets, a delivery's policy, enterprise and cadre), so that no field issues a query per row.
"""

from __future__ import annotations

from django.conf import settings
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from enterprises.industries import DIVISION_CHOICES, SECTION_CHOICES
from enterprises.industries import label as industry_label
from enterprises.models import Enterprise, Ownership
from liaison.models import Unit, UnitKind
from policies import eligibility, services
from policies.models import Delivery, DeliveryStatus, Policy, PolicyCategory, RuleGroup


def _absolute(request, path: str) -> str:
    """The public pages are for phones: the portal's public address when one is set, else the request's."""
    base = settings.PUBLIC_BASE_URL.rstrip("/")
    if base:
        return f"{base}{path}"
    return request.build_absolute_uri(path) if request is not None else path


# --- The catalogue ----------------------------------------------------------------------------


class PolicyCategorySerializer(serializers.ModelSerializer):
    class Meta:
        model = PolicyCategory
        fields = ["id", "code", "name", "order"]
        read_only_fields = fields


class RuleGroupSerializer(serializers.ModelSerializer):
    """One way of qualifying: every condition set holds (AND); a policy's groups are alternatives (OR).

    An empty or null field sets no condition. Send `id` to change one of the policy's groups.
    """

    id = serializers.IntegerField(required=False, help_text=_("Omit to add a group; give it to change one."))
    industry_sections = serializers.ListField(
        child=serializers.ChoiceField(choices=SECTION_CHOICES), required=False, default=list,
        help_text=_("GB/T 4754 section letters; the enterprise's section or division must be listed."),
    )
    industry_divisions = serializers.ListField(
        child=serializers.ChoiceField(choices=DIVISION_CHOICES), required=False, default=list,
        help_text=_("GB/T 4754 two-digit divisions."),
    )
    ownerships = serializers.ListField(
        child=serializers.ChoiceField(choices=Ownership.choices), required=False, default=list
    )
    streets = serializers.PrimaryKeyRelatedField(
        queryset=Unit.objects.filter(kind=UnitKind.STREET), many=True, required=False,
        help_text=_("Street offices; the enterprise must be on one of them."),
    )
    street_names = serializers.SerializerMethodField()
    conditions = serializers.SerializerMethodField(help_text=_("The conditions set, in words."))

    class Meta:
        model = RuleGroup
        fields = [
            "id",
            "name",
            "above_scale",
            "high_tech",
            "industry_sections",
            "industry_divisions",
            "ownerships",
            "streets",
            "street_names",
            "employees_min",
            "employees_max",
            "revenue_min",
            "revenue_max",
            "founded_year_min",
            "founded_year_max",
            "conditions",
        ]

    def get_street_names(self, group: RuleGroup) -> list[str]:
        return [street.name for street in group.streets.all()]

    @extend_schema_field(serializers.ListField(child=serializers.CharField()))
    def get_conditions(self, group: RuleGroup) -> list[str]:
        return [
            f"{condition.label()}: {condition.required(group)}"
            for condition in eligibility.CONDITIONS
            if condition.sets(group)
        ]


class PolicySerializer(serializers.ModelSerializer):
    """A measure as the catalogue lists it."""

    category_name = serializers.CharField(source="category.name", read_only=True)
    category_code = serializers.CharField(source="category.code", read_only=True)
    status_display = serializers.CharField(source="get_status_display", read_only=True)
    is_expired = serializers.BooleanField(
        read_only=True, help_text=_("Expired by status, or past its end date whatever the status.")
    )
    tags = serializers.ListField(source="tag_list", child=serializers.CharField(), read_only=True)
    rule_group_count = serializers.IntegerField(
        read_only=True, help_text=_("Structured eligibility rule groups; with none, no enterprise is matched.")
    )
    public_url = serializers.SerializerMethodField(help_text=_("The public page (掌中宝), no sign-in."))
    qr_url = serializers.SerializerMethodField(help_text=_("The page's QR code as SVG, no sign-in."))

    class Meta:
        model = Policy
        fields = [
            "id",
            "title",
            "doc_number",
            "issuer",
            "category",
            "category_code",
            "category_name",
            "summary",
            "effective_from",
            "effective_to",
            "status",
            "status_display",
            "is_expired",
            "no_application",
            "direct_delivery",
            "tags",
            "rule_group_count",
            "published_at",
            "updated_at",
            "public_url",
            "qr_url",
        ]
        read_only_fields = fields

    @extend_schema_field(OpenApiTypes.URI)
    def get_public_url(self, policy: Policy) -> str:
        return _absolute(self.context.get("request"), reverse("policy-public", args=[policy.pk]))

    @extend_schema_field(OpenApiTypes.URI)
    def get_qr_url(self, policy: Policy) -> str:
        return _absolute(self.context.get("request"), reverse("policy-qr-svg", args=[policy.pk]))


class PolicyDetailSerializer(PolicySerializer):
    """A measure in full, with its eligibility rule groups."""

    rule_groups = RuleGroupSerializer(many=True, read_only=True)
    can_edit = serializers.SerializerMethodField(help_text=_("Whether you may change the catalogue."))

    class Meta(PolicySerializer.Meta):
        fields = [
            *PolicySerializer.Meta.fields,
            "full_text",
            "eligibility_text",
            "benefit",
            "how_to_apply",
            "contact",
            "created_at",
            "rule_groups",
            "can_edit",
        ]
        read_only_fields = fields

    def get_can_edit(self, policy: Policy) -> bool:
        request = self.context.get("request")
        return request is not None and services.can_edit_policies(request.user)


class PolicyWriteSerializer(serializers.ModelSerializer):
    """Create or change a measure (task force). `rule_groups`, when sent, become the policy's groups:
    entries with an `id` change that group, entries without add one, groups left out are deleted.
    Leave `rule_groups` out to keep the groups as they are. All is saved, or nothing."""

    tags = serializers.ListField(
        child=serializers.CharField(max_length=50), required=False,
        help_text=_("Keywords; stored comma-separated (200 characters in all)."),
    )
    rule_groups = RuleGroupSerializer(many=True, required=False)

    class Meta:
        model = Policy
        fields = [
            "title",
            "doc_number",
            "issuer",
            "category",
            "summary",
            "full_text",
            "eligibility_text",
            "benefit",
            "how_to_apply",
            "contact",
            "effective_from",
            "effective_to",
            "status",
            "no_application",
            "direct_delivery",
            "tags",
            "rule_groups",
        ]

    def validate_tags(self, value: list[str]) -> str:
        return ",".join(tag.strip() for tag in value if tag.strip())


# --- Eligibility ------------------------------------------------------------------------------


class EligibleEnterpriseSerializer(serializers.ModelSerializer):
    industry_label = serializers.SerializerMethodField()
    street_name = serializers.CharField(source="street.name", read_only=True, default=None, allow_null=True)
    cadre = serializers.IntegerField(
        source="current_cadre_id", read_only=True, allow_null=True, help_text=_("The paired cadre, if any.")
    )
    cadre_name = serializers.CharField(source="current_cadre_name", read_only=True, allow_null=True)

    class Meta:
        model = Enterprise
        fields = [
            "id",
            "name",
            "credit_code",
            "industry_section",
            "industry_division",
            "industry_label",
            "above_scale",
            "high_tech",
            "ownership",
            "street",
            "street_name",
            "employees",
            "annual_revenue",
            "founded_on",
            "cadre",
            "cadre_name",
        ]
        read_only_fields = fields

    def get_industry_label(self, enterprise: Enterprise) -> str:
        return industry_label(enterprise.industry_section, enterprise.industry_division)


class ConditionResultSerializer(serializers.Serializer):
    label = serializers.CharField()
    required = serializers.CharField(help_text=_("What the rule asks for."))
    actual = serializers.CharField(help_text=_("What the enterprise's record says."))
    outcome = serializers.ChoiceField(
        choices=[eligibility.PASS, eligibility.FAIL, eligibility.MISSING],
        help_text=_("“missing”: the enterprise's record lacks what the condition needs."),
    )


class GroupResultSerializer(serializers.Serializer):
    id = serializers.IntegerField(source="group.pk")
    name = serializers.CharField(source="group.name")
    held = serializers.BooleanField(help_text=_("Every condition of the group holds."))
    conditions = ConditionResultSerializer(many=True)


class VerdictSerializer(serializers.Serializer):
    policy = serializers.IntegerField(source="policy.pk")
    policy_title = serializers.CharField(source="policy.title")
    enterprise = serializers.IntegerField(source="enterprise.pk")
    enterprise_name = serializers.CharField(source="enterprise.name")
    eligible = serializers.BooleanField(help_text=_("At least one rule group holds."))
    has_rules = serializers.BooleanField(help_text=_("Without rule groups no enterprise is eligible."))
    groups = GroupResultSerializer(many=True)


class EligiblePolicySerializer(PolicySerializer):
    """A measure in force that the enterprise qualifies for, and why, group by group."""

    explanation = serializers.SerializerMethodField()

    class Meta(PolicySerializer.Meta):
        fields = [*PolicySerializer.Meta.fields, "benefit", "how_to_apply", "contact", "explanation"]
        read_only_fields = fields

    @extend_schema_field(GroupResultSerializer(many=True))
    def get_explanation(self, policy: Policy) -> list[dict]:
        verdict = self.context["verdicts"][policy.pk]
        return GroupResultSerializer(verdict.groups, many=True).data


class GenerateDeliveriesSerializer(serializers.Serializer):
    eligible = serializers.IntegerField(help_text=_("Eligible enterprises now on the beneficiary list."))
    created = serializers.IntegerField(help_text=_("Deliveries added by this run."))
    already = serializers.IntegerField(help_text=_("Deliveries that existed before this run."))
    without_cadre = serializers.IntegerField(help_text=_("Added deliveries whose enterprise has no paired cadre."))


# --- Deliveries (免申即享 / 直达快享) ---------------------------------------------------------


class DeliverySerializer(serializers.ModelSerializer):
    policy_title = serializers.CharField(source="policy.title", read_only=True)
    enterprise_name = serializers.CharField(source="enterprise.name", read_only=True)
    cadre_name = serializers.CharField(source="cadre.name", read_only=True, default=None, allow_null=True)
    unit = serializers.IntegerField(source="cadre.unit_id", read_only=True, default=None, allow_null=True)
    unit_name = serializers.CharField(source="cadre.unit.name", read_only=True, default=None, allow_null=True)
    status_display = serializers.CharField(source="get_status_display", read_only=True)
    can_update = serializers.SerializerMethodField(help_text=_("Whether you may report progress on it."))

    class Meta:
        model = Delivery
        fields = [
            "id",
            "policy",
            "policy_title",
            "enterprise",
            "enterprise_name",
            "cadre",
            "cadre_name",
            "unit",
            "unit_name",
            "status",
            "status_display",
            "note",
            "visit",
            "can_update",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields

    def get_can_update(self, delivery: Delivery) -> bool:
        request = self.context.get("request")
        return request is not None and services.can_update_delivery(request.user, delivery)


class DeliveryUpdateSerializer(serializers.Serializer):
    status = serializers.ChoiceField(choices=DeliveryStatus.choices)
    note = serializers.CharField(
        max_length=300, required=False, allow_blank=True, default="",
        help_text=_("Required when the enterprise declined: say why."),
    )

