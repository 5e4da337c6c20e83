"""The scoring and the solver on plain arrays: optimal against brute force, rectangular cases,
forbidden pairs, the breakdown summing to the score, and blocks within their size."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from matching import scoring, solver
from matching.scoring import CadreArrays, EnterpriseArrays, Tables

WEIGHTS = {"unit_function": 30, "category": 25, "rank": 20, "street": 15, "load": 10}


def random_problem(rng: np.random.Generator, n_cadres: int, n_enterprises: int, n_units: int = 6):
    units = [
        ("".join(rng.choice(list("CFGIJKM"), size=rng.integers(0, 3), replace=False)), ["39"] if u % 3 == 0 else [])
        for u in range(n_units)
    ]
    categories = [("CI", "M"), ("FH", "G"), ("EK", ""), ("", "")]
    tables = Tables.build(units=units, categories=categories, weights=WEIGHTS)
    streets = np.array([0, 101, 102, 103])
    cadres = CadreArrays(
        ids=np.arange(1, n_cadres + 1, dtype=np.int64),
        unit=rng.integers(0, n_units, n_cadres),
        category=rng.integers(0, len(categories), n_cadres),
        rank_level=rng.choice(np.array(list(scoring.RANK_LEVEL.values()), dtype=np.float32), n_cadres),
        street=rng.choice(streets, n_cadres),
        load_fit=rng.random(n_cadres).astype(np.float32),
    )
    sections = np.array([scoring.SECTION_INDEX[s] for s in "CFGIJKMR"])
    enterprises = EnterpriseArrays(
        ids=np.arange(1001, 1001 + n_enterprises, dtype=np.int64),
        section=rng.choice(sections, n_enterprises),
        division=rng.choice(np.array([scoring.DIVISION_INDEX["39"], scoring.NO_DIVISION]), n_enterprises),
        weight=rng.random(n_enterprises).astype(np.float32),
        street=rng.choice(streets[1:], n_enterprises),
    )
    return cadres, enterprises, tables


def brute_force_best(score: np.ndarray) -> int:
    """The best total over every one-to-one assignment, forbidden pairs left out (slow, exact)."""
    n_c, n_e = score.shape
    best = 0
    if n_c <= n_e:
        for cols in itertools.permutations(range(n_e), n_c):
            total = sum(score[i, j] for i, j in enumerate(cols) if score[i, j] > scoring.FORBIDDEN // 2)
            best = max(best, total)
    else:
        for rows in itertools.permutations(range(n_c), n_e):
            total = sum(score[i, j] for j, i in enumerate(rows) if score[i, j] > scoring.FORBIDDEN // 2)
            best = max(best, total)
    return int(best)


@pytest.mark.parametrize("seed", range(12))
def test_the_assignment_is_as_good_as_brute_force_on_small_random_cases(seed):
    # given a small random problem, sometimes rectangular, with a blocked pair
    rng = np.random.default_rng(seed)
    n_c, n_e = int(rng.integers(1, 7)), int(rng.integers(1, 7))
    cadres, enterprises, tables = random_problem(rng, n_c, n_e)
    blocked = [(int(cadres.ids[0]), int(enterprises.ids[0]))]
    # when it is solved
    rows, cols, total = solver.solve_block(cadres, enterprises, tables, blocked)
    # then its total is the brute-force optimum
    score = solver.forbid(scoring.score_matrix(cadres, enterprises, tables), cadres, enterprises, blocked)
    assert total == brute_force_best(score)
    assert len(set(rows.tolist())) == len(rows) and len(set(cols.tolist())) == len(cols)


@pytest.mark.parametrize(("n_c", "n_e"), [(3, 9), (9, 3), (1, 5), (5, 1), (0, 4), (4, 0)])
def test_rectangular_cases_pair_the_smaller_side_completely(n_c, n_e):
    # given more enterprises than cadres, or the reverse
    cadres, enterprises, tables = random_problem(np.random.default_rng(n_c * 10 + n_e), n_c, n_e)
    # when solved
    rows, cols, _total = solver.solve_block(cadres, enterprises, tables)
    # then every one of the smaller side is paired, once
    assert len(rows) == min(n_c, n_e)
    assert len(set(rows.tolist())) == len(rows) and len(set(cols.tolist())) == len(cols)


def test_excluded_pairs_are_never_proposed_even_when_nothing_else_is_left():
    # given one cadre, two enterprises, and the cadre blocked with both
    cadres, enterprises, tables = random_problem(np.random.default_rng(7), 1, 2)
    blocked = [(int(cadres.ids[0]), int(eid)) for eid in enterprises.ids]
    # when solved
    rows, cols, total = solver.solve_block(cadres, enterprises, tables, blocked)
    # then nothing is proposed
    assert len(rows) == 0 and total == 0


def test_excluded_pairs_are_never_proposed_on_larger_random_cases():
    rng = np.random.default_rng(99)
    cadres, enterprises, tables = random_problem(rng, 40, 30)
    blocked = {(int(rng.choice(cadres.ids)), int(rng.choice(enterprises.ids))) for _ in range(200)}
    rows, cols, _total = solver.solve_block(cadres, enterprises, tables, list(blocked))
    proposed = {(int(cadres.ids[i]), int(enterprises.ids[j])) for i, j in zip(rows, cols, strict=True)}
    assert proposed.isdisjoint(blocked)


def test_the_breakdown_sums_exactly_to_the_score():
    # given a random problem
    cadres, enterprises, tables = random_problem(np.random.default_rng(3), 25, 25)
    matrix = scoring.score_matrix(cadres, enterprises, tables)
    ci, ej = np.repeat(np.arange(25), 25), np.tile(np.arange(25), 25)
    # when every pair is broken down
    total, parts = scoring.breakdown(cadres, enterprises, ci, ej, tables)
    # then the parts add up to the matrix's score, pair by pair, and each part stays within its weight
    assert np.array_equal(total, matrix[ci, ej])
    assert np.array_equal(sum(parts.values()), total)
    for factor, points in parts.items():
        assert points.min() >= 0 and points.max() <= WEIGHTS[factor] * 100


def test_blocks_respect_their_size_and_cover_everyone_once():
    # given more enterprises and cadres than one block may hold
    cadres, enterprises, tables = random_problem(np.random.default_rng(5), 230, 260)
    # when planned with at most 50 a side
    blocks = solver.plan_blocks(cadres, enterprises, tables, max_side=50)
    # then every block is within the size and everyone is in exactly one block
    assert all(len(b.cadres) <= 50 and len(b.enterprises) <= 50 for b in blocks)
    assert sorted(np.concatenate([b.cadres for b in blocks]).tolist()) == list(range(230))
    assert sorted(np.concatenate([b.enterprises for b in blocks]).tolist()) == list(range(260))


def test_the_upper_bound_is_never_below_the_optimum_nor_the_blocks_total():
    # given a problem solved whole and in blocks
    cadres, enterprises, tables = random_problem(np.random.default_rng(11), 120, 150)
    _rows, _cols, optimum = solver.solve_block(cadres, enterprises, tables)
    blocks_total = 0
    for block in solver.plan_blocks(cadres, enterprises, tables, max_side=40):
        blocks_total += solver.solve_block(cadres.take(block.cadres), enterprises.take(block.enterprises), tables)[2]
    # then blocks ≤ optimum ≤ bound
    bound = solver.upper_bound(cadres, enterprises, tables, chunk=17)
    assert blocks_total <= optimum <= bound


def test_enterprise_weight_grows_with_size():
    small = scoring.enterprise_weight(above_scale=False, annual_revenue=300, employees=8, high_tech=False)
    large = scoring.enterprise_weight(above_scale=True, annual_revenue=400_000, employees=5_000, high_tech=True)
    assert small == 0 and 0.9 < large <= 1
