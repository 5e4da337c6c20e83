from django.contrib import admin
from django.utils.html import format_html_join
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy as _

from liaison.admin import NoDeleteMixin
from reports.models import Bulletin, Dispatch, InterviewCase


@admin.register(Dispatch)
class DispatchAdmin(NoDeleteMixin, admin.ModelAdmin):
    list_display = ["week_start", "unit", "created_at"]
    list_filter = ["week_start"]
    readonly_fields = ["unit", "week_start", "created_at", "data"]


@admin.register(InterviewCase)
class InterviewCaseAdmin(NoDeleteMixin, admin.ModelAdmin):
    list_display = ["cadre", "reason", "opened_week", "held_on"]
    list_filter = ["reason", "held_on"]
    raw_id_fields = ["cadre"]


@admin.register(Bulletin)
class BulletinAdmin(admin.ModelAdmin):
    """Read-only: bulletins are published and corrected on the bulletin pages (or by the monthly job),
    never edited, and never deleted."""

    list_display = ["month", "version", "status", "published_at", "created_by"]
    list_filter = ["status", "month"]
    list_select_related = ["created_by"]
    readonly_fields = [
        "month", "version", "status", "published_at", "superseded_at", "created_by", "reason", "figures", "ranking",
    ]

    @admin.display(description=_("unit ranking (first 20)"))
    def ranking(self, obj: Bulletin) -> str:
        rows = obj.unit_rows.order_by("position")[:20]
        return format_html_join(
            mark_safe("<br>"), "{}. {} ({}/{})", ((row.rank, row.name, row.contacted, row.due) for row in rows)
        )

    def get_queryset(self, request):
        qs = super().get_queryset(request)
        # Only a bulletin's own page shows the figures; the list never loads them.
        url_name = getattr(request.resolver_match, "url_name", "") or ""
        return qs if url_name.endswith("_change") else qs.defer("figures")

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False
