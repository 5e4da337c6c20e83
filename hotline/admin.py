from django.contrib import admin

from hotline.models import Callback, CallbackAttempt, HotlineClient, WorkOrder


@admin.register(HotlineClient)
class HotlineClientAdmin(admin.ModelAdmin):
    """Clients are created on the hotline page (which shows the key once); here they are read and switched."""

    list_display = ["name", "prefix", "active", "created_at", "last_used_at"]
    readonly_fields = ["name", "prefix", "user", "created_by", "created_at", "last_used_at"]
    fields = ["name", "prefix", "active", "user", "created_by", "created_at", "last_used_at"]

    def has_add_permission(self, request) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(WorkOrder)
class WorkOrderAdmin(admin.ModelAdmin):
    list_display = ["external_id", "client", "appeal", "received_at", "deadline", "created_at"]
    list_filter = ["client"]
    search_fields = ["external_id"]
    list_select_related = ["client", "appeal"]
    readonly_fields = [f.name for f in WorkOrder._meta.fields]

    def has_add_permission(self, request) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


class CallbackAttemptInline(admin.TabularInline):
    model = CallbackAttempt
    extra = 0
    can_delete = False
    readonly_fields = ["at", "ok", "status_code", "error", "duration_ms"]

    def has_add_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Callback)
class CallbackAdmin(admin.ModelAdmin):
    """The callback delivery log: each status change sent back and every attempt."""

    list_display = ["work_order", "seq", "state", "attempts", "created_at", "next_attempt_at", "delivered_at",
                    "gave_up_at"]
    list_filter = ["state"]
    search_fields = ["work_order__external_id"]
    list_select_related = ["work_order"]
    readonly_fields = [f.name for f in Callback._meta.fields]
    inlines = [CallbackAttemptInline]

    def has_add_permission(self, request) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False
