"""Shapes of the matching API. Output reads rows the selectors have joined; input only checks shape."""

from __future__ import annotations

from rest_framework import serializers

from enterprises.industries import SECTION_CHOICES
from liaison.models import Unit, UnitKind
from matching.models import Proposal, ProposalLeftover, ProposalPair, Scope


class ProposalSerializer(serializers.ModelSerializer):
    street_name = serializers.CharField(source="street.name", read_only=True, allow_null=True, default=None)
    gap = serializers.DecimalField(
        max_digits=14,
        decimal_places=2,
        read_only=True,
        allow_null=True,
        help_text="Total fit the split into blocks gave up against the best it could check (best_bound).",
    )
    pair_count = serializers.IntegerField(read_only=True)
    accepted_count = serializers.IntegerField(read_only=True)
    weights = serializers.SerializerMethodField()

    class Meta:
        model = Proposal
        fields = [
            "id",
            "scope",
            "street",
            "street_name",
            "section",
            "above_scale_only",
            "status",
            "enterprise_count",
            "cadre_count",
            "blocks_total",
            "blocks_done",
            "total_score",
            "best_bound",
            "bound_is_exact",
            "gap",
            "pair_count",
            "accepted_count",
            "weights",
            "error",
            "elapsed_ms",
            "created_at",
            "finished_at",
        ]
        read_only_fields = fields

    def get_weights(self, obj) -> dict[str, int]:
        return obj.settings_snapshot.get("weights", {})


class ProposalPairSerializer(serializers.ModelSerializer):
    cadre_name = serializers.CharField(source="cadre.name", read_only=True)
    cadre_unit = serializers.CharField(source="cadre.unit.name", read_only=True)
    enterprise_name = serializers.CharField(source="enterprise.name", read_only=True)
    breakdown = serializers.DictField(
        child=serializers.FloatField(), help_text="Points per factor; they add up to the score."
    )

    class Meta:
        model = ProposalPair
        fields = [
            "id",
            "cadre",
            "cadre_name",
            "cadre_unit",
            "enterprise",
            "enterprise_name",
            "score",
            "breakdown",
            "accepted_at",
            "assignment",
            "failure",
        ]
        read_only_fields = fields


class ProposalLeftoverSerializer(serializers.ModelSerializer):
    class Meta:
        model = ProposalLeftover
        fields = ["side", "cadre", "enterprise", "reason"]
        read_only_fields = fields


class ProposalCreateSerializer(serializers.Serializer):
    scope = serializers.ChoiceField(choices=Scope.choices, default=Scope.ALL)
    street = serializers.PrimaryKeyRelatedField(
        queryset=Unit.objects.filter(kind=UnitKind.STREET), required=False, allow_null=True, default=None
    )
    section = serializers.ChoiceField(choices=SECTION_CHOICES, required=False, allow_blank=True, default="")
    above_scale_only = serializers.BooleanField(default=True)


class ProposalAcceptSerializer(serializers.Serializer):
    pairs = serializers.ListField(
        child=serializers.IntegerField(), required=False, help_text="Ids of the pairs to accept."
    )
    all = serializers.BooleanField(default=False, help_text="Accept every open pair of the proposal.")

    def validate(self, attrs):
        if not attrs.get("all") and not attrs.get("pairs"):
            raise serializers.ValidationError("Give the pairs to accept, or all: true.")
        return attrs


class ProposalAcceptResultSerializer(serializers.Serializer):
    accepted = ProposalPairSerializer(many=True)
    failed = ProposalPairSerializer(many=True)
