from django.contrib import admin

from audit.models import AuditEvent


@admin.register(AuditEvent)
class AuditEventAdmin(admin.ModelAdmin):
    """Read-only: the audit log is written by the portal, never by hand."""

    list_display = ("at", "kind", "username", "address", "summary")
    list_filter = ("kind",)
    search_fields = ("username", "summary", "address")
    date_hierarchy = "at"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def has_view_permission(self, request, obj=None):
        from audit.permissions import can_read_audit

        return can_read_audit(request.user)
