"""Who hears about an appeal, and the in-app (and e-mail) messages they get."""

from __future__ import annotations

import logging

from django.db.models import Q
from django.db.models.functions import Coalesce
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
    return step_recipients_many([appeal])[appeal.pk]


def step_recipients_many(appeals: list[Appeal]) -> dict[int, list[User]]:
    """step_recipients of many appeals in a few queries whatever their number: {appeal id: users}.
    The appeals need `handler_cadre__user` selected."""
    return _step_recipients(
        [(a.pk, a.tier, a.handler_unit_id) for a in appeals],
        {a.pk: a.handler_cadre.user for a in appeals if a.handler_cadre_id and a.handler_cadre.user_id},
    )


def step_recipients_of_rows(rows) -> dict[int, list[User]]:
    """step_recipients_many of plain rows (named tuples with `pk`, `tier`, `handler_unit_id` and
    `handler_cadre__user_id`), for jobs that read many appeals without making model instances."""
    individual = {row.pk: row.handler_cadre__user_id for row in rows
                  if row.tier == Tier.INDIVIDUAL and row.handler_cadre__user_id}
    users = User.objects.in_bulk(set(individual.values()))
    return _step_recipients(
        [(row.pk, row.tier, row.handler_unit_id) for row in rows],
        {pk: users[user_id] for pk, user_id in individual.items() if user_id in users},
    )


def _step_recipients(steps: list[tuple[int, int, int | None]], cadre_users: dict[int, User]) -> dict[int, list[User]]:
    """{appeal id: users} of (appeal id, tier, handler unit id) steps; `cadre_users` maps an appeal at the
    individual tier to its handling cadre's user."""
    unit_ids = {unit_id for _pk, tier, unit_id in steps if tier != Tier.INDIVIDUAL and unit_id}
    handlers: dict[int, list[User]] = {unit_id: [] for unit_id in unit_ids}
    if unit_ids:
        rows = User.objects.filter(is_active=True, role=Role.UNIT_HANDLER).filter(
            Q(unit_id__in=unit_ids) | Q(unit__isnull=True, cadre__unit_id__in=unit_ids)
        ).annotate(handled_unit=Coalesce("unit_id", "cadre__unit_id")).order_by("pk")
        for user in rows:
            handlers[user.handled_unit].append(user)
    needs_taskforce = any(tier != Tier.INDIVIDUAL and not unit_id for _pk, tier, unit_id in steps)
    taskforce = list(User.objects.filter(is_active=True, role=Role.TASKFORCE).order_by("pk")) if needs_taskforce else []
    holders: dict[int, list[User]] = {}
    for pk, tier, unit_id in steps:
        if tier == Tier.INDIVIDUAL:
            holders[pk] = [cadre_users[pk]] if pk in cadre_users else []
        elif unit_id:
            holders[pk] = handlers[unit_id]
        else:
            holders[pk] = taskforce
    away = _substitutes({user.pk for users in holders.values() for user in users})
    return {pk: _replace_away(users, away) for pk, users in holders.items()}


def _substitutes(user_ids: set[int]) -> dict[int, User]:
    """{principal id: substitute} for those of `user_ids` who are away today."""
    if not user_ids:
        return {}
    day = today()
    return {
        s.principal_id: s.substitute
        for s in Substitution.objects.filter(
            principal_id__in=user_ids, starts_on__lte=day, ends_on__gte=day
        ).select_related("substitute")
    }


def _replace_away(users: list[User], away: dict[int, User]) -> list[User]:
    result = {}
    for user in users:
        target = away.get(user.pk, user)
        result[target.pk] = target
    return list(result.values())


def with_substitutes(users: list[User]) -> list[User]:
    return _replace_away(users, _substitutes({user.pk for user in users}))


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
