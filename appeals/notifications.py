"""Who hears about an appeal, and the in-app (and e-mail) messages they get."""

from __future__ import annotations

import logging

from django.db.models import Q
from django.utils.translation import gettext as _

from appeals.models import Appeal, AppealEvent, EventKind, Status, Tier
from liaison.models import Role, Substitution, User
from liaison.notifications import notify
from liaison.selectors import today
from workdays.services import add_workdays, is_workday

log = logging.getLogger(__name__)


def unit_handlers(unit_id: int):
    return User.objects.filter(is_active=True, role=Role.UNIT_HANDLER).filter(
        Q(unit_id=unit_id) | Q(unit__isnull=True, cadre__unit_id=unit_id)
    )


def step_recipients(appeal: Appeal) -> list[User]:
    """Whoever holds the current step; someone away is replaced by their substitute."""
    if appeal.tier == Tier.INDIVIDUAL:
        users = [appeal.handler_cadre.user] if appeal.handler_cadre and appeal.handler_cadre.user else []
    elif appeal.handler_unit_id:
        users = list(unit_handlers(appeal.handler_unit_id))
    else:
        users = list(User.objects.filter(is_active=True, role=Role.TASKFORCE))
    return with_substitutes(users)


def with_substitutes(users: list[User]) -> list[User]:
    day = today()
    away = {
        s.principal_id: s.substitute
        for s in Substitution.objects.filter(principal__in=users, starts_on__lte=day, ends_on__gte=day).select_related(
            "substitute"
        )
    }
    result = {}
    for user in users:
        target = away.get(user.pk, user)
        result[target.pk] = target
    return list(result.values())


def appeal_notify(*, appeal_id: int, event_id: int) -> int:
    appeal = Appeal.objects.select_related("handler_cadre__user", "handler_unit", "cadre__user", "enterprise").get(
        pk=appeal_id
    )
    event = AppealEvent.objects.get(pk=event_id)
    if event.seq != appeal.version:
        # The appeal has moved on since: that step is over, and the later event notifies its holder.
        return 0
    if event.kind == EventKind.RESOLVED:
        users = with_substitutes([appeal.cadre.user] if appeal.cadre and appeal.cadre.user else [appeal.raised_by])
        title = _("Appeal resolved, please collect the enterprise's feedback: %(title)s") % {"title": appeal.title}
    else:
        users = step_recipients(appeal)
        title = _("%(event)s: %(title)s (%(enterprise)s)") % {
            "event": event.get_kind_display(),
            "title": appeal.title,
            "enterprise": appeal.enterprise.name,
        }
    users = [u for u in users if u.pk != event.actor_id]
    body = event.comment
    if appeal.deadline:
        body = _("Deadline: %(date)s.") % {"date": appeal.deadline.isoformat()} + ("\n" + body if body else "")
    return notify(
        users,
        kind=f"appeal.{event.kind}",
        title=title,
        body=body,
        url=appeal.get_absolute_url(),
        key=f"appeal-event-{event.pk}",
    )


def appeal_send_reminders() -> int:
    day = today()
    if not is_workday(day):
        return 0
    soon = add_workdays(day, 1)
    sent = 0
    due = Appeal.objects.filter(status=Status.HANDLING, deadline__lte=soon).select_related(
        "handler_cadre__user", "handler_unit", "enterprise"
    )
    for appeal in due.iterator(chunk_size=500):
        overdue = appeal.deadline < day
        title = (_("Overdue appeal: %(title)s") if overdue else _("Appeal due soon: %(title)s")) % {
            "title": appeal.title
        }
        body = _("%(enterprise)s · deadline %(date)s") % {
            "enterprise": appeal.enterprise.name,
            "date": appeal.deadline.isoformat(),
        }
        sent += notify(
            step_recipients(appeal),
            kind="appeal.reminder",
            title=title,
            body=body,
            url=appeal.get_absolute_url(),
            key=f"appeal-due-{appeal.pk}-{day.isoformat()}",
        )
    return sent
