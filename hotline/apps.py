from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class HotlineConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "hotline"
    verbose_name = _("12345 hotline")

    def ready(self) -> None:
        from appeals.extensions import add_appeal_facts

        # receivers: a status change of a work order's appeal is queued for its callback; schema: the key's scheme.
        from hotline import receivers, schema  # noqa: F401
        from hotline.permissions import can_manage_hotline
        from hotline.selectors import appeal_facts
        from liaison.extensions import add_nav_flag

        add_nav_flag("nav_can_manage_hotline", can_manage_hotline)
        add_appeal_facts(appeal_facts)
