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
from datetime import date, datetime, time, timedelta

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Exists, OuterRef, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from appeals.models import Appeal, Status
from appeals.notifications import step_recipients
from liaison.models import Assignment, Unit, User, Visit
from liaison.notifications import notify
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


def _missed_cadre_ids(month: date, cadre_ids: list[int]) -> set[int]:
    """Cadres with a pairing due in the (finished) `month` and no visit under it within the month."""
    _first, last = month_bounds(month)
    due = _pairings_in_force(last).filter(cadre_id__in=cadre_ids)
    return set(annotate_contacted(due, month).filter(contacted=False).values_list("cadre_id", flat=True))


def _appeal_row(appeal: Appeal) -> dict:
    return {
        "id": appeal.pk,
        "title": appeal.title,
        "enterprise": appeal.enterprise.name,
        "cadre": appeal.cadre.name if appeal.cadre_id else "",
        "handler": appeal.handler_label(),
        "deadline": appeal.deadline.isoformat() if appeal.deadline else None,
        "status": appeal.status,
    }


def _interview_candidates(*, cadre_ids: list[int], week_start: date) -> dict[int, list[tuple[str, str]]]:
    """For each cadre due an interview: the reasons, as (reason, detail)."""
    found: dict[int, list[tuple[str, str]]] = {}
    months_needed = settings.INTERVIEW_MISSED_MONTHS
    if months_needed > 0:
        missed = set(cadre_ids)
        month = previous_month(week_start)
        months = []
        for _i in range(months_needed):
            missed &= _missed_cadre_ids(month, list(missed))
            months.append(month.strftime("%Y-%m"))
            month = previous_month(month)
        for cadre_id in missed:
            detail = _("No contact in %(months)s") % {"months": ", ".join(reversed(months))}
            found.setdefault(cadre_id, []).append((InterviewReason.MISSED_CONTACT, detail))
    limit = settings.INTERVIEW_OVERDUE_APPEALS
    if limit > 0:
        # An appeal has no "went overdue on" date: one with a late step and activity in the window counts.
        since = _local_start(week_start - timedelta(days=OVERDUE_WINDOW_DAYS))
        late = Appeal.objects.filter(cadre_id__in=cadre_ids, overdue_steps__gt=0, updated_at__gte=since).values_list(
            "cadre_id", flat=True
        )
        counts: dict[int, int] = {}
        for cadre_id in late:
            counts[cadre_id] = counts.get(cadre_id, 0) + 1
        for cadre_id, count in counts.items():
            if count >= limit:
                detail = _("%(count)d appeals overdue in the last %(days)d days") % {
                    "count": count,
                    "days": OVERDUE_WINDOW_DAYS,
                }
                found.setdefault(cadre_id, []).append((InterviewReason.OVERDUE_APPEALS, detail))
    return found


def _unit_sheet(*, unit: Unit, week_start: date) -> tuple[dict, list[Assignment], list[Appeal], dict]:
    week_end = week_start + timedelta(days=6)
    month_first, _last = month_bounds(week_start)
    unit_q = Q(cadre__unit=unit) | Q(handler_unit=unit)
    appeals = Appeal.objects.select_related("enterprise", "cadre__user", "handler_cadre__user", "handler_unit")
    overdue = list(appeals.filter(unit_q, status=Status.HANDLING, deadline__lt=week_start).order_by("deadline", "id"))
    due = list(
        appeals.filter(unit_q, status=Status.HANDLING, deadline__gte=week_start, deadline__lte=week_end).order_by(
            "deadline", "id"
        )
    )
    new = list(
        appeals.filter(
            cadre__unit=unit,
            raised_at__gte=_local_start(week_start - timedelta(days=7)),
            raised_at__lt=_local_start(week_start),
        ).order_by("raised_at", "id")
    )
    visits = Visit.objects.filter(assignment=OuterRef("pk"), date__gte=month_first, date__lte=week_start)
    pairings = list(
        _pairings_in_force(week_start)
        .filter(cadre__unit=unit)
        .annotate(contacted=Exists(visits))
        .select_related("cadre__user", "enterprise")
        .order_by("cadre__name", "id")
    )
    lagging = [p for p in pairings if not p.contacted]
    interviews = _interview_candidates(cadre_ids=[p.cadre_id for p in pairings], week_start=week_start)
    names = {p.cadre_id: p.cadre.name for p in pairings}
    sheet = {
        "overdue_appeals": [_appeal_row(a) for a in overdue],
        "due_this_week": [_appeal_row(a) for a in due],
        "not_contacted": [
            {
                "id": p.pk,
                "name": p.cadre.name,
                "cadre_id": p.cadre_id,
                "enterprise": p.enterprise.name,
                "enterprise_id": p.enterprise_id,
            }
            for p in lagging
        ],
        "new_appeals": [_appeal_row(a) for a in new],
        "interviews": [
            {"id": cadre_id, "name": names[cadre_id], "reasons": [reason for reason, _detail in reasons]}
            for cadre_id, reasons in sorted(interviews.items(), key=lambda item: names[item[0]])
        ],
        "pairings": len(pairings),
    }
    return sheet, lagging, overdue, interviews


def _open_interview(*, cadre_id: int, reason: str, detail: str, week_start: date) -> bool:
    if InterviewCase.objects.filter(cadre_id=cadre_id, reason=reason, held_on__isnull=True).exists():
        return False
    try:
        with transaction.atomic():
            InterviewCase.objects.create(cadre_id=cadre_id, reason=reason, detail=detail[:300], opened_week=week_start)
    except IntegrityError:
        return False  # opened concurrently by another run
    return True


def _remind(*, week_start: date, lagging: list[Assignment], overdue: list[Appeal]) -> int:
    sent = 0
    if week_start.day >= REMIND_FROM_DAY:
        for pairing in lagging:
            user = pairing.cadre.user
            if user is None or not user.is_active:
                continue
            sent += notify(
                [user],
                kind="dispatch.contact",
                title=_("Reminder: no contact with %(enterprise)s yet this month")
                % {"enterprise": pairing.enterprise.name},
                body=_("Please contact the enterprise you serve and log the visit before the month ends."),
                url=reverse("visit-create", args=[pairing.enterprise_id]),
                key=f"dispatch-{week_start.isoformat()}-{pairing.cadre_id}",
            )
    for appeal in overdue:
        sent += notify(
            step_recipients(appeal),
            kind="dispatch.overdue",
            title=_("Reminder: overdue appeal %(title)s") % {"title": appeal.title},
            body=_("%(enterprise)s · deadline %(date)s")
            % {
                "enterprise": appeal.enterprise.name,
                "date": appeal.deadline.isoformat(),
            },
            url=appeal.get_absolute_url(),
            key=f"dispatch-{week_start.isoformat()}-appeal-{appeal.pk}",
        )
    return sent


def weekly_dispatch_unit(*, unit: Unit, week_start: date) -> dict | None:
    """One unit's sheet, reminders and interview cases, all or nothing; None when already done."""
    with transaction.atomic():
        if Dispatch.objects.filter(unit=unit, week_start=week_start).exists():
            return None
        sheet, lagging, overdue, interviews = _unit_sheet(unit=unit, week_start=week_start)
        dispatch, created = Dispatch.objects.get_or_create(unit=unit, week_start=week_start, defaults={"data": sheet})
        if not created:
            return None  # a concurrent run got there first
        opened = sum(
            _open_interview(cadre_id=cadre_id, reason=reason, detail=detail, week_start=week_start)
            for cadre_id, reasons in interviews.items()
            for reason, detail in reasons
        )
        reminded = _remind(week_start=week_start, lagging=lagging, overdue=overdue)
        return {"dispatch": dispatch.pk, "reminders": reminded, "interviews": opened}


def weekly_dispatch_run(*, week_start: date, progress: Callable[..., None] | None = None) -> dict:
    """Build the week's sheet for every unit with pairings; safe to run again for the same week.
    `progress(done, total, note)` is called after each unit, outside its transaction."""
    if week_start.isoweekday() != 1:
        raise ValidationError(_("A week starts on a Monday."))
    units = list(
        Unit.objects.filter(Exists(_pairings_in_force(week_start).filter(cadre__unit=OuterRef("pk")))).order_by("pk")
    )
    result = {"week_start": week_start.isoformat(), "units": 0, "created": 0, "reminders": 0, "interviews": 0}
    if progress:
        progress(0, len(units), "")
    for index, unit in enumerate(units, start=1):
        result["units"] += 1
        done = weekly_dispatch_unit(unit=unit, week_start=week_start)
        if progress:
            progress(index, len(units), unit.name)
        if done is None:
            continue
        result["created"] += 1
        result["reminders"] += done["reminders"]
        result["interviews"] += done["interviews"]
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
