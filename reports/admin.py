from django.contrib import admin

from reports.models import Dispatch, InterviewCase


@admin.register(Dispatch)
class DispatchAdmin(admin.ModelAdmin):
    list_display = ["week_start", "unit", "created_at"]
    list_filter = ["week_start"]
    readonly_fields = ["unit", "week_start", "created_at", "data"]


@admin.register(InterviewCase)
class InterviewCaseAdmin(admin.ModelAdmin):
    list_display = ["cadre", "reason", "opened_week", "held_on"]
    list_filter = ["reason", "held_on"]
    raw_id_fields = ["cadre"]
