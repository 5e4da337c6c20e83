from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OutreachConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "outreach"
    verbose_name = _("Policy push")

    def ready(self) -> None:
        from liaison.events import visit_policies_recorded
        from liaison.extensions import add_dispatch_section, add_nav_flag
        from outreach import permissions, receivers, selectors

        receivers.connect()
        visit_policies_recorded.connect(receivers.visit_tells_pushes, dispatch_uid="outreach_visit_tells")
        add_nav_flag("nav_can_view_push_funnel", permissions.can_view_funnels)
        # The weekly dispatch sheet of a unit lists the policies its cadres left untold too long.
        add_dispatch_section("untold_policies", selectors.untold_pushes_by_unit)
