from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class WorkdaysConfig(AppConfig):
    verbose_name = _("Working-day calendar")
    name = "workdays"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from workdays import signals  # noqa: F401  (connects the cache invalidation)
