"""Reads for precise matching: who may be paired, the settings snapshot, and arrays for the solver."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from django.db.models import Count, Exists, F, OuterRef, Q, QuerySet, Subquery

from enterprises.models import Enterprise, EnterpriseStatus
from liaison.models import Assignment, Cadre, Category, Unit, UnitKind
from matching import scoring
from matching.defaults import CATEGORY_FIT, unit_sections_from_name
from matching.models import (
    DEFAULT_WEIGHTS,
    BlockedPair,
    CategoryIndustry,
    Factor,
    FactorWeight,
    LeftoverSide,
    Proposal,
    ProposalLeftover,
    ProposalPair,
    Scope,
    split_divisions,
)

# --- Who may be paired ---------------------------------------------------------------------------


def free_cadres() -> QuerySet[Cadre]:
    """Active cadres without an active pairing: the hard rules leave only these."""
    return Cadre.objects.filter(active=True).exclude(Exists(Assignment.objects.active().filter(cadre=OuterRef("pk"))))


def unpaired_enterprises(*, scope: str = Scope.ALL, street_id=None, section: str = "", above_scale_only=True):
    """Operating enterprises without an active pairing, within the scope."""
    qs = Enterprise.objects.filter(status=EnterpriseStatus.OPERATING).exclude(
        Exists(Assignment.objects.active().filter(enterprise=OuterRef("pk")))
    )
    if above_scale_only:
        qs = qs.filter(above_scale=True)
    if scope == Scope.STREET:
        qs = qs.filter(street_id=street_id)
    elif scope == Scope.SECTION:
        qs = qs.filter(industry_section=section)
    return qs


def proposal_enterprises(proposal: Proposal) -> QuerySet[Enterprise]:
    return unpaired_enterprises(
        scope=proposal.scope,
        street_id=proposal.street_id,
        section=proposal.section,
        above_scale_only=proposal.above_scale_only,
    )


# --- Settings ----------------------------------------------------------------------------------


def current_weights() -> dict[str, int]:
    weights = {str(factor): DEFAULT_WEIGHTS[factor] for factor in Factor}
    weights.update(dict(FactorWeight.objects.values_list("factor", "weight")))
    return weights


def category_table() -> dict[str, tuple[str, str]]:
    table = {str(category): CATEGORY_FIT.get(category, ("", "")) for category in Category}
    for row in CategoryIndustry.objects.all():
        table[row.category] = (row.strong, row.some)
    return table


def unit_street_id(unit: Unit) -> int:
    if unit.kind == UnitKind.STREET:
        return unit.pk
    if unit.parent_id and unit.parent.kind == UnitKind.STREET:
        return unit.parent_id
    return 0


@dataclass
class UnitRow:
    unit: Unit
    sections: str
    divisions: str
    is_default: bool
    free: int
    active: int


def unit_rows(unit_ids=None) -> list[UnitRow]:
    """Each unit's competence (set by staff, or guessed from its name) and its free/active cadres."""
    units = Unit.objects.select_related("parent", "matching_function").annotate(
        active_cadres=Count("cadres", filter=Q(cadres__active=True), distinct=True),
        paired_cadres=Count(
            "cadres",
            filter=Q(cadres__active=True, cadres__assignments__ended_on__isnull=True)
            & Q(cadres__assignments__isnull=False),
            distinct=True,
        ),
    )
    if unit_ids is not None:
        units = units.filter(pk__in=list(unit_ids))
    rows = []
    for unit in units.order_by("kind", "name"):
        function = getattr(unit, "matching_function", None)
        if function is not None:
            sections, divisions, default = function.sections, function.divisions, False
        else:
            sections, divisions, default = unit_sections_from_name(unit.name, unit.kind), "", True
        rows.append(
            UnitRow(unit, sections, divisions, default, unit.active_cadres - unit.paired_cadres, unit.active_cadres)
        )
    return rows


def settings_snapshot(unit_ids) -> dict:
    """The weights and tables a proposal uses, frozen so that its blocks and scores agree."""
    units = {}
    for row in unit_rows(unit_ids):
        units[str(row.unit.pk)] = {
            "sections": row.sections,
            "divisions": split_divisions(row.divisions),
            "street": unit_street_id(row.unit),
            # The share of the unit's active cadres still free (1 when it has none at all).
            "load": round(row.free / row.active, 4) if row.active else 1.0,
        }
    return {
        "weights": current_weights(),
        "units": units,
        "categories": {category: list(fit) for category, fit in category_table().items()},
    }


class Problem:
    """A snapshot turned into solver tables, with the row of each unit and category."""

    def __init__(self, snapshot: dict) -> None:
        self.snapshot = snapshot
        self.unit_ids = [int(uid) for uid in snapshot["units"]]
        self.unit_row = {uid: i for i, uid in enumerate(self.unit_ids)}
        self.categories = list(snapshot["categories"])
        self.category_row = {category: i for i, category in enumerate(self.categories)}
        units = [(u["sections"], u["divisions"]) for u in snapshot["units"].values()]
        self.tables = scoring.Tables.build(
            units=units,
            categories=[tuple(snapshot["categories"][c]) for c in self.categories],
            weights=snapshot["weights"],
        )
        self.unit_street = np.array([u["street"] for u in snapshot["units"].values()] or [0], dtype=np.int64)
        self.unit_load = np.array([u["load"] for u in snapshot["units"].values()] or [1.0], dtype=np.float32)

    def cadre_arrays(self, rows: list[tuple[int, int, str, str]]) -> scoring.CadreArrays:
        """From (id, unit id, category, rank) rows; units missing from the snapshot are left out."""
        rows = [row for row in rows if row[1] in self.unit_row]
        unit = np.array([self.unit_row[r[1]] for r in rows], dtype=np.int64)
        return scoring.CadreArrays(
            ids=np.array([r[0] for r in rows], dtype=np.int64),
            unit=unit,
            category=np.array([self.category_row.get(r[2], 0) for r in rows], dtype=np.int64),
            rank_level=np.array([scoring.RANK_LEVEL.get(r[3], 0.0) for r in rows], dtype=np.float32),
            street=self.unit_street[unit] if len(rows) else np.empty(0, dtype=np.int64),
            load_fit=self.unit_load[unit] if len(rows) else np.empty(0, dtype=np.float32),
        )

    @staticmethod
    def enterprise_arrays(rows) -> scoring.EnterpriseArrays:
        """From (id, section, division, above scale, revenue, employees, high-tech, street id) rows."""
        return scoring.EnterpriseArrays(
            ids=np.array([r[0] for r in rows], dtype=np.int64),
            section=np.array([scoring.SECTION_INDEX.get(r[1], 0) for r in rows], dtype=np.int64),
            division=np.array([scoring.DIVISION_INDEX.get(r[2], scoring.NO_DIVISION) for r in rows], dtype=np.int64),
            weight=np.array(
                [
                    scoring.enterprise_weight(above_scale=r[3], annual_revenue=r[4], employees=r[5], high_tech=r[6])
                    for r in rows
                ],
                dtype=np.float32,
            ),
            street=np.array([r[7] or 0 for r in rows], dtype=np.int64),
        )

    def load_cadres(self, qs: QuerySet[Cadre]) -> scoring.CadreArrays:
        return self.cadre_arrays(list(qs.order_by("pk").values_list("pk", "unit_id", "category", "rank")))

    def load_enterprises(self, qs: QuerySet[Enterprise]) -> scoring.EnterpriseArrays:
        return self.enterprise_arrays(
            list(
                qs.order_by("pk").values_list(
                    "pk",
                    "industry_section",
                    "industry_division",
                    "above_scale",
                    "annual_revenue",
                    "employees",
                    "high_tech",
                    "street_id",
                )
            )
        )

    def points(self, centipoints: int) -> float:
        return round(centipoints / 100, 2)


def blocked_pairs(cadre_ids, enterprise_ids) -> list[tuple[int, int]]:
    return list(
        BlockedPair.objects.filter(cadre_id__in=list(cadre_ids), enterprise_id__in=list(enterprise_ids)).values_list(
            "cadre_id", "enterprise_id"
        )
    )


# --- Pages -------------------------------------------------------------------------------------


def proposal_list() -> QuerySet[Proposal]:
    return (
        Proposal.objects.select_related("street", "created_by")
        .annotate(
            pair_count=Count("pairs", distinct=True),
            accepted_count=Count("pairs", filter=Q(pairs__accepted_at__isnull=False), distinct=True),
        )
        .order_by("-created_at", "-id")
    )


def proposal_pairs(proposal: Proposal) -> QuerySet[ProposalPair]:
    return proposal.pairs.select_related("cadre__unit", "enterprise__street", "accepted_by", "assignment").order_by(
        "-score", "id"
    )


def proposal_leftovers(proposal: Proposal, side: str) -> QuerySet[ProposalLeftover]:
    qs = proposal.leftovers.filter(side=side)
    if side == LeftoverSide.CADRE:
        return qs.select_related("cadre__unit").order_by("cadre__unit__name", "cadre__name")
    return qs.select_related("enterprise__street").order_by("enterprise__name")


def blocked_pair_list() -> QuerySet[BlockedPair]:
    return BlockedPair.objects.select_related("cadre__unit", "enterprise", "created_by")


# --- Replacement ----------------------------------------------------------------------------------


def pairings_needing_replacement() -> QuerySet[Assignment]:
    """Active pairings whose cadre has left (inactive) or moved to another unit since the pairing began."""
    history = Cadre.history.model.objects.filter(id=OuterRef("cadre_id"), history_date__lte=OuterRef("created_at"))
    return (
        Assignment.objects.active()
        .select_related("cadre__unit", "enterprise__street")
        .annotate(unit_at_start=Subquery(history.order_by("-history_date", "-history_id").values("unit_id")[:1]))
        .filter(
            Q(cadre__active=False) | (Q(unit_at_start__isnull=False) & ~Q(unit_at_start=F("cadre__unit_id"))),
            enterprise__status=EnterpriseStatus.OPERATING,
        )
    )


def enterprises_left_without_cadre() -> QuerySet[Enterprise]:
    """Operating enterprises whose last pairing ended without a successor."""
    return (
        unpaired_enterprises(above_scale_only=False)
        .filter(Exists(Assignment.objects.filter(enterprise=OuterRef("pk"), ended_on__isnull=False)))
        .select_related("street")
    )


def replacement_reason(enterprise: Enterprise) -> tuple[str, Assignment | None] | None:
    """Why the enterprise needs a (new) cadre, with its current pairing; None when it does not."""
    from django.utils.translation import gettext as _

    if enterprise.status != EnterpriseStatus.OPERATING:
        return None
    current = pairings_needing_replacement().filter(enterprise=enterprise).first()
    if current is not None:
        if not current.cadre.active:
            return _("%(cadre)s is no longer active.") % {"cadre": current.cadre.name}, current
        return (
            _("%(cadre)s has moved to %(unit)s since the pairing began.")
            % {"cadre": current.cadre.name, "unit": current.cadre.unit.name},
            current,
        )
    if Assignment.objects.active().filter(enterprise=enterprise).exists():
        return None
    last = Assignment.objects.filter(enterprise=enterprise).select_related("cadre").order_by("-ended_on", "-id").first()
    if last is not None:
        return (
            _("The pairing with %(cadre)s ended on %(date)s.") % {"cadre": last.cadre.name, "date": last.ended_on},
            None,
        )
    return _("Not paired yet."), None


@dataclass
class Candidate:
    cadre: Cadre
    score: float
    breakdown: dict[str, float]


def replacement_candidates(enterprise: Enterprise, *, limit: int = 5) -> list[Candidate]:
    """The free cadres who fit the enterprise best, blocked pairs left out, with their breakdowns."""
    free = free_cadres().exclude(blocked_pairs__enterprise=enterprise)
    rows = list(free.order_by("pk").values_list("pk", "unit_id", "category", "rank"))
    if not rows:
        return []
    problem = Problem(settings_snapshot({row[1] for row in rows}))
    cadres = problem.cadre_arrays(rows)
    enterprises = problem.load_enterprises(Enterprise.objects.filter(pk=enterprise.pk))
    ci = np.arange(len(cadres))
    total, parts = scoring.breakdown(cadres, enterprises, ci, np.zeros_like(ci), problem.tables)
    best = np.argsort(-total, kind="stable")[:limit]
    by_id = Cadre.objects.select_related("unit").in_bulk([int(cadres.ids[i]) for i in best])
    return [
        Candidate(
            cadre=by_id[int(cadres.ids[i])],
            score=problem.points(int(total[i])),
            breakdown={factor: problem.points(int(points[i])) for factor, points in parts.items()},
        )
        for i in best
    ]
