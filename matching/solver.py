"""The optimal one-to-one assignment (Hungarian method), the split of large problems into blocks,
and an upper bound on the best total, all on numpy arrays.

`linear_sum_assignment` handles rectangular matrices: with more enterprises than cadres every cadre
gets one, and the other way round. Forbidden pairs get a score far below any real one, so they are
only ever chosen when a row has nothing else; such pairs are dropped after the solve.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.optimize import linear_sum_assignment

from matching.scoring import FORBIDDEN, SECTION_CODES, CadreArrays, EnterpriseArrays, Tables, score_matrix


def assign(score: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Rows and columns of the maximum-total one-to-one assignment, forbidden pairs removed."""
    if score.size == 0:
        return np.empty(0, dtype=np.int64), np.empty(0, dtype=np.int64)
    rows, cols = linear_sum_assignment(score, maximize=True)
    keep = score[rows, cols] > FORBIDDEN // 2
    return rows[keep], cols[keep]


def forbid(score: np.ndarray, cadres: CadreArrays, enterprises: EnterpriseArrays, blocked: list[tuple[int, int]]):
    """Set the blocked (cadre id, enterprise id) pairs of this block to FORBIDDEN, in place."""
    if not blocked:
        return score
    cadre_row = {int(cid): i for i, cid in enumerate(cadres.ids)}
    enterprise_col = {int(eid): j for j, eid in enumerate(enterprises.ids)}
    for cadre_id, enterprise_id in blocked:
        i, j = cadre_row.get(cadre_id), enterprise_col.get(enterprise_id)
        if i is not None and j is not None:
            score[i, j] = FORBIDDEN
    return score


def solve_block(
    cadres: CadreArrays, enterprises: EnterpriseArrays, tables: Tables, blocked: list[tuple[int, int]] = ()
) -> tuple[np.ndarray, np.ndarray, int]:
    """(cadre rows, enterprise rows, total centipoints) of the optimal assignment of one block."""
    score = forbid(score_matrix(cadres, enterprises, tables), cadres, enterprises, list(blocked))
    rows, cols = assign(score)
    total = int(score[rows, cols].astype(np.int64).sum())
    return rows, cols, total


# --- Blocks ------------------------------------------------------------------------------------


@dataclass
class Block:
    label: str
    cadres: np.ndarray  # rows into the whole problem's CadreArrays
    enterprises: np.ndarray  # rows into EnterpriseArrays


def _apportion(total: int, sizes: np.ndarray) -> np.ndarray:
    """Split `total` into integer parts proportional to `sizes` (largest remainder)."""
    if total <= 0 or sizes.sum() == 0:
        return np.zeros(len(sizes), dtype=np.int64)
    exact = sizes * (total / sizes.sum())
    parts = np.floor(exact).astype(np.int64)
    remainder = total - int(parts.sum())
    if remainder:
        parts[np.argsort(-(exact - parts), kind="stable")[:remainder]] += 1
    return parts


def _allocate(preference: np.ndarray, quota: np.ndarray) -> np.ndarray:
    """Give each cadre (row) a group (column) with quota left, best preferences first (greedy).

    Only the partition is greedy; each block is then solved exactly, and the proposal reports how
    much total fit the partition gave up against the upper bound.
    """
    n = preference.shape[0]
    group = np.full(n, -1, dtype=np.int64)
    left = quota.copy()
    order = np.argsort(-preference, axis=None, kind="stable")
    rows, cols = np.unravel_index(order, preference.shape)
    placed = 0
    for i, g in zip(rows.tolist(), cols.tolist(), strict=True):
        if group[i] == -1 and left[g] > 0:
            group[i] = g
            left[g] -= 1
            placed += 1
            if placed == n:
                break
    return group


def _chunks(
    label: str, cadre_rows: np.ndarray, enterprise_rows: np.ndarray, cadres, enterprises, max_side: int
) -> list[Block]:
    """Split one group into blocks of at most `max_side` per side, senior cadres with weighty enterprises."""
    k = max(1, -(-max(len(cadre_rows), len(enterprise_rows)) // max_side))
    if k == 1:
        return [Block(label, cadre_rows, enterprise_rows)]
    cadre_rows = cadre_rows[np.argsort(-cadres.rank_level[cadre_rows], kind="stable")]
    enterprise_rows = enterprise_rows[np.argsort(-enterprises.weight[enterprise_rows], kind="stable")]
    c_parts = _apportion(len(cadre_rows), np.ones(k))
    e_parts = _apportion(len(enterprise_rows), np.ones(k))
    c_edges, e_edges = np.concatenate([[0], np.cumsum(c_parts)]), np.concatenate([[0], np.cumsum(e_parts)])
    return [
        Block(
            f"{label} {i + 1}/{k}",
            cadre_rows[c_edges[i] : c_edges[i + 1]],
            enterprise_rows[e_edges[i] : e_edges[i + 1]],
        )
        for i in range(k)
    ]


def plan_blocks(cadres: CadreArrays, enterprises: EnterpriseArrays, tables: Tables, max_side: int) -> list[Block]:
    """Independent blocks of at most `max_side` cadres and enterprises each.

    Enterprises are grouped by industry section; free cadres are shared out among the sections in
    proportion to their enterprises, each going where its unit function and category fit best. A
    group still too large is cut by enterprise weight and cadre rank.
    """
    n_c, n_e = len(cadres), len(enterprises)
    all_c, all_e = np.arange(n_c), np.arange(n_e)
    if n_c <= max_side and n_e <= max_side:
        return [Block("", all_c, all_e)]
    sections, section_of = np.unique(enterprises.section, return_inverse=True)
    sizes = np.bincount(section_of, minlength=len(sections)).astype(np.float64)
    quota = _apportion(n_c, sizes)
    group = _allocate(tables.section_preference(cadres)[:, sections], quota)
    blocks = []
    for g, section in enumerate(sections):
        blocks += _chunks(
            SECTION_CODES[section], all_c[group == g], all_e[section_of == g], cadres, enterprises, max_side
        )
    return [block for block in blocks if len(block.cadres) or len(block.enterprises)]


# --- What the best could be --------------------------------------------------------------------


def _cadre_types(cadres: CadreArrays, tables: Tables) -> tuple[CadreArrays, np.ndarray]:
    """Cadres grouped into types that score alike against any enterprise outside their own street.

    A type is (the unit's competence, category, rank, street office or district-wide); it scores
    with the group's highest load fit, and street office types with a street that matches no
    enterprise, so a type never scores below any of its cadres except in their own street.
    """
    competence = np.concatenate([tables.unit_sections, tables.unit_divisions], axis=1)
    _rows, signature = np.unique(competence, axis=0, return_inverse=True)
    signature = signature.reshape(-1)
    keys = np.stack(
        [
            signature[cadres.unit],
            cadres.category,
            np.rint(cadres.rank_level * 1000).astype(np.int64),
            (cadres.street != 0).astype(np.int64),
        ],
        axis=1,
    )
    _unique, first, type_of = np.unique(keys, axis=0, return_index=True, return_inverse=True)
    type_of = type_of.reshape(-1)
    types = cadres.take(first)
    load = np.zeros(len(first), dtype=np.float32)
    np.maximum.at(load, type_of, cadres.load_fit)
    types.load_fit = load
    types.street = np.where(types.street != 0, -1, 0).astype(np.int64)
    return types, type_of


def upper_bound(cadres: CadreArrays, enterprises: EnterpriseArrays, tables: Tables, *, chunk: int = 2048) -> int:
    """An upper bound (centipoints) on the total of any one-to-one assignment, in bounded memory.

    At most min(cadres, enterprises) pairs are made, each enterprise scoring at most its best
    cadre and each cadre at most its best enterprise: the bound is the smaller of the two sums of
    the largest bests. Blocked pairs are ignored, which keeps it an upper bound. The bests come
    from cadre types (see _cadre_types), chunked, plus the exact scores within each street.
    """
    n = min(len(cadres), len(enterprises))
    if n == 0:
        return 0
    types, type_of = _cadre_types(cadres, tables)
    enterprise_best = np.empty(len(enterprises), dtype=np.int64)
    type_best = np.full(len(types), np.iinfo(np.int64).min, dtype=np.int64)
    for start in range(0, len(enterprises), chunk):
        part = enterprises.take(np.arange(start, min(start + chunk, len(enterprises))))
        score = score_matrix(types, part, tables)
        enterprise_best[start : start + len(part)] = score.max(axis=0)
        np.maximum(type_best, score.max(axis=1), out=type_best)
    cadre_best = type_best[type_of]
    # Street office cadres in their own street: scored exactly, street by street.
    street_cadres = np.flatnonzero(cadres.street != 0)
    order = np.argsort(enterprises.street, kind="stable")
    sorted_streets = enterprises.street[order]
    for street in np.unique(cadres.street[street_cadres]):
        lo, hi = np.searchsorted(sorted_streets, [street, street + 1])
        if lo == hi:
            continue
        rows = street_cadres[cadres.street[street_cadres] == street]
        cols = order[lo:hi]
        score = score_matrix(cadres.take(rows), enterprises.take(cols), tables)
        np.maximum.at(enterprise_best, cols, score.max(axis=0))
        np.maximum.at(cadre_best, rows, score.max(axis=1))
    by_enterprises = np.sort(enterprise_best)[::-1][:n].sum()
    by_cadres = np.sort(cadre_best)[::-1][:n].sum()
    return int(min(by_enterprises, by_cadres))
