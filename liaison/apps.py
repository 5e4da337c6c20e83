from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class LiaisonConfig(AppConfig):
    verbose_name = _("Campaign core")
    name = "liaison"
    default_auto_field = "django.db.models.BigAutoField"
