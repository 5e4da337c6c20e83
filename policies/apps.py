from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PoliciesConfig(AppConfig):
    verbose_name = _("Policies")
    name = "policies"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from liaison.events import visit_policies_recorded
        from liaison.extensions import provide_policies_in_force
        from policies import handbook, imports, receivers, selectors

        visit_policies_recorded.connect(receivers.mark_deliveries_informed, dispatch_uid="policies_visit_informs")
        provide_policies_in_force(selectors.policies_in_force_with_rules)
        imports.register()
        handbook.connect_signals()
