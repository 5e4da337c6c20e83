from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PoliciesConfig(AppConfig):
    verbose_name = _("Policies")
    name = "policies"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from liaison.events import visit_policies_recorded
        from policies import receivers

        visit_policies_recorded.connect(receivers.mark_deliveries_informed, dispatch_uid="policies_visit_informs")
