"""Reads of appeals: scoped to the viewer, filtered like the queues, and measured.

How the figures count (so that "95%" means one thing everywhere):
- The cohort of a period is the appeals raised within it (by `raised_at`, Asia/Shanghai dates),
  narrowed by the unit (of the enterprise's cadre), category or handler asked for.
- Withdrawn and out-of-scope appeals are reported but left out of every rate: they were not the
  campaign's to resolve.
- Closure rate (办结率) = appeals now resolved or closed ÷ the counted cohort (all less withdrawn and
  out of scope). An appeal reopened after unsatisfied feedback is not resolved until it is
  resolved again.
- On-time rate = resolved appeals none of whose steps finished after its deadline ÷ resolved appeals.
  Paused time moves the deadline, so it never makes a step late.
- Satisfaction = appeals whose latest feedback is satisfied or basically satisfied ÷ appeals with
  any feedback (a reopened appeal counts as unsatisfied until its next verdict).
- Average handling time = mean working days from raising to resolution, paused working days
  excluded, over resolved appeals.
"""

from __future__ import annotations

import hashlib
import operator
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from functools import reduce

import django_filters
from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.db.models import Avg, BooleanField, Count, ExpressionWrapper, Q, QuerySet
from django.db.models.functions import TruncMonth
from django.utils.translation import gettext_lazy as _

from appeals.models import (
    RESOLVED_STATUSES,
    SATISFIED_VERDICTS,
    Appeal,
    AppealCategory,
    AppealEvent,
    Status,
    Tier,
    Urgency,
)
from appeals.permissions import principals_of
from enterprises.industries import SECTION_CHOICES
from enterprises.models import Enterprise
from liaison.filters import ShortModelChoiceFilter
from liaison.joined import Joined, Part, by_ids, execute_written
from liaison.models import Cadre, Unit, UnitKind, User, Visit
from liaison.permissions import handled_unit_id
from liaison.pickers import street_widget, unit_widget
from liaison.renderers import FastForm
from liaison.selectors import today, within_days
from liaison.widgets import DateRangeInputs


def overdue_q() -> Q:
    return Q(status=Status.HANDLING, deadline__lt=today())


def _scope_q(user: User) -> Q:
    q = Q(raised_by=user) | Q(cadre__user=user) | Q(handler_cadre__user=user)
    unit_id = handled_unit_id(user)
    if unit_id is not None:
        q |= Q(cadre__unit_id=unit_id) | Q(handler_unit_id=unit_id)
    return q


def appeal_list(*, viewer: User) -> QuerySet[Appeal]:
    """Appeals the viewer may see (their own, their unit's, those of whoever they stand in for),
    annotated with `overdue`."""
    qs = Appeal.objects.select_related(
        "enterprise__street", "category", "cadre__unit", "handler_cadre", "handler_unit"
    ).annotate(overdue=ExpressionWrapper(overdue_q(), output_field=BooleanField()))
    if viewer.sees_everything:
        return qs
    return qs.filter(reduce(operator.or_, [_scope_q(u) for u in [viewer, *principals_of(viewer)]]))


def my_queue(*, viewer: User) -> QuerySet[Appeal]:
    """Open appeals whose current step the viewer (or whoever they stand in for) holds."""
    people = [viewer, *principals_of(viewer)]
    q = Q()
    for who in people:
        q |= Q(tier=Tier.INDIVIDUAL, handler_cadre__user=who)
        unit_id = handled_unit_id(who)
        if unit_id is not None:
            q |= Q(tier__in=[Tier.UNIT, Tier.TASKFORCE], handler_unit_id=unit_id)
        if who.is_taskforce:
            q |= Q(tier=Tier.TASKFORCE)
    return appeal_list(viewer=viewer).filter(q, status__in=[Status.HANDLING, Status.SUSPENDED])


_APPEAL_PAGE = Joined(
    [
        Part("a", Appeal),
        Part("e", Enterprise, "LEFT JOIN enterprises_enterprise e ON e.id = a.enterprise_id"),
        Part("cat", AppealCategory, "LEFT JOIN appeals_appealcategory cat ON cat.id = a.category_id"),
        Part("c", Cadre, "LEFT JOIN liaison_cadre c ON c.id = a.cadre_id"),
        Part("hc", Cadre, "LEFT JOIN liaison_cadre hc ON hc.id = a.handler_cadre_id"),
    ],
    where="a.id = %s",
)
_USERS_WITH_CADRE = Joined(
    [Part("u", User), Part("c", Cadre, "LEFT JOIN liaison_cadre c ON c.user_id = u.id")], where="u.id IN (%s, %s)",
)


def appeal_for_page(pk: int) -> Appeal:
    """One appeal with every row its page shows (enterprise and street, category, cadre and unit, handlers,
    who raised and resolved it, the visit, the supervising leader), in three to five small statements.

    One join of all of them (16 tables) took PostgreSQL 3–14 ms to plan, more than the page took to render;
    the appeal with four of them plans in 0.3 ms, and the units and users are then read by id. The
    statements are written once (`liaison.joined`): building them through the ORM on every request
    cost more than running them.
    Raises Appeal.DoesNotExist."""
    rows = _APPEAL_PAGE.one([pk])
    if rows is None:
        raise Appeal.DoesNotExist(f"Appeal {pk} does not exist.")
    appeal = rows["a"]
    for name, alias in (("enterprise", "e"), ("category", "cat"), ("cadre", "c"), ("handler_cadre", "hc")):
        _attach(appeal, name, rows[alias])
    cadres = [c for c in (appeal.cadre, appeal.handler_cadre) if c is not None]
    if appeal.supervising_leader_id:
        _attach(appeal, "supervising_leader", by_ids(Cadre, [appeal.supervising_leader_id]).get(
            appeal.supervising_leader_id))
        cadres.append(appeal.supervising_leader)
    units = by_ids(Unit, [appeal.enterprise.street_id, appeal.handler_unit_id, *(c.unit_id for c in cadres)])
    _attach(appeal.enterprise, "street", units.get(appeal.enterprise.street_id))
    _attach(appeal, "handler_unit", units.get(appeal.handler_unit_id))
    for cadre in cadres:
        _attach(cadre, "unit", units.get(cadre.unit_id))
    users = {}
    for row in _USERS_WITH_CADRE.all([appeal.raised_by_id, appeal.resolved_by_id or appeal.raised_by_id]):
        user = row["u"]
        User.cadre.related.set_cached_value(user, row["c"])  # None too: "no cadre" is then known
        users[user.pk] = user
    _attach(appeal, "raised_by", users.get(appeal.raised_by_id))
    _attach(appeal, "resolved_by", users.get(appeal.resolved_by_id))
    if appeal.visit_id:  # a sixth table in the first statement doubled its planning (0.3 → 0.6 ms)
        _attach(appeal, "visit", by_ids(Visit, [appeal.visit_id]).get(appeal.visit_id))
    return appeal


ROW_RELATED = ("enterprise", "category", "handler_cadre", "handler_unit")


def with_row_related(appeals: Sequence[Appeal]) -> None:
    """Fill in what a queue's row shows of each appeal (enterprise, category, handling cadre and unit): one
    statement by primary key per table, each planned in a fraction of the time of the four joins."""
    for name in ROW_RELATED:
        field = Appeal._meta.get_field(name)
        found = by_ids(field.related_model, [getattr(a, field.attname) for a in appeals])
        for appeal in appeals:
            _attach(appeal, name, found.get(getattr(appeal, field.attname)))


def _attach(instance, name: str, related) -> None:
    """Fill a foreign key's cache with a row read by id (left alone when none was read: it is then read
    lazily as usual, and its id is never cleared)."""
    if related is not None:
        setattr(instance, name, related)


def timeline(appeal: Appeal) -> QuerySet[AppealEvent]:
    return appeal.events.select_related("actor", "on_behalf_of").order_by("seq")


def categories_digest() -> str:
    """A short digest of the appeal categories as the filter's drop-down lists them: the queue keeps its empty
    filter form drawn under it, so that a category added or renamed shows at once. One plain statement."""
    table = connection.ops.quote_name(AppealCategory._meta.db_table)
    with connection.cursor() as cursor:
        execute_written(cursor, f'SELECT id, name, active FROM {table} ORDER BY "order", id', [])
        rows = cursor.fetchall()
    return hashlib.sha256(repr(rows).encode()).hexdigest()[:16]


class AppealFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(method="search", label=_("Search"))
    status = django_filters.MultipleChoiceFilter(choices=Status.choices, label=_("Status"))
    tier = django_filters.ChoiceFilter(choices=Tier.choices, label=_("Tier"))
    category = ShortModelChoiceFilter(queryset=AppealCategory.objects.all(), label=_("Category"))
    urgency = django_filters.ChoiceFilter(choices=Urgency.choices, label=_("Urgency"))
    overdue = django_filters.BooleanFilter(method="filter_overdue", label=_("Overdue"))
    awaiting_triage = django_filters.BooleanFilter(method="filter_triage", label=_("Awaiting assignment"))
    street = django_filters.ModelChoiceFilter(
        field_name="enterprise__street", queryset=Unit.objects.filter(kind=UnitKind.STREET), label=_("Street"),
        widget=street_widget(), empty_label=_("All"),
    )
    industry = django_filters.ChoiceFilter(
        field_name="enterprise__industry_section", choices=SECTION_CHOICES, label=_("Industry")
    )
    handler_unit = django_filters.ModelChoiceFilter(
        queryset=Unit.objects.all(), label=_("Handling unit"), widget=unit_widget(), empty_label=_("All")
    )
    handler_cadre = django_filters.ModelChoiceFilter(queryset=Cadre.objects.all(), label=_("Handling cadre"))
    unit = django_filters.ModelChoiceFilter(
        field_name="cadre__unit", queryset=Unit.objects.all(), label=_("Cadre's unit"), widget=unit_widget(),
        empty_label=_("All"),
    )
    # On the timestamp itself (local midnight to the day's last instant), so that its index serves it.
    raised = django_filters.DateFromToRangeFilter(field_name="raised_at", label=_("Raised"), widget=DateRangeInputs())

    class Meta:
        form = FastForm
        model = Appeal
        fields = [
            "q",
            "status",
            "tier",
            "category",
            "urgency",
            "overdue",
            "awaiting_triage",
            "street",
            "industry",
            "handler_unit",
            "handler_cadre",
            "unit",
            "raised",
            "enterprise",
            "cadre",
        ]

    def search(self, qs, name, value):
        value = value.strip()
        q = Q(title__icontains=value) | Q(enterprise__name__icontains=value) | Q(description__icontains=value)
        if value.lstrip("#").isdigit():
            q |= Q(pk=int(value.lstrip("#")))
        return qs.filter(q)

    def filter_overdue(self, qs, name, value):
        return qs.filter(overdue_q()) if value else qs.exclude(overdue_q())

    def filter_triage(self, qs, name, value):
        triage = Q(tier=Tier.TASKFORCE, handler_unit__isnull=True, status__in=[Status.HANDLING, Status.SUSPENDED])
        return qs.filter(triage) if value else qs.exclude(triage)


# The queue's counts are kept in the shared cache under the statement that counts them, with the appeals'
# generation: a token every saved or deleted appeal replaces (`appeals_changed`, after its commit). So the
# counts kept are those of the appeals as they are; a task force paging through its queue, or ten staff
# opening it, count once. Kept only where the cache is shared by every process that changes appeals (Redis):
# each process's own memory would miss another's changes.
COUNTS_GENERATION_KEY = "appeal-counts:generation"
COUNTS_KEEP_SECONDS = 600


def appeals_changed() -> None:
    """Say that appeals changed: the queue counts kept so far are no longer used."""
    if _counts_kept():
        cache.set(COUNTS_GENERATION_KEY, uuid.uuid4().hex, None)


def _counts_kept() -> bool:
    return not settings.CACHES["default"]["BACKEND"].endswith("LocMemCache")


def queue_counts(qs: QuerySet[Appeal]) -> dict[str, int]:
    """The counts shown at the top of a queue: counted (`count_queue`) or, when nothing changed since they
    were last counted for the same rows on the same day, as then."""
    if not _counts_kept():
        return count_queue(qs)
    sql, params = _count_groups(qs).query.sql_with_params()
    digest = hashlib.sha256(repr((sql, params)).encode()).hexdigest()[:32]
    key = f"appeal-counts:{today().isoformat()}:{digest}"
    found = cache.get_many([COUNTS_GENERATION_KEY, key])
    generation = found.get(COUNTS_GENERATION_KEY)
    if generation is None:
        generation = uuid.uuid4().hex
        cache.add(COUNTS_GENERATION_KEY, generation, None)
        generation = cache.get(COUNTS_GENERATION_KEY) or generation
    kept = found.get(key)
    if kept is not None and kept[0] == generation:
        return dict(kept[1])
    counts = count_queue(qs)
    cache.set(key, (generation, counts), COUNTS_KEEP_SECONDS)
    return counts


def count_queue(qs: QuerySet[Appeal]) -> dict[str, int]:
    """The counts shown at the top of a queue, in one query: the rows grouped by status and tier (at most
    21 groups), summed here. Ten filtered counts over every row cost five times as much at a province;
    grouped, the covering index `appeal_queue_counts` answers without reading the table."""
    groups = _count_groups(qs)
    counts = dict.fromkeys(
        ["total", "open", "individual", "unit", "taskforce", "triage", "suspended", "overdue", "resolved", "closed"], 0
    )
    tier_key = {Tier.INDIVIDUAL: "individual", Tier.UNIT: "unit", Tier.TASKFORCE: "taskforce"}
    for group in groups:
        status, tier, n = group["status"], group["tier"], group["n"]
        counts["total"] += n
        counts["overdue"] += group["overdue"]
        if status in (Status.HANDLING, Status.SUSPENDED):
            counts["open"] += n
            counts[tier_key[tier]] += n
            if tier == Tier.TASKFORCE:
                counts["triage"] += group["unassigned"]
        if status == Status.SUSPENDED:
            counts["suspended"] += n
        elif status == Status.RESOLVED:
            counts["resolved"] += n
        elif status == Status.CLOSED:
            counts["closed"] += n
    return counts


def _count_groups(qs: QuerySet[Appeal]) -> QuerySet:
    return (
        qs.order_by()
        .values("status", "tier")
        .annotate(
            # Counting the status (never null), not the id: the id is not in the index.
            n=Count("status"),
            unassigned=Count("status", filter=Q(handler_unit__isnull=True)),
            overdue=Count("status", filter=overdue_q()),
        )
    )


# --- Metrics ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class AppealMetrics:
    total: int
    withdrawn: int
    out_of_scope: int
    resolved: int
    on_time: int
    with_feedback: int
    satisfied: int
    avg_handling_workdays: float | None
    open: int
    overdue: int

    @property
    def counted(self) -> int:
        return self.total - self.withdrawn - self.out_of_scope

    @property
    def closure_rate(self) -> float | None:
        return self.resolved / self.counted if self.counted else None

    @property
    def on_time_rate(self) -> float | None:
        return self.on_time / self.resolved if self.resolved else None

    @property
    def satisfaction(self) -> float | None:
        return self.satisfied / self.with_feedback if self.with_feedback else None

    def as_dict(self) -> dict:
        return {
            "total": self.total,
            "counted": self.counted,
            "withdrawn": self.withdrawn,
            "out_of_scope": self.out_of_scope,
            "resolved": self.resolved,
            "open": self.open,
            "overdue": self.overdue,
            "closure_rate": self.closure_rate,
            "on_time_rate": self.on_time_rate,
            "satisfaction": self.satisfaction,
            "avg_handling_workdays": self.avg_handling_workdays,
        }


def _metric_aggregates() -> dict:
    resolved = Q(status__in=RESOLVED_STATUSES)
    return {
        "total": Count("id"),
        "withdrawn": Count("id", filter=Q(status=Status.WITHDRAWN)),
        "out_of_scope": Count("id", filter=Q(status=Status.OUT_OF_SCOPE)),
        "resolved": Count("id", filter=resolved),
        "on_time": Count("id", filter=resolved & Q(overdue_steps=0)),
        "with_feedback": Count("id", filter=~Q(feedback="")),
        "satisfied": Count("id", filter=Q(feedback__in=SATISFIED_VERDICTS)),
        "avg_handling_workdays": Avg("handling_workdays", filter=resolved),
        "open": Count("id", filter=Q(status__in=[Status.HANDLING, Status.SUSPENDED])),
        "overdue": Count("id", filter=overdue_q()),
    }


def _cohort(
    start: date,
    end: date,
    *,
    unit=None,
    category=None,
    handler_unit=None,
    handler_cadre=None,
    appeals: QuerySet[Appeal] | None = None,
) -> QuerySet[Appeal]:
    qs = (appeals if appeals is not None else Appeal.objects.all()).filter(within_days("raised_at", start, end))
    if unit is not None:
        qs = qs.filter(cadre__unit=unit)
    if category is not None:
        qs = qs.filter(category=category)
    if handler_unit is not None:
        qs = qs.filter(handler_unit=handler_unit)
    if handler_cadre is not None:
        qs = qs.filter(handler_cadre=handler_cadre)
    return qs.order_by()


def _metrics(row: dict) -> AppealMetrics:
    avg = row["avg_handling_workdays"]
    return AppealMetrics(**{**row, "avg_handling_workdays": float(avg) if avg is not None else None})


def appeal_metrics(start: date, end: date, **filters) -> AppealMetrics:
    """Closure rate, on-time rate, satisfaction and average handling time for appeals raised in
    [start, end], optionally for one unit, category, handling unit or handling cadre. One query."""
    return _metrics(_cohort(start, end, **filters).aggregate(**_metric_aggregates()))


GROUPS = {
    "unit": ("cadre__unit_id", "cadre__unit__name"),
    "category": ("category_id", "category__name"),
    "handler_unit": ("handler_unit_id", "handler_unit__name"),
    "handler_cadre": ("handler_cadre_id", "handler_cadre__name"),
    "cadre": ("cadre_id", "cadre__name"),
    "industry": ("enterprise__industry_section", "enterprise__industry_section"),
    "street": ("enterprise__street_id", "enterprise__street__name"),
}


def appeal_metrics_by(group: str, start: date, end: date, **filters) -> list[tuple[int | None, str, AppealMetrics]]:
    """The same figures for each unit, category, handling unit or handling cadre. One query."""
    key, label = GROUPS[group]
    rows = _cohort(start, end, **filters).values(key, label).annotate(**_metric_aggregates()).order_by(label)
    result = []
    for row in rows:
        value = row.pop(key)
        result.append((value, row.pop(label, value) or "—", _metrics(row)))  # industry: the code is the label
    return result


def appeal_metrics_by_month(start: date, end: date, **filters) -> dict[date, AppealMetrics]:
    """The same figures for the appeals raised in each month of [start, end] (local months), keyed by
    the month's first day; months with no appeal are absent. One query."""
    rows = (
        _cohort(start, end, **filters)
        .annotate(month=TruncMonth("raised_at"))
        .values("month")
        .annotate(**_metric_aggregates())
        .order_by("month")
    )
    result = {}
    for row in rows:
        month = row.pop("month")
        result[month.date() if hasattr(month, "date") else month] = _metrics(row)
    return result

