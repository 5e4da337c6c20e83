from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class LiaisonConfig(AppConfig):
    verbose_name = _("Campaign core")
    name = "liaison"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # Django 6.1's empty choice of every select ("- Select an option -") in our own words, so
        # that it is translated with the rest of the interface.
        from django.db.models import fields

        fields.BLANK_CHOICE_LABEL = _("— Please choose —")
