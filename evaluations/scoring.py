"""The scoring rule of the annual evaluation, as pure functions over counted figures.

Each measure becomes a score from 0 to 100:

- monthly contact = 100 × contacts made ÷ contacts due (a pairing is due in each counted month it
  is in force on the month's last day; it is contacted when a visit under it is dated in the month);
- visits logged = 100 × visits ÷ (visits expected per month × contacts due), at most 100, counting the
  visits dated in the same months as contact;
- closure rate, on-time rate and satisfaction = the appeal figures of `appeals.selectors` × 100;
- handling time = 100 when the average is at or under the target, else 100 × target ÷ average;
- overdue appeals = 100 − points off per overdue appeal × overdue appeals (for a unit: per cadre
  evaluated), never below 0. An appeal counts as overdue when one of its steps finished after its
  deadline or it is still being handled past its deadline.

The score is the weighted mean of the measures that could be measured: a measure with nothing to
measure (no contact due, no appeals, no resolved appeal, no feedback) is left out and the other
weights count in proportion, so having no appeals neither raises nor lowers a score. Overdue
appeals can always be measured (none is 100). Scores are rounded half up to two decimals; equal
scores share a rank and the next rank is skipped (1, 2, 2, 4).

The arithmetic is exact: every measure is a ratio of two integers (numerator, denominator), kept
unreduced, and only the final rounding divides, as `Decimal(numerator) / Decimal(denominator)`
rounded half up to the cent. This gives the very digits an implementation with `fractions.Fraction`
gives (the quotient of the same rational is rounded the same way), at a fraction of its cost: a
province scores 50,000 rows. tests/test_evaluation_scoring.py holds the two side by side.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from functools import lru_cache

from evaluations.models import MEASURES

CENT = Decimal("0.01")
HUNDRED = (100, 1)

Ratio = tuple[int, int]  # (numerator ≥ 0, denominator > 0), not reduced


@dataclass
class Figures:
    """What was counted for one cadre or one unit over the evaluated period."""

    cadres: int = 1
    months_due: int = 0
    months_contacted: int = 0
    visit_count: int = 0
    appeals: int = 0  # counted: withdrawn and out-of-scope appeals left out
    resolved: int = 0
    on_time: int = 0
    with_feedback: int = 0
    satisfied: int = 0
    avg_handling_workdays: float | None = None
    overdue_appeals: int = 0


def as_ratio(value) -> Ratio:
    """An int, a Decimal, a float or a numeric string as an exact ratio of integers. A float is read
    by its shortest decimal form (`str`), as the figures are printed: 2.3 is 23/10, not 2.29999…"""
    if isinstance(value, int):
        return value, 1
    if isinstance(value, float):
        value = str(value)
    return Decimal(value).as_integer_ratio()


@dataclass(frozen=True)
class Rules:
    """The weights and targets of an evaluation (`EvaluationWeights.as_dict()`), read once as ratios."""

    weights: tuple[tuple[int, int], ...]  # (index of the measure in MEASURES, weight) for weights > 0
    visits_per_month: Ratio
    handling_days_target: Ratio
    overdue_penalty: Ratio

    @classmethod
    def from_params(cls, params: dict) -> Rules:
        return cls(
            weights=tuple((i, int(params[name])) for i, name in enumerate(MEASURES) if params[name] > 0),
            visits_per_month=as_ratio(params["visits_per_month"]),
            handling_days_target=as_ratio(params["handling_days_target"]),
            overdue_penalty=as_ratio(params["overdue_penalty"]),
        )


def _share(part: int, whole: int) -> Ratio | None:
    return (100 * part, whole) if whole else None


def measure_ratios(figures: Figures, rules: Rules) -> list[Ratio | None]:
    """Each measure on 0–100 as an exact ratio, in the order of MEASURES; None when there was
    nothing to measure."""
    f = figures
    visits = None
    if f.months_due:
        vn, vd = rules.visits_per_month
        # 100 × visits ÷ (vn/vd × months due), at most 100
        num, den = 100 * f.visit_count * vd, vn * f.months_due
        visits = HUNDRED if num >= 100 * den else (num, den)
    handling = None
    if f.avg_handling_workdays is not None:
        an, ad = as_ratio(f.avg_handling_workdays)
        tn, td = rules.handling_days_target
        # average ≤ target ⇔ an/ad ≤ tn/td; else 100 × (tn/td) ÷ (an/ad)
        handling = HUNDRED if an * td <= tn * ad else (100 * tn * ad, td * an)
    pn, pd = rules.overdue_penalty
    cadres = max(f.cadres, 1)
    # 100 − (pn/pd) × overdue ÷ cadres, at least 0
    overdue_num = 100 * pd * cadres - pn * f.overdue_appeals
    overdue = (overdue_num, pd * cadres) if overdue_num > 0 else (0, 1)
    return [
        _share(f.months_contacted, f.months_due),
        visits,
        _share(f.resolved, f.appeals),
        _share(f.on_time, f.resolved),
        _share(f.satisfied, f.with_feedback),
        handling,
        overdue,
    ]


def weighted_ratio(measures: list[Ratio | None], rules: Rules) -> Ratio | None:
    """The weighted mean of the measures present; None when no weighted measure is present."""
    num, den, total_weight = 0, 1, 0
    for index, weight in rules.weights:
        measure = measures[index]
        if measure is None:
            continue
        n, d = measure
        # num/den + weight × n/d, over a common denominator (kept unreduced: ints are exact)
        if d == den:
            num += weight * n
        else:
            num, den = num * d + weight * n * den, den * d
        total_weight += weight
    if not total_weight:
        return None
    return num, den * total_weight


@lru_cache(maxsize=65536)
def _rounded(num: int, den: int) -> Decimal:
    return (Decimal(num) / Decimal(den)).quantize(CENT, rounding=ROUND_HALF_UP)


def rounded(value: Ratio | None) -> Decimal | None:
    """A ratio rounded half up to the cent (the quotient at the default 28 digits, then rounded, as
    `Decimal(fraction.numerator) / Decimal(fraction.denominator)` would be)."""
    if value is None:
        return None
    return _rounded(*value)


def rounded_average(value: float | None) -> Decimal | None:
    """An average (as read from the database) rounded half up to the cent."""
    return None if value is None else rounded(as_ratio(value))


def scored(figures: Figures, rules: Rules) -> tuple[list[Decimal | None], Decimal | None]:
    """The rounded measure scores (in the order of MEASURES) and the rounded weighted score."""
    measures = measure_ratios(figures, rules)
    return [rounded(m) for m in measures], rounded(weighted_ratio(measures, rules))


def competition_ranks(scores: list[Decimal | None]) -> list[int | None]:
    """Ranks for `scores` in their given order: highest first, ties share, the next is skipped."""
    ordered = sorted((s for s in scores if s is not None), reverse=True)
    first_position: dict[Decimal, int] = {}
    for position, score in enumerate(ordered, 1):
        first_position.setdefault(score, position)
    return [first_position[s] if s is not None else None for s in scores]
