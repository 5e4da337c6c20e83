from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AppealsConfig(AppConfig):
    verbose_name = _("Appeals")
    name = "appeals"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from appeals import receivers  # noqa: F401  (the queue counts kept follow every saved appeal)
