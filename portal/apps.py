from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PortalConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "portal"
    verbose_name = _("Enterprise pages")

    def ready(self) -> None:
        # receivers: a staff sign-in in the same browser ends a contact's session.
        from portal import receivers  # noqa: F401
