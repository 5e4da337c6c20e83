from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from evaluations import services
from evaluations.models import Evaluation, EvaluationScore, EvaluationWeights


@admin.register(EvaluationWeights)
class EvaluationWeightsAdmin(SimpleHistoryAdmin):
    """One row; saved through the service so that the admin checks what the page checks."""

    list_display = ["__str__", *services.WEIGHT_FIELDS, "updated_at", "updated_by"]
    readonly_fields = ["updated_at", "updated_by"]

    def has_add_permission(self, request):
        return not EvaluationWeights.objects.exists()

    def has_delete_permission(self, request, obj=None):
        return False

    def save_model(self, request, obj, form, change):
        services.evaluation_weights_update(
            acting_user=request.user, **{name: form.cleaned_data[name] for name in services.WEIGHT_FIELDS}
        )


class EvaluationScoreInline(admin.TabularInline):
    model = EvaluationScore
    fields = ["kind", "rank", "name", "unit_name", "score"]
    readonly_fields = fields
    extra = 0
    max_num = 0
    can_delete = False
    show_change_link = False
    ordering = ["kind", "rank", "name"]

    def get_queryset(self, request):
        # Only the top of each table: an evaluation of a large district has tens of thousands of rows.
        return super().get_queryset(request).filter(rank__lte=20)


@admin.register(Evaluation)
class EvaluationAdmin(admin.ModelAdmin):
    list_display = ["year", "version", "period_end", "cadre_count", "unit_count", "created_at", "created_by"]
    list_filter = ["year"]
    readonly_fields = [f.name for f in Evaluation._meta.fields]
    inlines = [EvaluationScoreInline]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
