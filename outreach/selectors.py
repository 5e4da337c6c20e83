"""Reads of policy push: the funnel per policy and per unit, a cadre's pushes to tell, and the pushes left
untold too long for the weekly dispatch.

The funnel's stages, each a subset of the one before: eligible (operating enterprises the rules admit
now; a unit's: those paired with its cadres) → pushed (a push recorded; only paired enterprises are
pushed) → read by the cadre → told to the enterprise → done (applied, or for a no-application measure
its delivery delivered). The days of a step are working days from the step before (told: from reading,
or from the push when it was never read).
"""

from __future__ import annotations

import statistics
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from functools import lru_cache

from django.conf import settings
from django.db.models import Count, Exists, Min, OuterRef, Q, QuerySet, Subquery
from django.utils import timezone

from liaison.models import Assignment, Cadre, Unit
from outreach.models import PolicyPush
from policies import eligibility
from policies.models import Delivery, DeliveryStatus, Policy, PolicyStatus
from workdays import services as workdays

STAGES = ("eligible", "pushed", "read", "told", "done")


def _delivered():
    return Delivery.objects.filter(policy_id=OuterRef("policy_id"), enterprise_id=OuterRef("enterprise_id"),
                                   status=DeliveryStatus.DELIVERED)


def with_progress(qs: QuerySet[PolicyPush]) -> QuerySet[PolicyPush]:
    """Pushes with `delivered_at` (their no-application delivery, when delivered) and `delivery_id`."""
    return qs.annotate(
        delivered_at=Subquery(_delivered().values("updated_at")[:1]),
        delivery_id=Subquery(
            Delivery.objects.filter(policy_id=OuterRef("policy_id"), enterprise_id=OuterRef("enterprise_id"))
            .values("pk")[:1]
        ),
    )


def _counts() -> dict:
    done = Q(applied_at__isnull=False) | Q(delivered=True)
    return {
        "pushed": Count("id"),
        "read": Count("id", filter=Q(read_at__isnull=False)),
        "told": Count("id", filter=Q(told_at__isnull=False)),
        "done": Count("id", filter=done),
    }


@lru_cache(maxsize=65536)
def _workdays(start: date, end: date) -> int:
    return workdays.workdays_between(start, end)


def _day(moment: datetime | None) -> date | None:
    return timezone.localdate(moment) if moment is not None else None


def _median(values: list[int]) -> float | None:
    return statistics.median(values) if values else None


@dataclass
class Funnel:
    eligible: int = 0
    pushed: int = 0
    read: int = 0
    told: int = 0
    done: int = 0
    days: dict = field(default_factory=dict)  # step → median working days (None: no case)

    def stages(self) -> list[dict]:
        base = self.eligible or 0
        return [
            {"key": key, "count": getattr(self, key), "share": (getattr(self, key) / base) if base else None,
             "median_workdays": self.days.get(key)}
            for key in STAGES
        ]

    def as_dict(self) -> dict:
        return {"stages": self.stages(), **{key: getattr(self, key) for key in STAGES}}


def _medians(rows) -> dict:
    """Median working days of each step, from plain rows (pushed_at, read_at, told_at, done_at)."""
    read, told, done = [], [], []
    for pushed_at, read_at, told_at, done_at in rows:
        pushed = _day(pushed_at)
        if read_at is not None:
            read.append(_workdays(pushed, _day(read_at)))
        if told_at is not None:
            told.append(_workdays(_day(read_at) or pushed, _day(told_at)))
            if done_at is not None:
                done.append(_workdays(_day(told_at), _day(done_at)))
    return {"read": _median(read), "told": _median(told), "done": _median(done)}


def _rows(qs: QuerySet[PolicyPush]):
    for push in with_progress(qs).order_by().values_list("pushed_at", "read_at", "told_at", "applied_at",
                                                         "delivered_at"):
        pushed_at, read_at, told_at, applied_at, delivered_at = push
        yield pushed_at, read_at, told_at, applied_at or delivered_at


def _tally(qs: QuerySet[PolicyPush], group_by: str | None = None):
    qs = qs.annotate(delivered=Exists(_delivered())).order_by()
    if group_by is None:
        return qs.aggregate(**_counts())
    return {row[group_by]: row for row in qs.values(group_by).annotate(**_counts())}


def policy_funnel(*, policy: Policy) -> dict:
    """The funnel of one policy: the whole campaign and each unit (units with pushes or eligible pairings).

    A fixed number of queries: eligible (all, and paired by unit), pushes tallied (all, by unit), and the
    pushes' dates for the medians."""
    policy = eligibility.with_rules(Policy.objects.filter(pk=policy.pk)).get()
    eligible = eligibility.eligible_enterprises(policy)
    pushes = PolicyPush.objects.filter(policy=policy)
    total = Funnel(eligible=eligible.count(), **_tally(pushes))
    total.days = _medians(_rows(pushes))
    eligible_by_unit = dict(
        Assignment.objects.active().filter(enterprise_id__in=eligible.values("pk")).order_by()
        .values("cadre__unit_id").annotate(n=Count("id")).values_list("cadre__unit_id", "n")
    )
    tallies = _tally(pushes, "unit_id")
    unit_ids = set(eligible_by_unit) | {u for u in tallies if u is not None}
    names = dict(Unit.objects.filter(pk__in=unit_ids).values_list("pk", "name"))
    units = []
    for unit_id in unit_ids:
        counts = {k: v for k, v in tallies.get(unit_id, {}).items() if k in STAGES}
        units.append({"unit_id": unit_id, "unit": names.get(unit_id, ""),
                      "funnel": Funnel(eligible=eligible_by_unit.get(unit_id, 0), **counts)})
    units.sort(key=lambda u: (-(u["funnel"].pushed - u["funnel"].told), u["unit"], u["unit_id"]))
    return {"policy": policy, "total": total, "units": units, "without_cadre": total.eligible - sum(
        eligible_by_unit.values())}


def unit_funnel(*, unit: Unit) -> dict:
    """The funnel of one unit over every policy pushed to its cadres or in force: the unit's total and one
    row per policy, in a fixed number of queries."""
    pushes = PolicyPush.objects.filter(unit=unit)
    tallies = _tally(pushes, "policy_id")
    policies = list(
        eligibility.with_rules(
            Policy.objects.filter(Q(pk__in=list(tallies)) | Q(status=PolicyStatus.PUBLISHED) & ~Q(
                effective_to__lt=timezone.localdate()))
        ).select_related("category").order_by("category__order", "title", "id")
    )
    # Every policy's eligible pairings of the unit in one statement: a filtered count per policy.
    with_rules = [policy for policy in policies if policy.rule_groups.all()]
    eligible = Assignment.objects.active().filter(cadre__unit=unit).aggregate(**{
        f"p{policy.pk}": Count("id", filter=Q(enterprise_id__in=eligibility.eligible_enterprises(policy).values("pk")))
        for policy in with_rules
    }) if with_rules else {}
    rows = []
    total = Funnel()
    for policy in policies:
        counts = {k: v for k, v in tallies.get(policy.pk, {}).items() if k in STAGES}
        funnel = Funnel(eligible=eligible.get(f"p{policy.pk}", 0), **counts)
        if not (funnel.eligible or funnel.pushed):
            continue
        rows.append({"policy": policy, "funnel": funnel})
        for key in STAGES:
            setattr(total, key, getattr(total, key) + getattr(funnel, key))
    total.days = _medians(_rows(pushes))
    return {"unit": unit, "total": total, "policies": rows}


def policy_push_summaries(*, policy_ids: list[int]) -> dict[int, dict]:
    """Pushed, read, told and done of each policy, in one query."""
    return _tally(PolicyPush.objects.filter(policy_id__in=policy_ids), "policy_id")


def policies_pushed() -> QuerySet[Policy]:
    """The policies with pushes, newest published first, for the funnel index."""
    return (
        Policy.objects.filter(Exists(PolicyPush.objects.filter(policy_id=OuterRef("pk"))))
        .select_related("category").order_by("-published_at", "-id")
    )


def cadre_pushes(*, cadre: Cadre) -> QuerySet[PolicyPush]:
    """A cadre's pushes: untold first (oldest first), then told, newest first."""
    return (
        with_progress(PolicyPush.objects.filter(cadre=cadre))
        .select_related("policy", "enterprise")
        .annotate(untold=Q(told_at__isnull=True))
        .order_by("-untold", "told_at", "pushed_at", "id")
    )


def enterprise_pushed_on(*, enterprise_id: int) -> dict[int, datetime]:
    """When each policy was pushed to the enterprise, by policy id (its own page marks them)."""
    return dict(PolicyPush.objects.filter(enterprise_id=enterprise_id).values_list("policy_id", "pushed_at"))


def cadre_untold_count(*, cadre: Cadre) -> int:
    return PolicyPush.objects.filter(cadre=cadre, told_at__isnull=True).count()


# --- For the weekly dispatch ---------------------------------------------------------------------------


def tell_deadline_cutoff(as_of: date) -> date:
    """Pushes made on or before this day are overdue on `as_of` when still untold: the
    POLICY_PUSH_TELL_WITHIN_WORKDAYS working days after the push day all fell before `as_of`."""
    n = int(settings.POLICY_PUSH_TELL_WITHIN_WORKDAYS)
    day = as_of - timedelta(days=1)
    count = 0
    while n > 0:  # the n-th working day before as_of, walked back: a push before it had them all
        if workdays.is_workday(day):
            count += 1
            if count == n:
                break
        day -= timedelta(days=1)
    return day - timedelta(days=1) if n > 0 else day


def untold_pushes_by_unit(as_of: date) -> dict[int, list[dict]]:
    """Per unit (the cadre's at push), the policies with enterprises pushed but not told within the
    allowed working days, in one statement for all units: each with its count and oldest push day."""
    cutoff = tell_deadline_cutoff(as_of)
    end = timezone.make_aware(datetime.combine(cutoff + timedelta(days=1), datetime.min.time()))
    rows = (
        PolicyPush.objects.filter(told_at__isnull=True, pushed_at__lt=end, unit_id__isnull=False,
                                  policy__status=PolicyStatus.PUBLISHED)
        .exclude(policy__effective_to__lt=as_of)
        .order_by()
        .values("unit_id", "policy_id", "policy__title")
        .annotate(enterprises=Count("id"), oldest=Min("pushed_at"))
        .order_by("unit_id", "oldest", "policy_id")
    )
    found: dict[int, list[dict]] = {}
    for row in rows:
        found.setdefault(row["unit_id"], []).append({
            "policy_id": row["policy_id"],
            "title": row["policy__title"],
            "enterprises": row["enterprises"],
            "pushed_on": timezone.localdate(row["oldest"]).isoformat(),
        })
    return found
