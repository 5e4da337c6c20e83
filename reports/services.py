"""The weekly dispatch (周调度): each unit's sheet, reminders to lagging cadres (督促提醒) and the
interview list (约谈).

The run is idempotent: a unit's sheet, its reminders and its interview cases are written in one
transaction, guarded by the database (one Dispatch per unit and week, one open case per cadre and
reason, one notification per user and key). A worker killed halfway leaves some units done and the
others untouched; running the same week again fills in the missing units and changes nothing else.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Count, Exists, OuterRef, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from appeals.models import Appeal, Status, handler_label_of
from appeals.notifications import step_recipients_of_rows
from liaison import extensions
from liaison.models import Assignment, Unit, User, Visit
from liaison.notifications import Message, notify_many
from liaison.selectors import annotate_contacted, month_bounds, previous_month
from reports.models import Dispatch, InterviewCase, InterviewReason

log = logging.getLogger(__name__)

# Reminders about monthly contact start once the month's first week is over.
REMIND_FROM_DAY = 8
OVERDUE_WINDOW_DAYS = 90


def week_monday(day: date) -> date:
    return day - timedelta(days=day.weekday())


def _local_start(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


def _pairings_in_force(day: date):
    return Assignment.objects.filter(started_on__lte=day).filter(Q(ended_on__isnull=True) | Q(ended_on__gte=day))


def _appeal_row(appeal) -> dict:
    return {
        "id": appeal.pk,
        "title": appeal.title,
        "enterprise": appeal.enterprise__name,
        "cadre": appeal.cadre__name or "",
        "handler": handler_label_of(
            tier=appeal.tier, cadre_name=appeal.handler_cadre__name, unit_name=appeal.handler_unit__name
        ),
        "deadline": appeal.deadline.isoformat() if appeal.deadline else None,
        "status": appeal.status,
    }


def _missed_in_all(months: list[date]) -> set[int]:
    """Cadres with, in each of `months`, a pairing due (in force on its last day) and no visit under
    it within the month: one statement, an INTERSECT of the months."""
    reads = [
        annotate_contacted(_pairings_in_force(month_bounds(month)[1]), month)
        .filter(contacted=False)
        .order_by()
        .values_list("cadre_id", flat=True)
        for month in months
    ]
    first, *rest = reads
    # No ORDER BY in the parts (SQLite refuses one) nor on the whole (Meta.ordering would name a column
    # the INTERSECT has not).
    return set(first.intersection(*rest).order_by() if rest else first)


def _interview_candidates(*, cadre_ids: set[int], week_start: date) -> dict[int, list[tuple[str, str]]]:
    """For each of `cadre_ids` due an interview: the reasons, as (reason, detail). A fixed number of
    queries, whatever the number of cadres."""
    found: dict[int, list[tuple[str, str]]] = {}
    months_needed = settings.INTERVIEW_MISSED_MONTHS
    if months_needed > 0 and cadre_ids:
        months = [previous_month(week_start)]
        while len(months) < months_needed:
            months.append(previous_month(months[-1]))
        detail = _("No contact in %(months)s") % {
            "months": ", ".join(month.strftime("%Y-%m") for month in reversed(months))
        }
        for cadre_id in _missed_in_all(months) & cadre_ids:
            found.setdefault(cadre_id, []).append((InterviewReason.MISSED_CONTACT, detail))
    limit = settings.INTERVIEW_OVERDUE_APPEALS
    if limit > 0 and cadre_ids:
        # An appeal has no "went overdue on" date: one with a late step and activity in the window counts.
        since = _local_start(week_start - timedelta(days=OVERDUE_WINDOW_DAYS))
        late = (
            Appeal.objects.filter(cadre_id__isnull=False, overdue_steps__gt=0, updated_at__gte=since)
            .values("cadre_id")
            .annotate(count=Count("id"))
            .filter(count__gte=limit)
            .values_list("cadre_id", "count")
        )
        for cadre_id, count in late:
            if cadre_id not in cadre_ids:
                continue
            detail = _("%(count)d appeals overdue in the last %(days)d days") % {
                "count": count,
                "days": OVERDUE_WINDOW_DAYS,
            }
            found.setdefault(cadre_id, []).append((InterviewReason.OVERDUE_APPEALS, detail))
    return found


@dataclass
class _Week:
    """What every unit's sheet of a week is made of, read once for all units (a fixed number of queries).
    Plain rows (named tuples), not model instances: a province has ~50,000 pairings."""

    week_start: date
    pairings: dict[int, list] = field(default_factory=dict)  # by the cadre's unit, in cadre-name order
    overdue: dict[int, list] = field(default_factory=dict)  # by the cadre's unit and the handling unit
    due: dict[int, list] = field(default_factory=dict)
    new: dict[int, list] = field(default_factory=dict)  # by the cadre's unit
    interviews: dict[int, list[tuple[str, str]]] = field(default_factory=dict)  # by cadre
    recipients: dict[int, list[User]] = field(default_factory=dict)  # by overdue appeal
    # The sections apps add (liaison.extensions.dispatch_sections): key → unit → rows.
    sections: dict[str, dict[int, list]] = field(default_factory=dict)


_PAIRING_FIELDS = (
    "pk", "cadre_id", "cadre__name", "cadre__unit_id", "enterprise_id", "enterprise__name", "contacted",
    "cadre__user_id", "cadre__user__is_active", "cadre__user__email",
)
_APPEAL_FIELDS = (
    "pk", "title", "status", "tier", "deadline", "raised_at", "enterprise__name", "cadre__name",
    "cadre__unit_id", "handler_cadre__name", "handler_cadre__user_id", "handler_unit_id", "handler_unit__name",
)


def _by_units(rows, *units_of) -> dict[int, list]:
    grouped: dict[int, list] = {}
    for row in rows:
        for unit_id in dict.fromkeys(unit_of(row) for unit_of in units_of):
            if unit_id is not None:
                grouped.setdefault(unit_id, []).append(row)
    return grouped


def _cadre_unit(appeal) -> int | None:
    return appeal.cadre__unit_id


def _handling_unit(appeal) -> int | None:
    return appeal.handler_unit_id


def _read_week(week_start: date) -> _Week:
    week_end = week_start + timedelta(days=6)
    month_first, _last = month_bounds(week_start)
    visits = Visit.objects.filter(assignment=OuterRef("pk"), date__gte=month_first, date__lte=week_start)
    # Unsorted in the database (a province's sort by name spills to disk at the default work_mem) and
    # sorted here instead: the database's collation is C, code-point order, as Python's.
    pairings = sorted(
        _pairings_in_force(week_start).annotate(contacted=Exists(visits)).order_by()
        .values_list(*_PAIRING_FIELDS, named=True),
        key=lambda p: (p.cadre__name, p.pk),
    )
    appeals = Appeal.objects.values_list(*_APPEAL_FIELDS, named=True)
    open_ = list(appeals.filter(status=Status.HANDLING, deadline__lte=week_end).order_by("deadline", "id"))
    new = list(
        appeals.filter(
            raised_at__gte=_local_start(week_start - timedelta(days=7)), raised_at__lt=_local_start(week_start)
        ).order_by("raised_at", "id")
    )
    overdue = [a for a in open_ if a.deadline < week_start]
    return _Week(
        week_start=week_start,
        pairings=_by_units(pairings, lambda p: p.cadre__unit_id),
        overdue=_by_units(overdue, _cadre_unit, _handling_unit),
        due=_by_units([a for a in open_ if a.deadline >= week_start], _cadre_unit, _handling_unit),
        new=_by_units(new, _cadre_unit),
        interviews=_interview_candidates(cadre_ids={p.cadre_id for p in pairings}, week_start=week_start),
        recipients=step_recipients_of_rows(overdue),
        sections={key: read(week_start) for key, read in extensions.dispatch_sections.items()},
    )


def _unit_sheet(week: _Week, unit_id: int) -> dict:
    pairings = week.pairings.get(unit_id, [])
    names = {p.cadre_id: p.cadre__name for p in pairings}
    interviews = {cadre_id: week.interviews[cadre_id] for cadre_id in names if cadre_id in week.interviews}
    return {
        "overdue_appeals": [_appeal_row(a) for a in week.overdue.get(unit_id, [])],
        "due_this_week": [_appeal_row(a) for a in week.due.get(unit_id, [])],
        "not_contacted": [
            {
                "id": p.pk,
                "name": p.cadre__name,
                "cadre_id": p.cadre_id,
                "enterprise": p.enterprise__name,
                "enterprise_id": p.enterprise_id,
            }
            for p in pairings
            if not p.contacted
        ],
        "new_appeals": [_appeal_row(a) for a in week.new.get(unit_id, [])],
        "interviews": [
            {"id": cadre_id, "name": names[cadre_id], "reasons": [reason for reason, _detail in reasons]}
            for cadre_id, reasons in sorted(interviews.items(), key=lambda item: names[item[0]])
        ],
        "pairings": len(pairings),
        **{key: rows.get(unit_id, []) for key, rows in week.sections.items()},
    }


def _reminders(week: _Week, unit_ids: list[int]) -> list[Message]:
    """The week's reminders (督促提醒) for these units' lagging cadres and overdue appeals."""
    week_start = week.week_start
    messages = []
    # Reversed once: the enterprise's id replaces the placeholder (a province sends thousands).
    placeholder = "2147483647"
    visit_url = reverse("visit-create", args=[int(placeholder)])
    appeal_url = reverse("appeal-detail", args=[int(placeholder)])
    for unit_id in unit_ids:
        if week_start.day >= REMIND_FROM_DAY:
            for pairing in week.pairings.get(unit_id, []):
                if pairing.contacted or pairing.cadre__user_id is None or not pairing.cadre__user__is_active:
                    continue
                messages.append(Message(
                    user_id=pairing.cadre__user_id,
                    email=pairing.cadre__user__email,
                    kind="dispatch.contact",
                    title=_("Reminder: no contact with %(enterprise)s yet this month")
                    % {"enterprise": pairing.enterprise__name},
                    body=_("Please contact the enterprise you serve and log the visit before the month ends."),
                    url=visit_url.replace(placeholder, str(pairing.enterprise_id)),
                    key=f"dispatch-{week_start.isoformat()}-{pairing.cadre_id}",
                ))
        for appeal in week.overdue.get(unit_id, []):
            title = _("Reminder: overdue appeal %(title)s") % {"title": appeal.title}
            body = _("%(enterprise)s · deadline %(date)s") % {
                "enterprise": appeal.enterprise__name,
                "date": appeal.deadline.isoformat(),
            }
            key = f"dispatch-{week_start.isoformat()}-appeal-{appeal.pk}"
            messages.extend(
                Message(user_id=user.pk, email=user.email, kind="dispatch.overdue", title=title, body=body,
                        url=appeal_url.replace(placeholder, str(appeal.pk)), key=key)
                for user in week.recipients.get(appeal.pk, [])
            )
    return messages


def _remind(*, week: _Week, unit_ids: list[int]) -> int:
    return notify_many(_reminders(week, unit_ids))


def _open_interviews(week: _Week, unit_ids: list[int]) -> int:
    """Open an interview case (约谈) for each listed cadre of these units and reason not already open."""
    wanted = {
        (p.cadre_id, reason): detail
        for unit_id in unit_ids
        for p in week.pairings.get(unit_id, [])
        for reason, detail in week.interviews.get(p.cadre_id, [])
    }
    if not wanted:
        return 0
    open_now = set(
        InterviewCase.objects.filter(held_on__isnull=True, cadre_id__in={cadre for cadre, _r in wanted}).values_list(
            "cadre_id", "reason"
        )
    )
    cases = [
        InterviewCase(cadre_id=cadre_id, reason=reason, detail=detail[:300], opened_week=week.week_start)
        for (cadre_id, reason), detail in wanted.items()
        if (cadre_id, reason) not in open_now
    ]
    # Opened at the same moment by another run: the partial unique constraint keeps one.
    InterviewCase.objects.bulk_create(cases, ignore_conflicts=True)
    return len(cases)


def weekly_dispatch_units(*, week: _Week, unit_ids: list[int]) -> dict:
    """These units' sheets, reminders and interview cases, all or nothing, in a fixed number of
    statements; units whose sheet exists already are left alone."""
    with transaction.atomic():
        done = set(
            Dispatch.objects.select_for_update()
            .filter(week_start=week.week_start, unit_id__in=unit_ids)
            .values_list("unit_id", flat=True)
        )
        todo = [unit_id for unit_id in unit_ids if unit_id not in done]
        if not todo:
            return {"created": 0, "reminders": 0, "interviews": 0}
        # A run writing the same units at the same moment makes this fail as a whole (and the caller
        # try once more, finding them done): the constraint allows one sheet per unit and week.
        Dispatch.objects.bulk_create(
            [Dispatch(unit_id=unit_id, week_start=week.week_start, data=_unit_sheet(week, unit_id)) for unit_id in todo]
        )
        interviews = _open_interviews(week, todo)
        reminders = _remind(week=week, unit_ids=todo)
        return {"created": len(todo), "reminders": reminders, "interviews": interviews}


def weekly_dispatch_run(*, week_start: date, progress: Callable[..., None] | None = None) -> dict:
    """Build the week's sheet for every unit with pairings; safe to run again for the same week.

    The figures of all units are read at once (`_read_week`, a fixed number of queries); the sheets
    are then written DISPATCH_CHUNK_UNITS units at a time, each chunk in one transaction with its
    reminders and interview cases, so a killed run leaves whole chunks done and a re-run finishes the
    rest. `progress(done, total, note)` is called after each chunk, outside its transaction.
    """
    if week_start.isoweekday() != 1:
        raise ValidationError(_("A week starts on a Monday."))
    names = dict(
        Unit.objects.filter(Exists(_pairings_in_force(week_start).filter(cadre__unit=OuterRef("pk"))))
        .order_by("pk")
        .values_list("pk", "name")
    )
    unit_ids = list(names)
    result = {"week_start": week_start.isoformat(), "units": len(unit_ids), "created": 0, "reminders": 0,
              "interviews": 0}
    done = set(Dispatch.objects.filter(week_start=week_start).values_list("unit_id", flat=True))
    todo = [unit_id for unit_id in unit_ids if unit_id not in done]
    if progress:
        progress(len(unit_ids) - len(todo), len(unit_ids), "")
    if not todo:
        return result
    week = _read_week(week_start)
    size = max(int(settings.DISPATCH_CHUNK_UNITS), 1)
    finished = len(unit_ids) - len(todo)
    for start in range(0, len(todo), size):
        chunk = todo[start:start + size]
        try:
            counts = weekly_dispatch_units(week=week, unit_ids=chunk)
        except IntegrityError:
            counts = weekly_dispatch_units(week=week, unit_ids=chunk)  # another run wrote some: skip those
        for key in ("created", "reminders", "interviews"):
            result[key] += counts[key]
        finished += len(chunk)
        if progress:
            progress(finished, len(unit_ids), names[chunk[-1]])
    log.info("weekly dispatch %s: %s", week_start, result)
    return result


@transaction.atomic
def interview_record(*, case: InterviewCase, held_on: date, record: str, acting_user: User) -> InterviewCase:
    """Record that the interview was held; only the task force does this, once per case."""
    from reports.permissions import can_record_interview

    if not can_record_interview(acting_user):
        raise PermissionDenied(_("Only task-force staff record interviews."))
    case = InterviewCase.objects.select_for_update().get(pk=case.pk)
    if case.held_on is not None:
        raise ValidationError(_("This interview has already been recorded."))
    if not record.strip():
        raise ValidationError({"record": _("Write down what was discussed.")})
    case.held_on, case.record, case.recorded_by = held_on, record.strip(), acting_user
    case.save(update_fields=["held_on", "record", "recorded_by"])
    return case
