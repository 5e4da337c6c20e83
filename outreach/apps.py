from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OutreachConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "outreach"
    verbose_name = _("Policy push")

    def ready(self) -> None:
        from liaison.events import visit_policies_recorded
        from liaison.extensions import add_nav_flag
        from outreach import permissions, receivers

        receivers.connect()
        visit_policies_recorded.connect(receivers.visit_tells_pushes, dispatch_uid="outreach_visit_tells")
        add_nav_flag("nav_can_view_push_funnel", permissions.can_view_funnels)
