from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils.translation import gettext_lazy as _
from simple_history.admin import SimpleHistoryAdmin

from liaison.models import Assignment, Cadre, Notification, Substitution, Unit, User, Visit, VisitAttachment

# The admin says whose it is, in the portal's words, not "Django 管理".
admin.site.site_header = _("Enterprise service portal administration")
admin.site.site_title = _("Enterprise service portal administration")
admin.site.index_title = _("Data and settings")


class NoDeleteMixin:
    """Records someone reports on are never deleted in the admin (no delete button, no "delete selected"
    action): pairings end, visits are withdrawn, the rest keep their history."""

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    list_display = ("username", "first_name", "role", "unit", "is_active", "is_staff")
    list_filter = ("role", "is_active", "is_staff")
    fieldsets = BaseUserAdmin.fieldsets + ((_("Portal role"), {"fields": ("role", "unit")}),)
    add_fieldsets = BaseUserAdmin.add_fieldsets + ((_("Portal role"), {"fields": ("role", "unit")}),)
    list_select_related = ("unit",)


@admin.register(Unit)
class UnitAdmin(SimpleHistoryAdmin):
    list_display = ("name", "kind", "parent")
    list_filter = ("kind",)
    search_fields = ("name",)
    list_select_related = ("parent",)


@admin.register(Cadre)
class CadreAdmin(SimpleHistoryAdmin):
    list_display = ("name", "unit", "rank", "category", "position", "active")
    list_filter = ("rank", "category", "active", "unit__kind")
    search_fields = ("name", "phone", "position")
    autocomplete_fields = ("unit", "user")
    list_select_related = ("unit",)


@admin.register(Assignment)
class AssignmentAdmin(NoDeleteMixin, SimpleHistoryAdmin):
    list_display = ("cadre", "enterprise", "started_on", "ended_on", "reason")
    list_filter = ("ended_on",)
    search_fields = ("cadre__name", "enterprise__name", "enterprise__credit_code")
    autocomplete_fields = ("cadre", "enterprise")
    list_select_related = ("cadre__unit", "enterprise")
    readonly_fields = ("created_by", "created_at")


class VisitAttachmentInline(admin.TabularInline):
    model = VisitAttachment
    extra = 0
    readonly_fields = ("name", "size", "content_type", "uploaded_by", "uploaded_at")


@admin.register(Visit)
class VisitAdmin(NoDeleteMixin, SimpleHistoryAdmin):
    list_display = ("date", "cadre", "enterprise", "method", "withdrawn_at")
    list_filter = ("method", "date", ("withdrawn_at", admin.EmptyFieldListFilter))
    readonly_fields = ("withdrawn_at", "withdrawn_by", "withdrawal_reason")
    actions = ["withdraw"]
    search_fields = ("cadre__name", "enterprise__name", "summary")
    date_hierarchy = "date"
    raw_id_fields = ("cadre", "enterprise", "assignment")
    list_select_related = ("cadre__unit", "enterprise")
    inlines = [VisitAttachmentInline]

    def get_queryset(self, request):
        # The admin lists withdrawn visits too (filter "withdrawn at"); every other list leaves them out.
        return Visit.all_objects.select_related("cadre__unit", "enterprise")

    @admin.action(description=_("Withdraw the selected visits"))
    def withdraw(self, request, queryset):
        from liaison.services import visit_withdraw

        done = 0
        for visit in queryset.filter(withdrawn_at__isnull=True):
            try:
                visit_withdraw(visit_id=visit.pk, acting_user=request.user, reason=_("Withdrawn in the admin."))
            except (PermissionDenied, ValidationError) as exc:
                self.message_user(request, f"{visit}: {' '.join(getattr(exc, 'messages', [str(exc)]))}", messages.ERROR)
            else:
                done += 1
        self.message_user(request, _("%(count)d visits withdrawn.") % {"count": done}, messages.SUCCESS)


@admin.register(Substitution)
class SubstitutionAdmin(SimpleHistoryAdmin):
    list_display = ("principal", "substitute", "starts_on", "ends_on", "reason")
    autocomplete_fields = ("principal", "substitute")
    list_select_related = ("principal", "substitute")


@admin.register(Notification)
class NotificationAdmin(NoDeleteMixin, admin.ModelAdmin):
    list_display = ("user", "kind", "title", "created_at", "read_at")
    list_filter = ("kind",)
    list_select_related = ("user",)
