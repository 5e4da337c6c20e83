from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from enterprises.models import Enterprise


@admin.register(Enterprise)
class EnterpriseAdmin(SimpleHistoryAdmin):
    list_display = ("name", "credit_code", "industry_section", "industry_division", "street", "above_scale", "status")
    list_filter = ("above_scale", "high_tech", "status", "ownership", "industry_section")
    search_fields = ("name", "credit_code")
    list_select_related = ("street",)
