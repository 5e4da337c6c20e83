"""Reads, scoped to the viewer, with the joins each page needs."""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.db.models import BooleanField, Count, Exists, ExpressionWrapper, F, FilteredRelation, OuterRef, Q, QuerySet
from django.utils import timezone

from enterprises.models import Enterprise
from liaison.models import Assignment, Cadre, Unit, User, Visit
from liaison.permissions import cadre_id_of, handled_unit_id


def today() -> date:
    return timezone.localdate()


def within_days(field: str, start: date | None, end: date | None) -> Q:
    """Q for `field` (a timestamp) within the local days start..end, either bound optional: a range the
    column's index serves, where a `__date` cast would read every row. `date.min` and `date.max` mean
    no bound (an aware datetime on year 1 cannot be converted to UTC, which SQLite needs)."""
    q = Q()
    if start is not None and start > date.min:
        q &= Q(**{f"{field}__gte": timezone.make_aware(datetime.combine(start, time.min))})
    if end is not None and end < date.max:
        q &= Q(**{f"{field}__lt": timezone.make_aware(datetime.combine(end + timedelta(days=1), time.min))})
    return q


def month_bounds(month: date) -> tuple[date, date]:
    first = month.replace(day=1)
    last = first.replace(day=calendar.monthrange(first.year, first.month)[1])
    return first, last


def previous_month(day: date) -> date:
    """The first day of the month before `day`'s."""
    return (day.replace(day=1) - timedelta(days=1)).replace(day=1)


# --- Scoped querysets ------------------------------------------------------------------------


def unit_list(*, viewer: User) -> QuerySet[Unit]:
    """The organisation chart is not confidential: every signed-in user sees all units."""
    return Unit.objects.select_related("parent")


def cadre_list(*, viewer: User) -> QuerySet[Cadre]:
    qs = Cadre.objects.select_related("unit", "user")
    if viewer.sees_everything:
        return qs
    unit_id = handled_unit_id(viewer)
    if unit_id is not None:
        return qs.filter(unit_id=unit_id)
    return qs.filter(user=viewer)


def enterprise_list(*, viewer: User) -> QuerySet[Enterprise]:
    qs = Enterprise.objects.select_related("street")
    if viewer.sees_everything:
        return qs
    pairings = Assignment.objects.filter(enterprise=OuterRef("pk"))
    unit_id = handled_unit_id(viewer)
    if unit_id is not None:
        return qs.filter(Exists(pairings.filter(cadre__unit_id=unit_id)))
    return qs.filter(Exists(pairings.filter(cadre_id=cadre_id_of(viewer))))


def scoped_by_cadre(qs: QuerySet, *, viewer: User, cadre_path: str = "cadre") -> QuerySet:
    """Narrow rows that belong to a cadre to the viewer: all of them, their unit's, or their own."""
    if viewer.sees_everything:
        return qs
    unit_id = handled_unit_id(viewer)
    if unit_id is not None:
        return qs.filter(**{f"{cadre_path}__unit_id": unit_id})
    return qs.filter(**{f"{cadre_path}_id": cadre_id_of(viewer)})


def assignment_list(*, viewer: User) -> QuerySet[Assignment]:
    qs = Assignment.objects.select_related("cadre__unit", "enterprise__street")
    return scoped_by_cadre(qs, viewer=viewer)


def visit_list(*, viewer: User) -> QuerySet[Visit]:
    qs = Visit.objects.select_related("cadre__unit", "enterprise")
    if not viewer.sees_everything and handled_unit_id(viewer) is None:
        # A cadre's own visits through the cadre already joined, rather than reading their cadre's id first.
        return qs.filter(cadre__user=viewer)
    return scoped_by_cadre(qs, viewer=viewer)


def with_active_pairing(qs: QuerySet[Enterprise]) -> QuerySet[Enterprise]:
    """Annotate enterprises with whether they have an active pairing: one LEFT JOIN on the active pairing
    (at most one, by a constraint). An EXISTS here became a hash of every active pairing in the province,
    built for each page of 50."""
    return qs.annotate(
        active_pairing=FilteredRelation("assignments", condition=Q(assignments__ended_on__isnull=True)),
        is_paired=ExpressionWrapper(Q(active_pairing__id__isnull=False), output_field=BooleanField()),
    )


def unpaired_enterprises(*, viewer: User) -> QuerySet[Enterprise]:
    return (
        enterprise_list(viewer=viewer)
        .filter(status="operating")
        .exclude(Exists(Assignment.objects.active().filter(enterprise=OuterRef("pk"))))
    )


def unpaired_cadres(*, viewer: User) -> QuerySet[Cadre]:
    return (
        cadre_list(viewer=viewer)
        .filter(active=True)
        .exclude(Exists(Assignment.objects.active().filter(cadre=OuterRef("pk"))))
    )


# --- Monthly contact ("每月至少联系服务企业1次") ---------------------------------------------


class ContactStatus:
    CONTACTED = "contacted"
    PENDING = "pending"  # the month is still running and no visit yet
    MISSED = "missed"  # the month is over and no visit was logged


def monthly_contact(month: date, *, pairings: QuerySet[Assignment] | None = None) -> QuerySet[Assignment]:
    """Pairings due for contact in `month`, each annotated with `contacted` (bool).

    A pairing is due in a month when it is in force on the month's last day (for the current
    month: today), so a cadre re-paired late in a month answers for the new enterprise only.
    It is compliant when at least one visit under that pairing is dated within the month.
    """
    _first, last = month_bounds(month)
    cutoff = min(last, today())
    qs = pairings if pairings is not None else Assignment.objects.all()
    due = qs.filter(started_on__lte=cutoff).filter(Q(ended_on__isnull=True) | Q(ended_on__gte=cutoff))
    return annotate_contacted(due, month)


def annotate_contacted(pairings: QuerySet[Assignment], month: date) -> QuerySet[Assignment]:
    """Annotate pairings with `contacted`: a visit under the pairing is dated within `month`."""
    first, last = month_bounds(month)
    visits = Visit.objects.filter(assignment=OuterRef("pk"), date__gte=first, date__lte=last)
    return pairings.annotate(contacted=Exists(visits))


def with_current_cadre(qs: QuerySet[Enterprise]) -> QuerySet[Enterprise]:
    """Annotate enterprises with their active pairing's cadre (id and name), in the same query: one
    LEFT JOIN on the active pairing (at most one per enterprise, by a constraint), not a subquery per row."""
    return qs.annotate(
        active_pairing=FilteredRelation("assignments", condition=Q(assignments__ended_on__isnull=True)),
        current_cadre_id=F("active_pairing__cadre_id"),
        current_cadre_name=F("active_pairing__cadre__name"),
    )


def with_current_enterprise(qs: QuerySet[Cadre]) -> QuerySet[Cadre]:
    """Annotate cadres with their active pairing's enterprise (id and name), in the same query (one
    LEFT JOIN, as with_current_cadre)."""
    return qs.annotate(
        active_pairing=FilteredRelation("assignments", condition=Q(assignments__ended_on__isnull=True)),
        current_enterprise_id=F("active_pairing__enterprise_id"),
        current_enterprise_name=F("active_pairing__enterprise__name"),
    )


def contact_status_of(contacted: bool, month: date) -> str:
    if contacted:
        return ContactStatus.CONTACTED
    _first, last = month_bounds(month)
    return ContactStatus.PENDING if last >= today() else ContactStatus.MISSED


@dataclass(frozen=True)
class UnitCompliance:
    unit_id: int
    unit_name: str
    due: int
    contacted: int

    @property
    def rate(self) -> float | None:
        """Share of due pairings contacted, 0..1; None when the unit has no pairing due."""
        return self.contacted / self.due if self.due else None

    @property
    def missing(self) -> int:
        return self.due - self.contacted


def unit_compliance(month: date, *, pairings: QuerySet[Assignment] | None = None) -> list[UnitCompliance]:
    """For each unit with pairings due in `month`: how many were due and how many contacted."""
    rows = (
        monthly_contact(month, pairings=pairings)
        .order_by()
        .values("cadre__unit_id", "cadre__unit__name")
        .annotate(due=Count("id"), done=Count("id", filter=Q(contacted=True)))
        .order_by("cadre__unit__name")
    )
    return [
        UnitCompliance(
            unit_id=row["cadre__unit_id"], unit_name=row["cadre__unit__name"], due=row["due"], contacted=row["done"]
        )
        for row in rows
    ]


def overall_compliance_of_months(months: list[date]) -> dict[date, UnitCompliance]:
    """overall_compliance of several months, in one query that reads the pairings once."""
    if not months:
        return {}
    qs = Assignment.objects.order_by()
    aggregates = {}
    for index, month in enumerate(months):
        first, last = month_bounds(month)
        cutoff = min(last, today())
        due = Q(started_on__lte=cutoff) & (Q(ended_on__isnull=True) | Q(ended_on__gte=cutoff))
        visits = Visit.objects.filter(assignment=OuterRef("pk"), date__gte=first, date__lte=last)
        qs = qs.annotate(**{f"contacted_{index}": Exists(visits)})
        aggregates[f"due_{index}"] = Count("id", filter=due)
        aggregates[f"done_{index}"] = Count("id", filter=due & Q(**{f"contacted_{index}": True}))
    totals = qs.aggregate(**aggregates)
    return {
        month: UnitCompliance(unit_id=0, unit_name="", due=totals[f"due_{i}"], contacted=totals[f"done_{i}"])
        for i, month in enumerate(months)
    }


def overall_compliance(month: date, *, pairings: QuerySet[Assignment] | None = None) -> UnitCompliance:
    totals = monthly_contact(month, pairings=pairings).aggregate(
        due=Count("id"), done=Count("id", filter=Q(contacted=True))
    )
    return UnitCompliance(unit_id=0, unit_name="", due=totals["due"], contacted=totals["done"])
