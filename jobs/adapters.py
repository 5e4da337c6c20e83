"""The daily jobs of other apps in the shape the registry calls: a period keyword, a progress
callback, and a dict of counts. Each is one unit of work done by the app's own service."""

from __future__ import annotations

from datetime import date

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from jobs.registry import Progress
from liaison.models import User
from liaison.selectors import today


def appeal_reminders_run(*, day: date, progress: Progress | None = None) -> dict:
    """Today's reminders about appeals due soon or overdue (appeals.notifications); one per user,
    appeal and day, so a second run sends nothing. Nothing is sent on a weekend or holiday."""
    from appeals.notifications import appeal_send_reminders
    from workdays.services import is_workday

    if day != today():
        # The reminders say what is due or overdue now: they cannot be sent for another day.
        raise ValidationError(_("Appeal reminders run for today only."))
    if progress:
        progress(0, 1, _("Sending reminders"))
    working_day = is_workday(day)
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


def provisional_deadlines_run(*, day: date, progress: Progress | None = None, acting_user: User | None = None) -> dict:
    """Appeals whose deadline, response date or handling time was counted on a provisional calendar are
    counted again on the calendar as it now is (appeals.services); one transaction per appeal, and a
    second run changes nothing."""
    from appeals.services import appeals_recount_provisional

    if day != today():
        raise ValidationError(_("Provisional deadlines are counted again for today only."))
    return {"day": day.isoformat(), **appeals_recount_provisional(acting_user=acting_user, progress=progress)}
