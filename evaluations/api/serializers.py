"""Shapes of the evaluation API: output reads stored rows; input only checks shape."""

from __future__ import annotations

from rest_framework import serializers

from evaluations.models import Evaluation, EvaluationScore, EvaluationWeights
from evaluations.services import FIRST_YEAR, WEIGHT_FIELDS


class EvaluationSerializer(serializers.ModelSerializer):
    created_by_name = serializers.SerializerMethodField()
    weights = serializers.DictField(child=serializers.IntegerField(), read_only=True)

    class Meta:
        model = Evaluation
        fields = [
            "id",
            "year",
            "version",
            "period_end",
            "months",
            "weights",
            "reason",
            "cadre_count",
            "unit_count",
            "created_at",
            "created_by",
            "created_by_name",
        ]
        read_only_fields = fields

    def get_created_by_name(self, obj) -> str:
        return obj.created_by.display_name if obj.created_by_id else ""


class EvaluationScoreSerializer(serializers.ModelSerializer):
    class Meta:
        model = EvaluationScore
        fields = [
            "id",
            "kind",
            "rank",
            "cadre",
            "unit",
            "name",
            "unit_name",
            "score",
            "contact_score",
            "visits_score",
            "closure_score",
            "on_time_score",
            "satisfaction_score",
            "handling_score",
            "overdue_score",
            "cadres",
            "months_due",
            "months_contacted",
            "visit_count",
            "appeals",
            "resolved",
            "on_time",
            "with_feedback",
            "satisfied",
            "avg_handling_workdays",
            "overdue_appeals",
        ]
        read_only_fields = fields


class EvaluationRunSerializer(serializers.Serializer):
    year = serializers.IntegerField(min_value=FIRST_YEAR)
    recompute = serializers.BooleanField(required=False, default=False)
    reason = serializers.CharField(max_length=300, required=False, allow_blank=True, default="")


class EvaluationRunResultSerializer(serializers.Serializer):
    evaluation = serializers.IntegerField(help_text="The evaluation's id.")
    year = serializers.IntegerField()
    version = serializers.IntegerField()
    created = serializers.BooleanField(help_text="False when the year had been evaluated already.")
    cadres = serializers.IntegerField()
    units = serializers.IntegerField()


class EvaluationWeightsSerializer(serializers.ModelSerializer):
    updated_by_name = serializers.SerializerMethodField()

    class Meta:
        model = EvaluationWeights
        fields = [*WEIGHT_FIELDS, "updated_at", "updated_by", "updated_by_name"]
        read_only_fields = ["updated_at", "updated_by", "updated_by_name"]
        # A PUT states every weight and target: a missing one is an error, not its default.
        extra_kwargs = {name: {"required": True} for name in WEIGHT_FIELDS}
        # The sum rule is checked by the service, with the model's message.
        validators = []

    def get_updated_by_name(self, obj) -> str:
        return obj.updated_by.display_name if obj.updated_by_id else ""
