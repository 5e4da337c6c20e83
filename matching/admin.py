from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from matching.models import BlockedPair, CategoryIndustry, FactorWeight, Proposal, UnitFunction


@admin.register(FactorWeight)
class FactorWeightAdmin(SimpleHistoryAdmin):
    list_display = ["factor", "weight"]
    list_editable = ["weight"]


@admin.register(UnitFunction)
class UnitFunctionAdmin(SimpleHistoryAdmin):
    list_display = ["unit", "sections", "divisions"]
    search_fields = ["unit__name"]
    autocomplete_fields = ["unit"]


@admin.register(CategoryIndustry)
class CategoryIndustryAdmin(SimpleHistoryAdmin):
    list_display = ["category", "strong", "some"]


@admin.register(BlockedPair)
class BlockedPairAdmin(SimpleHistoryAdmin):
    list_display = ["cadre", "enterprise", "reason", "created_by", "created_at"]
    search_fields = ["cadre__name", "enterprise__name", "reason"]
    autocomplete_fields = ["cadre", "enterprise"]
    readonly_fields = ["created_by", "created_at"]

    def save_model(self, request, obj, form, change):
        if not change:
            obj.created_by = request.user
        super().save_model(request, obj, form, change)


@admin.register(Proposal)
class ProposalAdmin(admin.ModelAdmin):
    """Read-only: proposals are made and accepted on the matching pages, through the services."""

    list_display = ["id", "scope", "status", "enterprise_count", "cadre_count", "total_score", "created_at"]
    list_filter = ["status", "scope"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
