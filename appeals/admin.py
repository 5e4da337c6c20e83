from django.contrib import admin

from appeals.models import Appeal, AppealAttachment, AppealCategory, AppealEvent, FeedbackLink, TierDeadline


@admin.register(AppealCategory)
class AppealCategoryAdmin(admin.ModelAdmin):
    list_display = ("name", "code", "order", "active")
    list_editable = ("order", "active")


@admin.register(TierDeadline)
class TierDeadlineAdmin(admin.ModelAdmin):
    list_display = ("tier", "workdays")


class AppealEventInline(admin.TabularInline):
    model = AppealEvent
    extra = 0
    can_delete = False
    fields = ("seq", "at", "kind", "actor", "on_behalf_of", "from_status", "to_status", "to_handler", "comment")
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False


class AppealAttachmentInline(admin.TabularInline):
    model = AppealAttachment
    extra = 0
    can_delete = False
    readonly_fields = ("name", "size", "content_type", "uploaded_by", "uploaded_at")


@admin.register(Appeal)
class AppealAdmin(admin.ModelAdmin):
    """Read-only: appeals change only through their transitions, so the timeline stays whole."""

    list_display = ("id", "title", "enterprise", "status", "tier", "deadline", "raised_at")
    list_filter = ("status", "tier", "category", "urgency")
    search_fields = ("title", "enterprise__name")
    list_select_related = ("enterprise",)
    inlines = [AppealEventInline, AppealAttachmentInline]

    def has_change_permission(self, request, obj=None):
        return False

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(AppealEvent)
class AppealEventAdmin(admin.ModelAdmin):
    list_display = ("appeal", "seq", "kind", "actor", "at")
    list_filter = ("kind",)
    list_select_related = ("appeal", "actor")

    def has_change_permission(self, request, obj=None):
        return False

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(FeedbackLink)
class FeedbackLinkAdmin(admin.ModelAdmin):
    list_display = ("appeal", "created_by", "created_at", "expires_at", "used_at")
    readonly_fields = ("token",)
    exclude = ("token",)
