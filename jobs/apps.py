from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


class JobsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "jobs"
    verbose_name = _("Jobs")

    def ready(self) -> None:
        from jobs import receivers, schedules
        from workdays.services import official_calendar_changed

        # The admin lists the default schedules as soon as the tables exist, before beat first starts.
        post_migrate.connect(schedules.seed_after_migrate, sender=self)
        official_calendar_changed.connect(receivers.start_provisional_recount, dispatch_uid="jobs_provisional_recount")
