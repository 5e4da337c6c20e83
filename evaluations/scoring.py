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
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction

from evaluations.models import MEASURES

HUNDRED = Fraction(100)
CENT = Decimal("0.01")


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


def _share(part: int, whole: int) -> Fraction | None:
    return HUNDRED * part / whole if whole else None


def measure_scores(figures: Figures, params: dict) -> dict[str, Fraction | None]:
    """Each measure on 0–100, or None when there was nothing to measure."""
    f = figures
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


def weighted_score(measures: dict[str, Fraction | None], weights: dict[str, int]) -> Fraction | None:
    """The weighted mean of the measures present; None when no weighted measure is present."""
    present = [name for name in MEASURES if measures[name] is not None and weights[name] > 0]
    total_weight = sum(weights[name] for name in present)
    if not total_weight:
        return None
    return sum(measures[name] * weights[name] for name in present) / total_weight


def rounded(value: Fraction | None) -> Decimal | None:
    if value is None:
        return None
    return (Decimal(value.numerator) / Decimal(value.denominator)).quantize(CENT, rounding=ROUND_HALF_UP)


def competition_ranks(scores: list[Decimal | None]) -> list[int | None]:
    """Ranks for `scores` in their given order: highest first, ties share, the next is skipped."""
    ordered = sorted((s for s in scores if s is not None), reverse=True)
    first_position: dict[Decimal, int] = {}
    for position, score in enumerate(ordered, 1):
        first_position.setdefault(score, position)
    return [first_position[s] if s is not None else None for s in scores]
