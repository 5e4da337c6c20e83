"""Benchmark of precise matching: the proposal's time and peak memory for 400, 5,000 and 50,000 pairs.

Synthetic cadres and enterprises go through the portal's own scoring and solver (matching.scoring,
matching.solver) on plain arrays, without the database. A problem up to MATCHING_SYNC_MAX_SIDE a
side is solved exactly as one block, as the browser request does; a larger one is split into blocks
of at most MATCHING_BLOCK_MAX_SIDE a side, which Celery spreads over workers: the figures give the
planning, each block (the memory a worker needs is the largest block's peak), and the upper bound
the "gave up" figure is measured against.

Run:  .venv/bin/python -m bench.matching            (400, 5,000 and 50,000)
      .venv/bin/python -m bench.matching 400 5000 --exact   (also the exact optimum of each size, slow)
"""

from __future__ import annotations

import argparse
import os
import resource
import sys
import time
import tracemalloc

import numpy as np

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "liaison.settings")

from matching import scoring, solver  # noqa: E402
from matching.defaults import CATEGORY_FIT  # noqa: E402

SYNC_MAX_SIDE = int(os.environ.get("MATCHING_SYNC_MAX_SIDE", "1000"))
BLOCK_MAX_SIDE = int(os.environ.get("MATCHING_BLOCK_MAX_SIDE", "1500"))
WEIGHTS = {"unit_function": 30, "category": 25, "rank": 20, "street": 15, "load": 10}
UNIT_SECTIONS = ["C", "CI", "IM", "FH", "EK", "G", "J", "R", "HR", "LO", "Q", "P", "DE", "", ""]
SECTION_MIX = {"C": 30, "F": 18, "I": 10, "L": 8, "M": 6, "K": 6, "G": 6, "E": 5, "H": 4, "J": 2, "R": 2, "Q": 3}


def synthetic(n: int, seed: int = 2024):
    """n cadres and n enterprises shaped like a district (n=400) or a province (n=50,000)."""
    rng = np.random.default_rng(seed)
    n_units = max(30, n // 8)
    n_streets = max(5, n // 40)
    street_ids = np.arange(1, n_streets + 1)
    units = [(UNIT_SECTIONS[u % len(UNIT_SECTIONS)], []) for u in range(n_units)]
    categories = [CATEGORY_FIT[c] for c in CATEGORY_FIT]
    tables = scoring.Tables.build(units=units, categories=categories, weights=WEIGHTS)
    unit_street = np.where(np.arange(n_units) % 3 == 0, rng.choice(street_ids, n_units), 0)
    unit_load = rng.uniform(0.05, 1.0, n_units).astype(np.float32)
    unit = rng.integers(0, n_units, n)
    ranks = np.array([0.9, 0.6, 0.3, 0.15], dtype=np.float32)
    cadres = scoring.CadreArrays(
        ids=np.arange(1, n + 1, dtype=np.int64),
        unit=unit,
        category=rng.integers(0, len(categories), n),
        rank_level=rng.choice(ranks, n, p=[0.05, 0.35, 0.5, 0.1]),
        street=unit_street[unit],
        load_fit=unit_load[unit],
    )
    letters, weights = zip(*SECTION_MIX.items(), strict=True)
    p = np.array(weights, dtype=np.float64) / sum(weights)
    sections = np.array([scoring.SECTION_INDEX[s] for s in letters])[rng.choice(len(letters), n, p=p)]
    enterprises = scoring.EnterpriseArrays(
        ids=np.arange(100_001, 100_001 + n, dtype=np.int64),
        section=sections,
        division=np.full(n, scoring.NO_DIVISION),
        weight=np.clip(rng.beta(2, 4, n), 0, 1).astype(np.float32),
        street=rng.choice(street_ids, n),
    )
    return cadres, enterprises, tables


def measured(fn, *args, **kwargs):
    """(result, seconds, peak bytes traced) of one call."""
    tracemalloc.start()
    tracemalloc.reset_peak()
    started = time.perf_counter()
    result = fn(*args, **kwargs)
    seconds = time.perf_counter() - started
    _current, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return result, seconds, peak


def mb(n_bytes: float) -> str:
    return f"{n_bytes / 2**20:,.1f} MB"


def run(n: int, *, exact: bool) -> None:
    cadres, enterprises, tables = synthetic(n)
    print(f"\n== {n:,} cadres × {n:,} enterprises ==")
    if n <= SYNC_MAX_SIDE:
        (rows, _cols, total), seconds, peak = measured(solver.solve_block, cadres, enterprises, tables)
        print(f"one block, exact (in the request): {seconds * 1000:,.0f} ms, peak {mb(peak)}")
        print(f"pairs {len(rows):,}, total fit {total / 100:,.2f}; gave up 0 (this is the optimum)")
        return
    blocks, plan_s, plan_peak = measured(solver.plan_blocks, cadres, enterprises, tables, BLOCK_MAX_SIDE)
    print(f"plan: {len(blocks)} blocks of at most {BLOCK_MAX_SIDE} a side in {plan_s:,.2f} s, peak {mb(plan_peak)}")
    bound, bound_s, bound_peak = measured(solver.upper_bound, cadres, enterprises, tables)
    print(f"upper bound: {bound / 100:,.2f} in {bound_s:,.2f} s, peak {mb(bound_peak)}")
    total = pairs = 0
    block_times, block_peaks = [], []
    for block in blocks:
        c, e = cadres.take(block.cadres), enterprises.take(block.enterprises)
        (rows, _cols, block_total), seconds, peak = measured(solver.solve_block, c, e, tables)
        total += block_total
        pairs += len(rows)
        block_times.append(seconds)
        block_peaks.append(peak)
    gap = bound - total
    print(
        f"blocks: {sum(block_times):,.2f} s in all (one worker); slowest block {max(block_times):,.2f} s; "
        f"largest block peak {mb(max(block_peaks))}"
    )
    print(
        f"pairs {pairs:,}, total fit {total / 100:,.2f}; gave up at most {gap / 100:,.2f} "
        f"({gap / bound * 100:.2f}% of the bound)"
    )
    print(f"wall time on one worker {plan_s + bound_s + sum(block_times):,.2f} s")
    if exact:
        (_rows, _cols, optimum), seconds, peak = measured(solver.solve_block, cadres, enterprises, tables)
        print(
            f"exact optimum as one block: {optimum / 100:,.2f} in {seconds:,.2f} s, peak {mb(peak)}; "
            f"the split gave up {(optimum - total) / 100:,.2f} ({(optimum - total) / optimum * 100:.3f}%)"
        )


def main(argv: list[str]) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("sizes", nargs="*", type=int, default=[400, 5_000, 50_000])
    parser.add_argument("--exact", action="store_true", help="also solve each size as one block (slow, large)")
    args = parser.parse_args(argv)
    print(f"numpy {np.__version__}; sync up to {SYNC_MAX_SIDE} a side, blocks of at most {BLOCK_MAX_SIDE}")
    for n in args.sizes:
        run(n, exact=args.exact)
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(f"\nprocess peak resident memory: {mb(rss * 1024)}")


if __name__ == "__main__":
    main(sys.argv[1:])
