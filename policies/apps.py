from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PoliciesConfig(AppConfig):
    verbose_name = _("Policies")
    name = "policies"
    default_auto_field = "django.db.models.BigAutoField"
