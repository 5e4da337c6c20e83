from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DashboardConfig(AppConfig):
    """The leaders' campaign dashboard and the cadre's "my month": pages that put together figures of
    every app (pairings and visits, appeals, meetings, deliveries, interview cases), so they sit above
    them all."""

    name = "dashboard"
    verbose_name = _("Dashboard")
