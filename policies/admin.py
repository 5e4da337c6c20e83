from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from liaison.admin import NoDeleteMixin
from policies.models import Delivery, HandbookSection, Policy, PolicyAttachment, PolicyCategory, PolicyScan, RuleGroup


@admin.register(PolicyCategory)
class PolicyCategoryAdmin(SimpleHistoryAdmin):
    list_display = ("name", "code", "order")


class RuleGroupInline(admin.StackedInline):
    model = RuleGroup
    extra = 0
    filter_horizontal = ("streets",)


class PolicyAttachmentInline(admin.TabularInline):
    model = PolicyAttachment
    extra = 0


@admin.register(Policy)
class PolicyAdmin(NoDeleteMixin, SimpleHistoryAdmin):
    list_display = ("title", "doc_number", "category", "status", "effective_to", "no_application", "direct_delivery")
    list_filter = ("status", "category", "no_application", "direct_delivery")
    search_fields = ("title", "doc_number", "summary", "tags")
    inlines = [RuleGroupInline, PolicyAttachmentInline]


@admin.register(HandbookSection)
class HandbookSectionAdmin(SimpleHistoryAdmin):
    list_display = ("title", "key", "order")


@admin.register(Delivery)
class DeliveryAdmin(NoDeleteMixin, SimpleHistoryAdmin):
    list_display = ("policy", "enterprise", "cadre", "status", "updated_at")
    list_filter = ("status", "policy")
    search_fields = ("enterprise__name", "policy__title")
    list_select_related = ("policy", "enterprise", "cadre")
    raw_id_fields = ("enterprise", "cadre", "visit")


@admin.register(PolicyScan)
class PolicyScanAdmin(NoDeleteMixin, admin.ModelAdmin):
    list_display = ("policy", "day", "count")
    list_select_related = ("policy",)
