"""Shapes of the meetings API. Output reads rows the selectors have joined; input only checks shape."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from liaison.models import Cadre
from meetings.models import Countermeasure, Meeting, MeetingEnterprise, MeetingIssue, MeetingKind


class MeetingEnterpriseSerializer(serializers.ModelSerializer):
    enterprise_name = serializers.CharField(source="enterprise.name", read_only=True)

    class Meta:
        model = MeetingEnterprise
        fields = ["id", "enterprise", "enterprise_name", "representative", "position"]
        read_only_fields = fields


class MeetingIssueSerializer(serializers.ModelSerializer):
    enterprise_name = serializers.CharField(source="enterprise.name", read_only=True)
    category_name = serializers.CharField(source="category.name", read_only=True)

    class Meta:
        model = MeetingIssue
        fields = ["id", "enterprise", "enterprise_name", "title", "description", "category", "category_name", "appeal"]
        read_only_fields = fields


class CountermeasureSerializer(serializers.ModelSerializer):
    class Meta:
        model = Countermeasure
        fields = ["id", "text", "status", "policies"]
        read_only_fields = fields


class MeetingSerializer(serializers.ModelSerializer):
    chair_name = serializers.CharField(source="chair.name", read_only=True, allow_null=True, default=None)
    invitations = MeetingEnterpriseSerializer(many=True, read_only=True)
    issues = MeetingIssueSerializer(many=True, read_only=True)
    countermeasures = CountermeasureSerializer(many=True, read_only=True)

    class Meta:
        model = Meeting
        fields = [
            "id",
            "kind",
            "title",
            "date",
            "place",
            "chair",
            "chair_name",
            "participants",
            "notes",
            "invitations",
            "issues",
            "countermeasures",
        ]
        read_only_fields = fields


class MeetingCreateSerializer(serializers.Serializer):
    title = serializers.CharField(max_length=200)
    kind = serializers.ChoiceField(choices=MeetingKind.choices)
    date = serializers.DateField()
    place = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
    chair = serializers.PrimaryKeyRelatedField(queryset=Cadre.objects.all(), required=False, allow_null=True)
    participants = serializers.PrimaryKeyRelatedField(queryset=Cadre.objects.all(), many=True, required=False)
    notes = serializers.CharField(required=False, allow_blank=True, default="")


class IssuesToAppealsSerializer(serializers.Serializer):
    converted = serializers.IntegerField(help_text="How many issues became appeals in this call.")
    appeals = serializers.ListField(child=serializers.IntegerField(), help_text="The new appeals' ids.")


class MeetingWithdrawSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=200, help_text=_("Why the meeting is withdrawn."))
