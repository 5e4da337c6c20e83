"""Job runs in the admin, read-only (they are written by the jobs themselves). The schedules are
django-celery-beat's "periodic tasks", registered by that app."""

from django.contrib import admin

from jobs.models import JobRun


@admin.register(JobRun)
class JobRunAdmin(admin.ModelAdmin):
    list_display = ["id", "job", "period", "status", "done", "total", "requested_by", "created_at", "finished_at"]
    list_filter = ["job", "status"]
    date_hierarchy = "created_at"
    list_select_related = ["requested_by"]
    readonly_fields = [f.name for f in JobRun._meta.fields]

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False
