from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.utils.translation import gettext_lazy as _
from simple_history.admin import SimpleHistoryAdmin

from liaison.models import Assignment, Cadre, Notification, Substitution, Unit, User, Visit, VisitAttachment


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
class AssignmentAdmin(SimpleHistoryAdmin):
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
class VisitAdmin(SimpleHistoryAdmin):
    list_display = ("date", "cadre", "enterprise", "method")
    list_filter = ("method", "date")
    search_fields = ("cadre__name", "enterprise__name", "summary")
    date_hierarchy = "date"
    raw_id_fields = ("cadre", "enterprise", "assignment")
    list_select_related = ("cadre__unit", "enterprise")
    inlines = [VisitAttachmentInline]


@admin.register(Substitution)
class SubstitutionAdmin(SimpleHistoryAdmin):
    list_display = ("principal", "substitute", "starts_on", "ends_on", "reason")
    autocomplete_fields = ("principal", "substitute")
    list_select_related = ("principal", "substitute")


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    list_display = ("user", "kind", "title", "created_at", "read_at")
    list_filter = ("kind",)
    list_select_related = ("user",)
