"""The evaluation's integer scoring gives the very digits of the exact Fraction rule it replaced (kept
here as the reference), ties and rounding included."""

from __future__ import annotations

import random
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction

import pytest

from evaluations.models import MEASURES
from evaluations.scoring import Figures, Rules, competition_ranks, rounded_average, scored

# --- The reference: the rule as it was written with fractions.Fraction ------------------------------

HUNDRED = Fraction(100)
CENT = Decimal("0.01")


def _share(part, whole):
    return HUNDRED * part / whole if whole else None


def reference_measures(f: Figures, params: dict) -> dict:
    visits = None
    if f.months_due:
        visits = min(HUNDRED, HUNDRED * f.visit_count / (params["visits_per_month"] * f.months_due))
    handling = None
    if f.avg_handling_workdays is not None:
        average = Fraction(str(f.avg_handling_workdays))
        target = Fraction(params["handling_days_target"])
        handling = HUNDRED if average <= target else HUNDRED * target / average
    penalty = Fraction(params["overdue_penalty"]) * f.overdue_appeals / max(f.cadres, 1)
    return {
        "contact": _share(f.months_contacted, f.months_due),
        "visits": visits,
        "closure": _share(f.resolved, f.appeals),
        "on_time": _share(f.on_time, f.resolved),
        "satisfaction": _share(f.satisfied, f.with_feedback),
        "handling": handling,
        "overdue": max(Fraction(0), HUNDRED - penalty),
    }


def reference_weighted(measures: dict, weights: dict):
    present = [name for name in MEASURES if measures[name] is not None and weights[name] > 0]
    total_weight = sum(weights[name] for name in present)
    if not total_weight:
        return None
    return sum(measures[name] * weights[name] for name in present) / total_weight


def reference_rounded(value):
    if value is None:
        return None
    return (Decimal(value.numerator) / Decimal(value.denominator)).quantize(CENT, rounding=ROUND_HALF_UP)


def reference(figures: Figures, params: dict) -> tuple[list, Decimal | None, Decimal | None]:
    measures = reference_measures(figures, params)
    avg = figures.avg_handling_workdays
    return (
        [reference_rounded(measures[name]) for name in MEASURES],
        reference_rounded(reference_weighted(measures, params)),
        reference_rounded(None if avg is None else Fraction(str(avg))),
    )


# --- Varied figures ---------------------------------------------------------------------------------


def _params(rng: random.Random) -> dict:
    cuts = sorted(rng.randint(0, 100) for _ in range(len(MEASURES) - 1))
    weights = [b - a for a, b in zip([0, *cuts], [*cuts, 100], strict=True)]
    return {
        **dict(zip(MEASURES, weights, strict=True)),
        "visits_per_month": rng.randint(1, 31),
        "handling_days_target": rng.randint(1, 250),
        "overdue_penalty": rng.randint(1, 100),
    }


def _figures(rng: random.Random) -> Figures:
    cadres = rng.choice([1, 1, 1, 2, 7, 40, 333])
    months_due = rng.choice([0, 1, 11, 12, rng.randint(0, 12 * cadres)])
    appeals = rng.choice([0, 0, 1, 3, 7, rng.randint(0, 500)])
    resolved = rng.randint(0, appeals)
    with_feedback = rng.randint(0, resolved)
    average = rng.choice(
        [
            None,
            rng.randint(0, 40),
            rng.randint(0, 4000) / 100,  # 2.35, 12.5: ties at the cent
            rng.random() * 60,  # 17 digits
            float(Fraction(rng.randint(1, 1000), rng.randint(1, 97))),  # an average from the database
            5.005,
            0.125,
        ]
    )
    return Figures(
        cadres=cadres,
        months_due=months_due,
        months_contacted=rng.randint(0, months_due),
        visit_count=rng.choice([0, months_due, rng.randint(0, 80 * max(months_due, 1))]),
        appeals=appeals,
        resolved=resolved,
        on_time=rng.randint(0, resolved),
        with_feedback=with_feedback,
        satisfied=rng.randint(0, with_feedback),
        avg_handling_workdays=None if not resolved else average,
        overdue_appeals=rng.choice([0, 0, 1, rng.randint(0, appeals + 3)]),
    )


def _compare(figures: Figures, params: dict) -> None:
    measures, score = scored(figures, Rules.from_params(params))
    expected_measures, expected_score, expected_average = reference(figures, params)
    # equal as numbers and as written (100.00, not 1E+2)
    assert [str(m) for m in measures] == [str(m) for m in expected_measures], (figures, params)
    assert str(score) == str(expected_score), (figures, params)
    assert str(rounded_average(figures.avg_handling_workdays)) == str(expected_average), figures


def test_the_integer_rule_gives_the_digits_of_the_fraction_rule_on_varied_figures():
    # given 20,000 varied figures under 200 sets of weights
    rng = random.Random(20261205)
    for _set in range(200):
        params = _params(rng)
        for _row in range(100):
            # then every measure, the score and the average are the same, digit for digit
            _compare(_figures(rng), params)


@pytest.mark.parametrize(
    "figures",
    [
        Figures(),  # nothing to measure but overdue
        Figures(months_due=3, months_contacted=2, visit_count=1),  # 66.666… and 16.666…
        Figures(months_due=8, months_contacted=1, visit_count=1),  # 12.5 and 6.25: ties at the cent
        Figures(months_due=200, months_contacted=1, visit_count=1),  # 0.5 → 0.50, 0.25 → 0.25
        Figures(cadres=3, overdue_appeals=10),  # 100 − 200/3 = 33.333…
        Figures(cadres=1, overdue_appeals=9),  # below zero: 0.00
        Figures(appeals=3, resolved=2, on_time=1, with_feedback=2, satisfied=1, avg_handling_workdays=5.005),
        Figures(appeals=1, resolved=1, avg_handling_workdays=7.0),  # 100 × 5/7
        Figures(appeals=1, resolved=1, avg_handling_workdays=0.1 + 0.2),  # 0.30000000000000004
    ],
)
def test_edges_give_the_digits_of_the_fraction_rule(figures):
    params = {
        "contact": 30,
        "visits": 10,
        "closure": 20,
        "on_time": 10,
        "satisfaction": 15,
        "handling": 5,
        "overdue": 10,
        "visits_per_month": 2,
        "handling_days_target": 5,
        "overdue_penalty": 20,
    }
    _compare(figures, params)
    _compare(figures, {**params, "contact": 0, "visits": 40, "overdue": 0, "handling": 15})


def test_a_weight_of_zero_everywhere_present_gives_no_score():
    # given weights only on measures with nothing to measure
    params = {
        "contact": 0,
        "visits": 0,
        "closure": 50,
        "on_time": 0,
        "satisfaction": 50,
        "handling": 0,
        "overdue": 0,
        "visits_per_month": 2,
        "handling_days_target": 5,
        "overdue_penalty": 20,
    }
    # then there is no score, as with the fractions
    assert scored(Figures(months_due=2), Rules.from_params(params))[1] is None
    _compare(Figures(months_due=2), params)


def test_equal_rounded_scores_share_a_rank():
    # given two figures whose exact scores differ but round to the same cent
    params = {
        "contact": 100,
        "visits": 0,
        "closure": 0,
        "on_time": 0,
        "satisfaction": 0,
        "handling": 0,
        "overdue": 0,
        "visits_per_month": 2,
        "handling_days_target": 5,
        "overdue_penalty": 20,
    }
    rules = Rules.from_params(params)
    a = scored(Figures(months_due=3000, months_contacted=2000), rules)[1]  # 66.6666…
    b = scored(Figures(months_due=30003, months_contacted=20002), rules)[1]  # 66.6666…
    c = scored(Figures(months_due=3, months_contacted=3), rules)[1]
    # then they tie, as they did when ranked on the fraction rule's rounded scores
    assert a == b == Decimal("66.67")
    assert competition_ranks([a, c, b]) == [2, 1, 2]
