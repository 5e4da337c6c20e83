"""Any change to the calendar clears the cached snapshot, now and again on commit."""

from django.db import transaction
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from workdays.models import CalendarDay, CalendarYear
from workdays.services import calendar_cache_clear


@receiver(post_save, sender=CalendarDay, dispatch_uid="workdays_day_saved")
@receiver(post_delete, sender=CalendarDay, dispatch_uid="workdays_day_deleted")
@receiver(post_save, sender=CalendarYear, dispatch_uid="workdays_year_saved")
@receiver(post_delete, sender=CalendarYear, dispatch_uid="workdays_year_deleted")
def calendar_changed(sender, **kwargs) -> None:
    # Now, so that this transaction sees its own change; on commit, so that other processes do
    # not keep a snapshot they loaded before the change was visible to them.
    calendar_cache_clear()
    transaction.on_commit(calendar_cache_clear)
