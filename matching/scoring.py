"""The fit score, on plain numpy arrays (no ORM), so that the portal, the Celery blocks and the
benchmark share one definition.

Each factor gives a fit in 0..1, multiplied by its weight (the points at full fit). Points are kept
in integer hundredths ("centipoints") and each factor is rounded on its own, so the score is exactly
the sum of its breakdown, in a matrix as in a single pair.

- unit function: 1 when the cadre's unit is competent for the enterprise's section or division;
- professional category: 1 for a strong fit with the enterprise's section, 0.5 for some fit;
- rank against the enterprise's weight: 1 - |rank level - weight|; the weight (0..1) grows with
  above-scale status, revenue and employees (on log scales) and high-tech status;
- street: 1 for a street office cadre in the enterprise's street, 0.5 for a district-wide unit (or
  an enterprise without a street), 0 for another street;
- load: a cadre already paired is excluded outright, so load is the unit's: the share of its active
  cadres still free. A unit whose cadres already serve many enterprises is spared.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from enterprises.industries import DIVISIONS, SECTIONS

FACTORS = ("unit_function", "category", "rank", "street", "load")
SECTION_CODES = tuple(SECTIONS)
SECTION_INDEX = {code: i for i, code in enumerate(SECTION_CODES)}
DIVISION_CODES = tuple(DIVISIONS)
DIVISION_INDEX = {code: i for i, code in enumerate(DIVISION_CODES)}
NO_DIVISION = len(DIVISION_CODES)  # an extra, never-competent column
# A pair that must never be proposed: far below any real score (at most 5 factors × 100 points).
FORBIDDEN = -(10**9)

RANK_LEVEL = {"district": 0.9, "division": 0.6, "section": 0.3, "other": 0.15}
# Revenue in 10k yuan and employees, on log scales: 500 → 0 and 500,000 → 1; 10 → 0 and 10,000 → 1.
REVENUE_FLOOR, REVENUE_DECADES = 500.0, 3.0
EMPLOYEES_FLOOR, EMPLOYEES_DECADES = 10.0, 3.0
WEIGHT_PARTS = {"above_scale": 0.2, "revenue": 0.4, "employees": 0.25, "high_tech": 0.15}


def _log_scale(value: float | None, floor: float, decades: float) -> float:
    if not value or value <= floor:
        return 0.0
    return min(math.log10(value / floor) / decades, 1.0)


def enterprise_weight(*, above_scale: bool, annual_revenue, employees, high_tech: bool) -> float:
    """How weighty an enterprise is, 0..1: what rank of cadre it deserves."""
    revenue = float(annual_revenue) if annual_revenue is not None else None
    return (
        WEIGHT_PARTS["above_scale"] * bool(above_scale)
        + WEIGHT_PARTS["revenue"] * _log_scale(revenue, REVENUE_FLOOR, REVENUE_DECADES)
        + WEIGHT_PARTS["employees"] * _log_scale(employees, EMPLOYEES_FLOOR, EMPLOYEES_DECADES)
        + WEIGHT_PARTS["high_tech"] * bool(high_tech)
    )


@dataclass
class Tables:
    """The editable tables, as arrays: rows are units (by position) and categories."""

    unit_sections: np.ndarray  # units × sections, bool
    unit_divisions: np.ndarray  # units × (divisions + 1), bool; the last column is "no division"
    category_fit: np.ndarray  # categories × sections, float32 in {0, 0.5, 1}
    weights: np.ndarray  # factors, int (points at full fit)

    @classmethod
    def build(
        cls,
        *,
        units: list[tuple[str, list[str]]],
        categories: list[tuple[str, str]],
        weights: dict[str, int],
    ) -> Tables:
        """`units`: per unit (sections letters, division codes); `categories`: per category (strong, some)."""
        unit_sections = np.zeros((max(len(units), 1), len(SECTION_CODES)), dtype=bool)
        unit_divisions = np.zeros((max(len(units), 1), NO_DIVISION + 1), dtype=bool)
        for row, (sections, divisions) in enumerate(units):
            for letter in sections:
                if letter in SECTION_INDEX:
                    unit_sections[row, SECTION_INDEX[letter]] = True
            for code in divisions:
                if code in DIVISION_INDEX:
                    unit_divisions[row, DIVISION_INDEX[code]] = True
        category_fit = np.zeros((max(len(categories), 1), len(SECTION_CODES)), dtype=np.float32)
        for row, (strong, some) in enumerate(categories):
            for letter in some:
                if letter in SECTION_INDEX:
                    category_fit[row, SECTION_INDEX[letter]] = 0.5
            for letter in strong:
                if letter in SECTION_INDEX:
                    category_fit[row, SECTION_INDEX[letter]] = 1.0
        return cls(
            unit_sections=unit_sections,
            unit_divisions=unit_divisions,
            category_fit=category_fit,
            weights=np.array([int(weights.get(factor, 0)) for factor in FACTORS], dtype=np.int64),
        )

    def section_preference(self, cadres: CadreArrays) -> np.ndarray:
        """Cadres × sections: the section-dependent points (unit function, category), for splitting."""
        unit_any = self.unit_sections[cadres.unit].astype(np.float32)
        # A unit competent for some divisions of a section counts there too.
        division_sections = np.array([SECTION_INDEX[DIVISIONS[code][0]] for code in DIVISION_CODES], dtype=np.int64)
        covered = np.zeros_like(self.unit_sections)
        rows, cols = np.nonzero(self.unit_divisions[:, :NO_DIVISION])
        covered[rows, division_sections[cols]] = True
        unit_any = np.maximum(unit_any, covered[cadres.unit].astype(np.float32))
        return unit_any * self.weights[0] + self.category_fit[cadres.category] * self.weights[1]


@dataclass
class CadreArrays:
    ids: np.ndarray  # int64
    unit: np.ndarray  # row in Tables.unit_*
    category: np.ndarray  # row in Tables.category_fit
    rank_level: np.ndarray  # float32 0..1
    street: np.ndarray  # int64 street unit id, 0 for a district-wide unit
    load_fit: np.ndarray  # float32 0..1

    def __len__(self) -> int:
        return len(self.ids)

    def take(self, index: np.ndarray) -> CadreArrays:
        return CadreArrays(*(getattr(self, name)[index] for name in self.__dataclass_fields__))


@dataclass
class EnterpriseArrays:
    ids: np.ndarray  # int64
    section: np.ndarray  # column in Tables.unit_sections
    division: np.ndarray  # column in Tables.unit_divisions (NO_DIVISION when unknown)
    weight: np.ndarray  # float32 0..1
    street: np.ndarray  # int64 street unit id, 0 when unknown

    def __len__(self) -> int:
        return len(self.ids)

    def take(self, index: np.ndarray) -> EnterpriseArrays:
        return EnterpriseArrays(*(getattr(self, name)[index] for name in self.__dataclass_fields__))


def _centipoints(fit: np.ndarray, weight: int) -> np.ndarray:
    return np.rint(fit * (weight * 100)).astype(np.int32)


def factor_points(
    cadres: CadreArrays, enterprises: EnterpriseArrays, ci: np.ndarray, ej: np.ndarray, tables: Tables
) -> dict[str, np.ndarray]:
    """Centipoints per factor for cadre rows `ci` against enterprise rows `ej`.

    Indexes broadcast: `ci[:, None]` with `ej[None, :]` gives matrices, two equal 1-D arrays give pairs.
    """
    w = tables.weights
    unit = cadres.unit[ci]
    section = enterprises.section[ej]
    competent = tables.unit_sections[unit, section] | tables.unit_divisions[unit, enterprises.division[ej]]
    category = tables.category_fit[cadres.category[ci], section]
    rank = 1.0 - np.abs(cadres.rank_level[ci] - enterprises.weight[ej])
    c_street, e_street = cadres.street[ci], enterprises.street[ej]
    street = np.where((c_street == 0) | (e_street == 0), np.float32(0.5), (c_street == e_street).astype(np.float32))
    load = np.broadcast_to(cadres.load_fit[ci], np.broadcast_shapes(ci.shape, ej.shape))
    return {
        "unit_function": _centipoints(competent.astype(np.float32), w[0]),
        "category": _centipoints(category, w[1]),
        "rank": _centipoints(rank, w[2]),
        "street": _centipoints(street, w[3]),
        "load": _centipoints(load, w[4]),
    }


def score_matrix(cadres: CadreArrays, enterprises: EnterpriseArrays, tables: Tables) -> np.ndarray:
    """Cadres × enterprises total centipoints (int32)."""
    ci = np.arange(len(cadres))[:, None]
    ej = np.arange(len(enterprises))[None, :]
    total = None
    for points in factor_points(cadres, enterprises, ci, ej, tables).values():
        total = points.astype(np.int32) if total is None else total + points
    if total is None:  # pragma: no cover - there are always factors
        total = np.zeros((len(cadres), len(enterprises)), dtype=np.int32)
    return np.ascontiguousarray(total)


def breakdown(
    cadres: CadreArrays, enterprises: EnterpriseArrays, ci: np.ndarray, ej: np.ndarray, tables: Tables
) -> tuple[np.ndarray, dict[str, np.ndarray]]:
    """For pairs (ci[k], ej[k]): the total centipoints and the centipoints per factor."""
    parts = factor_points(cadres, enterprises, np.asarray(ci), np.asarray(ej), tables)
    total = sum(parts.values())
    return np.asarray(total), parts
