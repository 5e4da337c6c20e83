"""The daily jobs of other apps in the shape the registry calls: a period keyword, a progress
callback, and a dict of counts. Each is one unit of work done by the app's own service."""

from __future__ import annotations

from datetime import date

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from jobs.registry import Progress
from liaison.selectors import today


def appeal_reminders_run(*, day: date, progress: Progress | None = None) -> dict:
    """Today's reminders about appeals due soon or overdue (appeals.notifications); one per user,
    appeal and day, so a second run sends nothing. Nothing is sent on a weekend or holiday."""
    from appeals.notifications import appeal_send_reminders
    from workdays.services import CalendarNotCovered, is_workday

    if day != today():
        # The reminders say what is due or overdue now: they cannot be sent for another day.
        raise ValidationError(_("Appeal reminders run for today only."))
    if progress:
        progress(0, 1, _("Sending reminders"))
    try:
        working_day = is_workday(day)
    except CalendarNotCovered:
        working_day = None
    sent = appeal_send_reminders()
    if progress:
        progress(1, 1, "")
    return {"day": day.isoformat(), "working_day": working_day, "notifications": sent}


def policy_expiry_run(*, day: date, progress: Progress | None = None) -> dict:
    """Published policies whose end date is before `day` become expired (policies.services)."""
    from policies.services import policy_expire_due

    if progress:
        progress(0, 1, _("Expiring policies"))
    expired = policy_expire_due(on=day)
    if progress:
        progress(1, 1, "")
    return {"day": day.isoformat(), "expired": expired}
