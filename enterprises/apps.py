from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class EnterprisesConfig(AppConfig):
    verbose_name = _("Enterprises")
    name = "enterprises"
    default_auto_field = "django.db.models.BigAutoField"
