"""Policy push over REST: the funnels (per policy, per unit), a cadre's pushes, and marking one told."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema, extend_schema_serializer
from rest_framework import serializers
from rest_framework.exceptions import NotFound, PermissionDenied
from rest_framework.generics import GenericAPIView
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response

from liaison.models import Unit
from outreach import permissions, selectors, services
from outreach.models import PolicyPush
from policies.models import Policy, PolicyStatus


class StageSerializer(serializers.Serializer):
    key = serializers.ChoiceField(choices=selectors.STAGES)
    count = serializers.IntegerField()
    share = serializers.FloatField(allow_null=True, help_text=_("Of the eligible enterprises."))
    median_workdays = serializers.FloatField(allow_null=True, help_text=_("Median working days of the step."))


class FunnelSerializer(serializers.Serializer):
    eligible = serializers.IntegerField()
    pushed = serializers.IntegerField()
    read = serializers.IntegerField()
    told = serializers.IntegerField()
    done = serializers.IntegerField()
    stages = StageSerializer(many=True, source="stages_list")


def _funnel(funnel) -> dict:
    return {**{key: getattr(funnel, key) for key in selectors.STAGES}, "stages_list": funnel.stages()}


@extend_schema_serializer(component_name="PushFunnelUnitRow")  # not the bulletin's UnitRow
class UnitRowSerializer(serializers.Serializer):
    unit = serializers.IntegerField(source="unit_id")
    unit_name = serializers.CharField(source="unit")
    funnel = FunnelSerializer()


class PolicyFunnelSerializer(serializers.Serializer):
    policy = serializers.IntegerField(source="policy.pk")
    title = serializers.CharField(source="policy.title")
    without_cadre = serializers.IntegerField()
    total = FunnelSerializer()
    units = UnitRowSerializer(many=True)


class PolicyRowSerializer(serializers.Serializer):
    policy = serializers.IntegerField(source="policy.pk")
    title = serializers.CharField(source="policy.title")
    funnel = FunnelSerializer()


class UnitFunnelSerializer(serializers.Serializer):
    unit = serializers.IntegerField(source="unit.pk")
    unit_name = serializers.CharField(source="unit.name")
    total = FunnelSerializer()
    policies = PolicyRowSerializer(many=True)


class PushSerializer(serializers.ModelSerializer):
    policy_title = serializers.CharField(source="policy.title")
    enterprise_name = serializers.CharField(source="enterprise.name")
    delivered_at = serializers.DateTimeField(allow_null=True, read_only=True)
    delivery = serializers.IntegerField(source="delivery_id", allow_null=True, read_only=True)

    class Meta:
        model = PolicyPush
        fields = ["id", "policy", "policy_title", "enterprise", "enterprise_name", "pushed_at", "read_at", "told_at",
                  "told_via", "applied_at", "delivery", "delivered_at"]


class PolicyFunnelView(GenericAPIView):
    permission_classes = [IsAuthenticated]
    pagination_class = None

    @extend_schema(operation_id="outreach_policy_funnel", summary=_("A policy's push funnel"),
                   description=_("Eligible → pushed → read → told → applied or delivered, for the whole "
                                 "campaign and each unit, with the median working days of each step."),
                   responses={200: PolicyFunnelSerializer})
    def get(self, request, pk: int):
        if not permissions.can_view_policy_funnel(request.user):
            raise PermissionDenied(_("Only task-force staff and leaders see a policy's funnel across units."))
        policy = get_object_or_404(Policy.objects.exclude(status=PolicyStatus.DRAFT), pk=pk)
        data = selectors.policy_funnel(policy=policy)
        data["total"] = _funnel(data["total"])
        data["units"] = [{**row, "funnel": _funnel(row["funnel"])} for row in data["units"]]
        return Response(PolicyFunnelSerializer(data).data)


class UnitFunnelView(GenericAPIView):
    permission_classes = [IsAuthenticated]
    pagination_class = None

    @extend_schema(operation_id="outreach_unit_funnel", summary=_("A unit's push funnel"),
                   description=_("The funnel of the policies pushed to the unit's cadres, in total and per policy."),
                   responses={200: UnitFunnelSerializer})
    def get(self, request, pk: int):
        if not permissions.can_view_unit_funnel(request.user, pk):
            raise NotFound
        unit = get_object_or_404(Unit, pk=pk)
        data = selectors.unit_funnel(unit=unit)
        data["total"] = _funnel(data["total"])
        data["policies"] = [{**row, "funnel": _funnel(row["funnel"])} for row in data["policies"]]
        return Response(UnitFunnelSerializer(data).data)


class PushListView(GenericAPIView):
    """The signed-in cadre's pushes, untold first (待告知政策)."""

    permission_classes = [IsAuthenticated]
    serializer_class = PushSerializer
    queryset = PolicyPush.objects.none()  # for the schema: the rows are the cadre's, read in get()

    @extend_schema(operation_id="outreach_pushes_list", summary=_("My pushed policies"),
                   responses={200: PushSerializer(many=True)})
    def get(self, request):
        cadre = getattr(request.user, "cadre", None)
        if cadre is None:
            raise PermissionDenied(_("Only cadres have policies to tell."))
        page = self.paginate_queryset(selectors.cadre_pushes(cadre=cadre))
        return self.get_paginated_response(PushSerializer(page, many=True).data)


class PushToldView(GenericAPIView):
    permission_classes = [IsAuthenticated]
    serializer_class = PushSerializer

    @extend_schema(operation_id="outreach_push_told", summary=_("Mark a push told to the enterprise"), request=None,
                   responses={200: PushSerializer})
    def post(self, request, pk: int):
        push = PolicyPush.objects.filter(pk=pk).first()
        if push is None or not services.can_update_push(request.user, push):
            raise NotFound
        try:
            services.push_mark_told(push_id=push.pk, acting_user=request.user)
        except DjangoPermissionDenied as exc:
            raise PermissionDenied(str(exc)) from exc
        push = selectors.with_progress(PolicyPush.objects.filter(pk=pk)).select_related("policy", "enterprise").get()
        return Response(PushSerializer(push).data)
