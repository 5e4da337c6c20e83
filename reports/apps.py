from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReportsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "reports"
    verbose_name = _("Oversight reports")

    def ready(self) -> None:
        from liaison.extensions import add_nav_flag
        from reports.permissions import can_view_bulletin

        add_nav_flag("nav_can_view_bulletin", can_view_bulletin)
