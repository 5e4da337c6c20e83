from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AnalysisConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "analysis"
    verbose_name = _("Problem analysis")

    def ready(self) -> None:
        from analysis import receivers  # noqa: F401  (indexes each appeal raised for the similar lookup)
        from analysis.permissions import can_view_analysis
        from liaison.extensions import add_nav_flag

        add_nav_flag("nav_can_view_analysis", can_view_analysis)
