"""Eligibility: which enterprises a policy's rules admit, and why, rule by rule.

Each condition is written once, as a pair: a database filter (to list eligible enterprises across
a province) and a check on one enterprise (to explain the verdict to an entrepreneur). Tests hold
the two to the same answers. Ranges include both bounds; an enterprise missing an attribute a
condition needs does not meet it, and the explanation says the attribute is missing.
"""

from __future__ import annotations

import operator
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from functools import reduce

from django.db.models import Prefetch, Q, QuerySet
from django.utils.translation import gettext as _

from enterprises.industries import DIVISIONS, SECTIONS
from enterprises.models import Enterprise, EnterpriseStatus, Ownership
from policies.models import Policy, RuleGroup

PASS, FAIL, MISSING = "pass", "fail", "missing"


@dataclass
class ConditionResult:
    label: str
    required: str
    actual: str
    outcome: str  # PASS, FAIL or MISSING

    @property
    def held(self) -> bool:
        return self.outcome == PASS


@dataclass
class GroupResult:
    group: RuleGroup
    conditions: list[ConditionResult] = field(default_factory=list)

    @property
    def held(self) -> bool:
        return all(c.held for c in self.conditions)


@dataclass
class Verdict:
    policy: Policy
    enterprise: Enterprise
    groups: list[GroupResult]

    @property
    def eligible(self) -> bool:
        return any(g.held for g in self.groups)

    @property
    def has_rules(self) -> bool:
        return bool(self.groups)


@dataclass(frozen=True)
class Condition:
    """One kind of condition: whether a group sets it, its filter, and its check on an enterprise."""

    label: Callable[[], str]
    sets: Callable[[RuleGroup], bool]
    q: Callable[[RuleGroup], Q]
    required: Callable[[RuleGroup], str]
    value: Callable[[Enterprise], object]  # None when the enterprise lacks the attribute
    holds: Callable[[RuleGroup, object], bool]
    shown: Callable[[object], str] = str


def _yes_no(value: bool) -> str:
    return _("Yes") if value else _("No")


def _range_text(low, high, unit: str = "") -> str:
    if low is not None and high is not None:
        return _("%(low)s to %(high)s%(unit)s") % {"low": low, "high": high, "unit": unit}
    if low is not None:
        return _("at least %(low)s%(unit)s") % {"low": low, "unit": unit}
    return _("at most %(high)s%(unit)s") % {"high": high, "unit": unit}


def _in_range(low, high, value) -> bool:
    return (low is None or value >= low) and (high is None or value <= high)


def _range_q(field_name: str, low, high) -> Q:
    """At least one bound is set; a NULL attribute then fails the comparison, as the check says."""
    q = Q()
    if low is not None:
        q &= Q(**{f"{field_name}__gte": low})
    if high is not None:
        q &= Q(**{f"{field_name}__lte": high})
    return q


def _street_ids(group: RuleGroup) -> list[int]:
    return [street.pk for street in group.streets.all()]


def _industry_sets(group: RuleGroup) -> bool:
    return bool(group.industry_sections or group.industry_divisions)


def _industry_q(group: RuleGroup) -> Q:
    q = Q(pk__in=[])
    if group.industry_sections:
        q |= Q(industry_section__in=group.industry_sections)
    if group.industry_divisions:
        q |= Q(industry_division__in=group.industry_divisions)
    return q


def _industry_required(group: RuleGroup) -> str:
    parts = [f"{code} {SECTIONS.get(code, '')}" for code in group.industry_sections or []]
    parts += [f"{code} {DIVISIONS[code][1]}" for code in group.industry_divisions or [] if code in DIVISIONS]
    return _("one of: %(list)s") % {"list": "、".join(parts)}


def _industry_holds(group: RuleGroup, value) -> bool:
    section, division = value
    return section in (group.industry_sections or []) or division in (group.industry_divisions or [])


CONDITIONS: list[Condition] = [
    Condition(
        label=lambda: _("Above designated size"),
        sets=lambda g: g.above_scale is not None,
        q=lambda g: Q(above_scale=g.above_scale),
        required=lambda g: _yes_no(g.above_scale),
        value=lambda e: e.above_scale,
        holds=lambda g, v: v == g.above_scale,
        shown=_yes_no,
    ),
    Condition(
        label=lambda: _("High-tech enterprise"),
        sets=lambda g: g.high_tech is not None,
        q=lambda g: Q(high_tech=g.high_tech),
        required=lambda g: _yes_no(g.high_tech),
        value=lambda e: e.high_tech,
        holds=lambda g, v: v == g.high_tech,
        shown=_yes_no,
    ),
    Condition(
        label=lambda: _("Industry"),
        sets=_industry_sets,
        q=_industry_q,
        required=_industry_required,
        value=lambda e: (e.industry_section, e.industry_division) if e.industry_section else None,
        holds=_industry_holds,
        shown=lambda v: " / ".join(part for part in (f"{v[0]} {SECTIONS.get(v[0], '')}",
                                                     f"{v[1]} {DIVISIONS[v[1]][1]}" if v[1] in DIVISIONS else "")
                                   if part),
    ),
    Condition(
        label=lambda: _("Ownership"),
        sets=lambda g: bool(g.ownerships),
        q=lambda g: Q(ownership__in=g.ownerships),
        required=lambda g: _("one of: %(list)s") % {"list": "、".join(str(Ownership(o).label) for o in g.ownerships)},
        value=lambda e: e.ownership or None,
        holds=lambda g, v: v in g.ownerships,
        shown=lambda v: str(Ownership(v).label) if v in Ownership.values else str(v),
    ),
    Condition(
        label=lambda: _("Street"),
        sets=lambda g: bool(_street_ids(g)),
        q=lambda g: Q(street_id__in=_street_ids(g)),
        required=lambda g: _("one of: %(list)s") % {"list": "、".join(s.name for s in g.streets.all())},
        value=lambda e: e.street if e.street_id else None,
        holds=lambda g, v: v.pk in _street_ids(g),
        shown=lambda v: v.name,
    ),
    Condition(
        label=lambda: _("Employees"),
        sets=lambda g: g.employees_min is not None or g.employees_max is not None,
        q=lambda g: _range_q("employees", g.employees_min, g.employees_max),
        required=lambda g: _range_text(g.employees_min, g.employees_max),
        value=lambda e: e.employees,
        holds=lambda g, v: _in_range(g.employees_min, g.employees_max, v),
    ),
    Condition(
        label=lambda: _("Annual revenue (10k yuan)"),
        sets=lambda g: g.revenue_min is not None or g.revenue_max is not None,
        q=lambda g: _range_q("annual_revenue", g.revenue_min, g.revenue_max),
        required=lambda g: _range_text(g.revenue_min, g.revenue_max),
        value=lambda e: e.annual_revenue,
        holds=lambda g, v: _in_range(g.revenue_min, g.revenue_max, Decimal(v)),
    ),
    Condition(
        label=lambda: _("Year founded"),
        sets=lambda g: g.founded_year_min is not None or g.founded_year_max is not None,
        q=lambda g: _range_q("founded_on__year", g.founded_year_min, g.founded_year_max),
        required=lambda g: _range_text(g.founded_year_min, g.founded_year_max),
        value=lambda e: e.founded_on.year if e.founded_on else None,
        holds=lambda g, v: _in_range(g.founded_year_min, g.founded_year_max, v),
    ),
]


# --- The database side ------------------------------------------------------------------------


def group_q(group: RuleGroup) -> Q:
    """The filter for one group: all its conditions (no condition: every enterprise)."""
    return reduce(operator.and_, (c.q(group) for c in CONDITIONS if c.sets(group)), Q())


def policy_q(policy: Policy) -> Q:
    """Any of the policy's groups; a policy without groups admits no enterprise."""
    groups = list(policy.rule_groups.all())
    if not groups:
        return Q(pk__in=[])
    return reduce(operator.or_, (group_q(g) for g in groups))


def with_rules(policies: QuerySet[Policy]) -> QuerySet[Policy]:
    return policies.prefetch_related(
        Prefetch("rule_groups", queryset=RuleGroup.objects.prefetch_related("streets").order_by("id"))
    )


def eligible_enterprises(policy: Policy, *, enterprises: QuerySet[Enterprise] | None = None) -> QuerySet[Enterprise]:
    """Operating enterprises the policy's rules admit, in one query."""
    qs = enterprises if enterprises is not None else Enterprise.objects.all()
    return qs.filter(status=EnterpriseStatus.OPERATING).filter(policy_q(policy))


# --- The per-enterprise side ------------------------------------------------------------------


def check_group(group: RuleGroup, enterprise: Enterprise) -> GroupResult:
    result = GroupResult(group=group)
    for condition in CONDITIONS:
        if not condition.sets(group):
            continue
        value = condition.value(enterprise)
        if value is None:
            outcome, actual = MISSING, _("not recorded")
        else:
            outcome = PASS if condition.holds(group, value) else FAIL
            actual = condition.shown(value)
        result.conditions.append(
            ConditionResult(label=condition.label(), required=condition.required(group), actual=actual,
                            outcome=outcome)
        )
    return result


def explain(policy: Policy, enterprise: Enterprise) -> Verdict:
    """The verdict for one pair, with every group's conditions: which held, which failed, which lacked data."""
    groups = [check_group(group, enterprise) for group in policy.rule_groups.all()]
    if enterprise.status != EnterpriseStatus.OPERATING:
        groups = [GroupResult(group=g.group, conditions=[*g.conditions, ConditionResult(
            label=_("Status"), required=str(EnterpriseStatus.OPERATING.label),
            actual=enterprise.get_status_display(), outcome=FAIL)]) for g in groups]
    return Verdict(policy=policy, enterprise=enterprise, groups=groups)


def eligible_policies(enterprise: Enterprise, policies: Iterable[Policy]) -> list[Policy]:
    """Of `policies` (prefetched with `with_rules`), those the enterprise is eligible for, checked in Python."""
    return [policy for policy in policies if explain(policy, enterprise).eligible]
