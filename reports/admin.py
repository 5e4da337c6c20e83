from django.contrib import admin

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
    readonly_fields = ["month", "version", "status", "published_at", "superseded_at", "created_by", "reason", "figures"]

    def get_queryset(self, request):
        qs = super().get_queryset(request)
        # Only a bulletin's own page shows the (large) figures; the list never loads them.
        url_name = getattr(request.resolver_match, "url_name", "") or ""
        return qs if url_name.endswith("_change") else qs.defer("figures")

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False
