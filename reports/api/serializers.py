"""Shapes of the bulletin and dispatch API. The bulletin's summary figures are sent as stored (frozen
JSON; the documentation serializers below describe that shape in the OpenAPI schema); its units and
cadres are rows, listed a page at a time."""

from __future__ import annotations

from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from reports.models import Bulletin, BulletinStatus, Dispatch

# --- The figures' shape, for the schema only ------------------------------------------------------


class AppealFiguresSerializer(serializers.Serializer):
    total = serializers.IntegerField(help_text=_("Appeals raised in the month."))
    counted = serializers.IntegerField(help_text=_("Less withdrawn and out of scope: the base of the closure rate."))
    withdrawn = serializers.IntegerField()
    out_of_scope = serializers.IntegerField()
    resolved = serializers.IntegerField()
    open = serializers.IntegerField()
    overdue = serializers.IntegerField()
    closure_rate = serializers.FloatField(allow_null=True)
    on_time_rate = serializers.FloatField(allow_null=True)
    satisfaction = serializers.FloatField(allow_null=True)
    avg_handling_workdays = serializers.FloatField(allow_null=True)


class UnitRowSerializer(serializers.Serializer):
    """One unit of a bulletin, in ranking order."""

    id = serializers.IntegerField(source="unit_id")
    name = serializers.CharField()
    rank = serializers.IntegerField()
    cadres = serializers.IntegerField(help_text=_("Cadres with a pairing due in the month."))
    due = serializers.IntegerField()
    contacted = serializers.IntegerField()
    missed = serializers.IntegerField()
    compliance = serializers.FloatField(allow_null=True)
    visits = serializers.IntegerField()
    appeals = AppealFiguresSerializer()


class CadreRowSerializer(serializers.Serializer):
    """One cadre of a bulletin, in table order (unit, then name)."""

    id = serializers.IntegerField(source="cadre_id")
    name = serializers.CharField()
    unit_id = serializers.IntegerField()
    unit = serializers.CharField(source="unit_name")
    enterprises = serializers.ListField(child=serializers.CharField(), help_text=_("Enterprises of the pairings due."))
    missed_enterprises = serializers.ListField(child=serializers.CharField(), help_text=_("Enterprises not contacted."))
    due = serializers.IntegerField()
    contacted = serializers.IntegerField()
    compliance = serializers.FloatField(allow_null=True)
    visits = serializers.IntegerField()
    appeals = AppealFiguresSerializer()
    overdue_appeals = serializers.IntegerField(help_text=_("Appeals overdue when published, whatever their month."))
    lagging = serializers.BooleanField()


class TrendPointSerializer(serializers.Serializer):
    month = serializers.CharField(help_text="YYYY-MM")
    due = serializers.IntegerField()
    contacted = serializers.IntegerField()
    compliance = serializers.FloatField(allow_null=True)
    counted = serializers.IntegerField()
    resolved = serializers.IntegerField()
    closure_rate = serializers.FloatField(allow_null=True)


class TotalsSerializer(serializers.Serializer):
    units = serializers.IntegerField()
    cadres = serializers.IntegerField()
    due = serializers.IntegerField()
    contacted = serializers.IntegerField()
    missed = serializers.IntegerField()
    compliance = serializers.FloatField(allow_null=True)
    visits = serializers.IntegerField()
    lagging = serializers.IntegerField()
    appeals = AppealFiguresSerializer()


class FiguresSerializer(serializers.Serializer):
    schema = serializers.IntegerField()
    month = serializers.CharField(help_text="YYYY-MM")
    first = serializers.DateField()
    last = serializers.DateField()
    computed_at = serializers.DateTimeField()
    rules = serializers.DictField(help_text=_("The counting rules the figures were computed by."))
    rows = serializers.DictField(
        child=serializers.IntegerField(), help_text=_("How many unit, cadre and lagging-cadre rows the bulletin has.")
    )
    totals = TotalsSerializer()
    trend = TrendPointSerializer(many=True, help_text=_("Six months, oldest first."))


@extend_schema_field(FiguresSerializer)
class FiguresField(serializers.JSONField):
    """The frozen figures, sent as stored."""


# --- Bulletins ------------------------------------------------------------------------------------


class BulletinSerializer(serializers.ModelSerializer):
    month = serializers.SerializerMethodField()
    is_current = serializers.BooleanField(read_only=True)
    published_by = serializers.SerializerMethodField()
    page_url = serializers.SerializerMethodField()
    pdf_url = serializers.SerializerMethodField()
    xlsx_url = serializers.SerializerMethodField()

    class Meta:
        model = Bulletin
        fields = [
            "id",
            "month",
            "version",
            "status",
            "is_current",
            "published_at",
            "published_by",
            "superseded_at",
            "reason",
            "page_url",
            "pdf_url",
            "xlsx_url",
        ]
        read_only_fields = fields

    @extend_schema_field(OpenApiTypes.STR)
    def get_month(self, obj: Bulletin) -> str:
        return obj.month_slug

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_published_by(self, obj: Bulletin) -> str | None:
        """The user who published it; null when the monthly job did."""
        return obj.created_by.username if obj.created_by_id else None

    def _with_version(self, obj: Bulletin, name: str) -> str:
        url = reverse(name, args=[obj.month_slug])
        return url if obj.status == BulletinStatus.PUBLISHED else f"{url}?v={obj.version}"

    @extend_schema_field(OpenApiTypes.STR)
    def get_page_url(self, obj: Bulletin) -> str:
        return self._with_version(obj, "bulletin-detail")

    @extend_schema_field(OpenApiTypes.STR)
    def get_pdf_url(self, obj: Bulletin) -> str:
        return self._with_version(obj, "bulletin-pdf")

    @extend_schema_field(OpenApiTypes.STR)
    def get_xlsx_url(self, obj: Bulletin) -> str:
        return self._with_version(obj, "bulletin-xlsx")


class DocumentSerializer(serializers.Serializer):
    kind = serializers.CharField()
    status = serializers.CharField(help_text=_("pending (being made), ready or failed."))
    size = serializers.IntegerField(help_text=_("Bytes, once ready."))
    rendered_at = serializers.DateTimeField(allow_null=True)


class BulletinDetailSerializer(BulletinSerializer):
    figures = FiguresField(read_only=True)
    units_url = serializers.SerializerMethodField()
    cadres_url = serializers.SerializerMethodField()
    documents = DocumentSerializer(many=True, read_only=True)

    class Meta(BulletinSerializer.Meta):
        fields = [*BulletinSerializer.Meta.fields, "figures", "units_url", "cadres_url", "documents"]
        read_only_fields = fields

    @extend_schema_field(OpenApiTypes.STR)
    def get_units_url(self, obj: Bulletin) -> str:
        return reverse("api:bulletin-units", args=[obj.pk])

    @extend_schema_field(OpenApiTypes.STR)
    def get_cadres_url(self, obj: Bulletin) -> str:
        return reverse("api:bulletin-cadres", args=[obj.pk])


class BulletinPublishSerializer(serializers.Serializer):
    month = serializers.RegexField(
        r"^\d{4}-(0[1-9]|1[0-2])$",
        help_text=_("The month to publish, as YYYY-MM; it must be over."),
        error_messages={"invalid": _("Enter a month as YYYY-MM.")},
    )

    def validate_month(self, value: str) -> str:
        # 0000-01 matches the pattern but is no date; a year before 1900 has no six-month trend to draw.
        if int(value[:4]) < 1900:
            raise serializers.ValidationError(_("Enter a month as YYYY-MM."))
        return value


class BulletinReissueSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=1000, help_text=_("Why the bulletin is corrected."))


# --- Dispatches -----------------------------------------------------------------------------------


class DispatchSerializer(serializers.ModelSerializer):
    unit_name = serializers.CharField(source="unit.name", read_only=True)
    data = serializers.JSONField(
        read_only=True,
        help_text=_(
            "The unit's sheet: overdue_appeals, due_this_week, not_contacted, new_appeals and interviews "
            "(lists of small objects with an id), and pairings (a count)."
        ),
    )

    class Meta:
        model = Dispatch
        fields = ["id", "unit", "unit_name", "week_start", "created_at", "data"]
        read_only_fields = fields
