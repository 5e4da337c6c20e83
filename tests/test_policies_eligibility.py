"""Eligibility rules: the database filter and the per-enterprise explanation agree, on edge values too."""

from __future__ import annotations

import random
from datetime import date
from decimal import Decimal

import pytest

from enterprises.models import Enterprise, EnterpriseStatus, Ownership
from policies import eligibility
from policies.models import Policy, PolicyCategory, PolicyStatus, RuleGroup
from tests import factories

pytestmark = pytest.mark.django_db


def make_policy(*groups: dict, **kwargs) -> Policy:
    """A published policy with one rule group per dict (streets given as a list of units)."""
    kwargs.setdefault("title", f"政策{factories.n()}")
    kwargs.setdefault("status", PolicyStatus.PUBLISHED)
    category = PolicyCategory.objects.order_by("order").first()
    policy = Policy.objects.create(category=category, **kwargs)
    for spec in groups:
        spec = dict(spec)
        streets = spec.pop("streets", None)
        group = RuleGroup.objects.create(policy=policy, **spec)
        if streets:
            group.streets.set(streets)
    return reload(policy)


def reload(policy: Policy) -> Policy:
    return eligibility.with_rules(Policy.objects.filter(pk=policy.pk)).get()


def listed(policy: Policy) -> set[int]:
    return set(eligibility.eligible_enterprises(policy).values_list("pk", flat=True))


def verdict(policy: Policy, enterprise: Enterprise) -> eligibility.Verdict:
    enterprise = Enterprise.objects.select_related("street").get(pk=enterprise.pk)
    return eligibility.explain(policy, enterprise)


def outcomes(v: eligibility.Verdict) -> list[list[str]]:
    return [[c.outcome for c in g.conditions] for g in v.groups]


# --- Ranges include both bounds ----------------------------------------------------------------


def test_employee_bounds_are_inclusive():
    # given a policy for enterprises of 10 to 50 employees
    policy = make_policy({"employees_min": 10, "employees_max": 50})
    nine, ten, fifty, fifty_one = (factories.make_enterprise(employees=n) for n in (9, 10, 50, 51))
    # then the bounds are in, one beyond is out, the same in the filter and the check
    assert listed(policy) == {ten.pk, fifty.pk}
    assert [verdict(policy, e).eligible for e in (nine, ten, fifty, fifty_one)] == [False, True, True, False]
    assert outcomes(verdict(policy, nine)) == [[eligibility.FAIL]]


def test_revenue_bounds_are_inclusive_to_the_cent():
    # given a policy for revenue between 2000.00 and 5000.50 (10k yuan)
    policy = make_policy({"revenue_min": Decimal("2000.00"), "revenue_max": Decimal("5000.50")})
    below = factories.make_enterprise(annual_revenue=Decimal("1999.99"))
    low = factories.make_enterprise(annual_revenue=Decimal("2000.00"))
    high = factories.make_enterprise(annual_revenue=Decimal("5000.50"))
    above = factories.make_enterprise(annual_revenue=Decimal("5000.51"))
    # then
    assert listed(policy) == {low.pk, high.pk}
    assert [verdict(policy, e).eligible for e in (below, low, high, above)] == [False, True, True, False]


def test_founded_year_bounds_are_inclusive():
    # given a policy for enterprises founded from 2015 to 2020
    policy = make_policy({"founded_year_min": 2015, "founded_year_max": 2020})
    e2014 = factories.make_enterprise(founded_on=date(2014, 12, 31))
    e2015 = factories.make_enterprise(founded_on=date(2015, 1, 1))
    e2020 = factories.make_enterprise(founded_on=date(2020, 12, 31))
    e2021 = factories.make_enterprise(founded_on=date(2021, 1, 1))
    # then
    assert listed(policy) == {e2015.pk, e2020.pk}
    assert [verdict(policy, e).eligible for e in (e2014, e2015, e2020, e2021)] == [False, True, True, False]


def test_a_one_sided_range_has_no_other_bound():
    policy = make_policy({"employees_min": 100})
    big = factories.make_enterprise(employees=100000)
    small = factories.make_enterprise(employees=99)
    assert listed(policy) == {big.pk}
    assert verdict(policy, big).eligible and not verdict(policy, small).eligible


# --- Groups -----------------------------------------------------------------------------------


def test_an_empty_group_admits_every_operating_enterprise():
    # given a policy with one group that sets no condition
    policy = make_policy({"name": "所有企业"})
    bare = factories.make_enterprise(employees=None, annual_revenue=None, founded_on=None, above_scale=False)
    closed = factories.make_enterprise(status=EnterpriseStatus.CLOSED)
    # then every operating enterprise is in, even one with no data, and a closed one is not
    assert bare.pk in listed(policy) and closed.pk not in listed(policy)
    assert verdict(policy, bare).eligible
    assert not verdict(policy, closed).eligible


def test_a_policy_without_groups_admits_none():
    policy = make_policy()
    enterprise = factories.make_enterprise()
    assert listed(policy) == set()
    v = verdict(policy, enterprise)
    assert not v.eligible and not v.has_rules


def test_groups_are_or_ed_and_conditions_within_a_group_are_and_ed():
    # given: (above scale AND high-tech) OR (at most 20 employees)
    policy = make_policy({"above_scale": True, "high_tech": True}, {"employees_max": 20})
    both = factories.make_enterprise(above_scale=True, high_tech=True, employees=500)
    only_scale = factories.make_enterprise(above_scale=True, high_tech=False, employees=500)
    small = factories.make_enterprise(above_scale=False, high_tech=False, employees=20)
    # then
    assert listed(policy) == {both.pk, small.pk}
    v = verdict(policy, only_scale)
    assert not v.eligible
    assert outcomes(v) == [[eligibility.PASS, eligibility.FAIL], [eligibility.FAIL]]
    assert [g.held for g in verdict(policy, small).groups] == [False, True]


def test_closed_enterprises_are_excluded_with_the_reason_given():
    policy = make_policy({"above_scale": True})
    closed = factories.make_enterprise(above_scale=True, status=EnterpriseStatus.CLOSED)
    assert listed(policy) == set()
    v = verdict(policy, closed)
    assert not v.eligible
    assert v.groups[0].conditions[-1].outcome == eligibility.FAIL  # the status line


# --- Missing data -----------------------------------------------------------------------------


def test_a_missing_attribute_fails_the_condition_as_missing_and_is_not_listed():
    # given a policy on headcount and an enterprise whose headcount is not recorded
    policy = make_policy({"above_scale": True, "employees_min": 10})
    unknown = factories.make_enterprise(above_scale=True, employees=None)
    # then it is not listed, and the explanation says the data is missing rather than failed
    assert unknown.pk not in listed(policy)
    v = verdict(policy, unknown)
    assert not v.eligible
    assert outcomes(v) == [[eligibility.PASS, eligibility.MISSING]]
    assert v.groups[0].conditions[1].label == eligibility.CONDITIONS[5].label()


@pytest.mark.parametrize(
    ("rule", "missing"),
    [
        ({"revenue_min": Decimal("1")}, {"annual_revenue": None}),
        ({"founded_year_max": 2030}, {"founded_on": None}),
    ],
)
def test_other_missing_attributes_are_reported_as_missing(rule, missing):
    policy = make_policy(rule)
    enterprise = factories.make_enterprise(**missing)
    v = verdict(policy, enterprise)
    assert enterprise.pk not in listed(policy)
    assert not v.eligible
    assert outcomes(v) == [[eligibility.MISSING]]


def test_an_enterprise_without_a_street_misses_a_street_condition():
    street = factories.make_street()
    policy = make_policy({"streets": [street]})
    nowhere = factories.make_enterprise(street=None)
    assert listed(policy) == set()
    assert outcomes(verdict(policy, nowhere)) == [[eligibility.MISSING]]


# --- Lists: industry, ownership, streets ------------------------------------------------------


def test_industry_matches_by_section_or_by_division():
    # given: any manufacturer (section C), or software (division 65) whatever its section says
    policy = make_policy({"industry_sections": ["C"], "industry_divisions": ["65"]})
    maker = factories.make_enterprise(industry_section="C", industry_division="13")
    software = factories.make_enterprise(industry_section="I", industry_division="65")
    telecom = factories.make_enterprise(industry_section="I", industry_division="63")
    # then
    assert listed(policy) == {maker.pk, software.pk}
    assert [verdict(policy, e).eligible for e in (maker, software, telecom)] == [True, True, False]


def test_industry_by_division_only():
    policy = make_policy({"industry_divisions": ["39", "40"]})
    electronics = factories.make_enterprise(industry_section="C", industry_division="39")
    textiles = factories.make_enterprise(industry_section="C", industry_division="17")
    assert listed(policy) == {electronics.pk}
    assert not verdict(policy, textiles).eligible


def test_ownership_list():
    policy = make_policy({"ownerships": [Ownership.PRIVATE, Ownership.JOINT_STOCK]})
    private = factories.make_enterprise(ownership=Ownership.PRIVATE)
    joint = factories.make_enterprise(ownership=Ownership.JOINT_STOCK)
    state = factories.make_enterprise(ownership=Ownership.STATE)
    assert listed(policy) == {private.pk, joint.pk}
    assert not verdict(policy, state).eligible


def test_streets():
    east, west, north = factories.make_street(), factories.make_street(), factories.make_street()
    policy = make_policy({"streets": [east, west]})
    in_east = factories.make_enterprise(street=east)
    in_west = factories.make_enterprise(street=west)
    in_north = factories.make_enterprise(street=north)
    assert listed(policy) == {in_east.pk, in_west.pk}
    assert [verdict(policy, e).eligible for e in (in_east, in_west, in_north)] == [True, True, False]


def test_eligible_policies_picks_the_matching_ones_from_a_prefetched_list(django_assert_max_num_queries):
    enterprise = Enterprise.objects.select_related("street").get(
        pk=factories.make_enterprise(above_scale=True, employees=80).pk
    )
    yes = make_policy({"above_scale": True})
    no = make_policy({"employees_min": 100})
    none = make_policy()
    policies = list(eligibility.with_rules(Policy.objects.filter(pk__in=[yes.pk, no.pk, none.pk])))
    with django_assert_max_num_queries(0):
        found = eligibility.eligible_policies(enterprise, policies)
    assert found == [yes]


# --- The two sides agree ----------------------------------------------------------------------


def test_the_database_filter_and_the_explanation_agree_on_varied_data():
    """For every policy, the enterprises listed are exactly those the explanation finds eligible."""
    rng = random.Random(4754)
    streets = [factories.make_street() for _ in range(3)]
    sections = {"C": ["13", "17", "39"], "I": ["63", "65"], "F": ["51"]}
    enterprises = []
    for i in range(60):
        section = rng.choice(list(sections))
        enterprises.append(
            factories.make_enterprise(
                above_scale=rng.random() < 0.6,
                high_tech=rng.random() < 0.3,
                industry_section=section,
                industry_division=rng.choice([*sections[section], ""]),
                ownership=rng.choice(list(Ownership.values)),
                street=rng.choice([*streets, None]),
                employees=rng.choice([None, 0, 9, 10, 11, 49, 50, 51, 300]),
                annual_revenue=rng.choice([None, Decimal("0"), Decimal("1999.99"), Decimal("2000.00"),
                                           Decimal("5000.50"), Decimal("5000.51"), Decimal("90000")]),
                founded_on=rng.choice([None, date(2014, 12, 31), date(2015, 1, 1), date(2020, 6, 1),
                                       date(2021, 1, 1)]),
                status=EnterpriseStatus.CLOSED if i % 13 == 0 else EnterpriseStatus.OPERATING,
            )
        )
    policies = [
        make_policy(),
        make_policy({}),
        make_policy({"above_scale": True, "employees_min": 10, "employees_max": 50}),
        make_policy({"high_tech": True}, {"industry_divisions": ["65"], "revenue_min": Decimal("2000.00")}),
        make_policy({"industry_sections": ["C"], "ownerships": [Ownership.PRIVATE, Ownership.FOREIGN]},
                    {"streets": streets[:2], "founded_year_min": 2015, "founded_year_max": 2020}),
        make_policy({"above_scale": False, "revenue_max": Decimal("5000.50")},
                    {"employees_max": 9}, {"high_tech": True, "streets": [streets[2]]}),
        make_policy({"industry_sections": ["F"], "industry_divisions": ["39"], "above_scale": True,
                     "founded_year_max": 2015}),
    ]
    loaded = list(Enterprise.objects.select_related("street"))
    assert len(loaded) == 60
    for policy in policies:
        explained = {e.pk for e in loaded if eligibility.explain(policy, e).eligible}
        assert listed(policy) == explained, policy.rule_groups.all()
    # and the data was varied enough for the comparison to mean something
    sizes = [len(listed(p)) for p in policies]
    assert sizes[0] == 0 and sizes[1] == 60 - 5 and any(0 < s < 30 for s in sizes[2:])
