"""Hot-problem clusters and similar appeals: quality against the labelled set, and speed at scale.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/liaison_hf .venv/bin/python -m bench.analysis \
        [--sizes 10000,100000] [--lookups 50]

The database must be migrated; everything the benchmark writes (a unit, cadres, enterprises and the
appeals, their term index and clusters) is rolled back at the end (unless --keep), so any scratch
database will do.

Prints:
- on tests/fixtures/appeals_labelled.json: the adjusted Rand index and purity of the clusters against
  the known problem types (goal ≥ 0.7), and the recall in the top 5 of the known duplicates, by text
  alone and with the enterprise given as the raise form gives it (goal ≥ 0.8);
- for each size (appeals synthesised by sampling the labelled set and perturbing it: other
  enterprises, amounts, openings, clauses dropped): the time to index (cut the text, write the terms),
  the time and Python peak memory of the clustering job (k chosen by its rule), and one similar-appeal
  lookup as task-force staff (all appeals) and as a cadre (the few they see): median and 95th
  percentile with nothing of the viewer cached (the terms' document frequencies as the clustering job
  leaves them), and the median of the same lookup again (as the cadre types on).
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import random
import re
import resource
import statistics
import sys
import time
import tracemalloc
from datetime import timedelta
from pathlib import Path

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "liaison.settings")

LABELLED = Path(__file__).resolve().parent.parent / "tests" / "fixtures" / "appeals_labelled.json"
OPENINGS = ("", "", "经走访了解，", "企业反映：", "据企业负责人介绍，", "联系干部走访时企业提出，")
CLOSINGS = ("", "", "请予支持。", "企业希望尽快得到答复。", "此问题已影响企业正常经营。")


def load_labelled() -> list[dict]:
    return json.loads(LABELLED.read_text(encoding="utf-8"))


def synthesise(rows: list[dict], n: int, *, seed: int = 14, enterprises: int = 2000) -> list[dict]:
    """n appeals like the labelled ones: a labelled appeal with another enterprise, other amounts, an
    opening or closing, and sometimes a clause left out."""
    rng = random.Random(seed)
    out = []
    for i in range(n):
        row = rng.choice(rows)
        clauses = re.split(r"(?<=，)", row["description"])
        if len(clauses) > 2 and rng.random() < 0.4:
            del clauses[rng.randrange(1, len(clauses) - 1)]
        description = re.sub(r"\d+", lambda m: str(rng.choice((20, 50, 100, 300, 500, 1000))), "".join(clauses))
        out.append({
            "id": i + 1,
            "type": row["type"],
            "enterprise": f"企业{rng.randrange(enterprises)}",
            "title": row["title"],
            "description": rng.choice(OPENINGS) + description + rng.choice(CLOSINGS),
            "duplicate_of": None,
        })
    return out


class Fixture:
    """The rows a set of appeals needs: a category, a unit with a cadre, staff, enterprises."""

    def __init__(self):
        from appeals.models import AppealCategory
        from liaison.models import Role
        from tests import factories

        self.factories = factories
        self.category = AppealCategory.objects.order_by("pk").first() or AppealCategory.objects.create(
            code="bench", name="基准"
        )
        self.cadre = factories.make_cadre(name="基准干部")
        # Most appeals are other cadres': a cadre's lookup ranks only the few they may see.
        self.others = [factories.make_cadre(name=f"基准干部{i}") for i in range(5)]
        self.staff = factories.make_user(role=Role.TASKFORCE, username=f"bench-analysis-{factories.n()}")
        self.enterprises: dict[str, int] = {}

    def enterprise_ids(self, names: set[str]) -> dict[str, int]:
        from enterprises.models import Enterprise
        from enterprises.validators import make_credit_code

        new = [name for name in sorted(names) if name not in self.enterprises]
        base = 7_000_000 + self.factories.n() * 10_000
        created = Enterprise.objects.bulk_create(
            Enterprise(name=name, credit_code=make_credit_code(base + i), industry_section="C", above_scale=True)
            for i, name in enumerate(new)
        )
        self.enterprises.update({e.name: e.pk for e in created})
        return self.enterprises

    def write(self, rows: list[dict]) -> list[int]:
        """The rows as appeals (resolved, a few open), bulk-written; their ids, in order."""
        from django.utils import timezone

        from appeals.models import Appeal, Feedback, Status

        ids = self.enterprise_ids({row["enterprise"] for row in rows})
        now = timezone.now()
        rng = random.Random(len(rows))
        appeals = []
        for i, row in enumerate(rows):
            open_ = i % 10 == 0
            cadre = self.cadre if i % 200 == 0 else self.others[i % len(self.others)]
            appeals.append(Appeal(
                enterprise_id=ids[row["enterprise"]], cadre=cadre, raised_by=self.staff,
                category=self.category, title=row["title"][:200], description=row["description"],
                status=Status.HANDLING if open_ else Status.CLOSED, handler_cadre=cadre,
                step_started_at=now, deadline=(now + timedelta(days=10)).date(),
                resolved_at=None if open_ else now, resolution="" if open_ else "已协调办结。",
                handling_workdays=None if open_ else rng.randrange(1, 30),
                feedback="" if open_ else rng.choice((Feedback.SATISFIED, Feedback.BASICALLY, Feedback.UNSATISFIED)),
            ))
        created = Appeal.objects.bulk_create(appeals, batch_size=2000)
        return [a.pk for a in created]


def quality(fixture: Fixture, rows: list[dict]) -> dict:
    """Clusters and duplicates of the labelled rows, through the app's own functions."""
    from django.utils import timezone
    from sklearn.metrics import adjusted_rand_score

    from analysis import clustering, selectors, services
    from analysis.models import ClusterMember

    ids = fixture.write(rows)
    services.appeals_index(appeal_ids=ids)
    today = timezone.localdate()
    run = services.clusters_build(start=today.replace(month=1, day=1), end=today.replace(month=12, day=31))
    cluster_of = dict(ClusterMember.objects.filter(cluster__run=run, appeal_id__in=ids).values_list("appeal_id",
                                                                                                    "cluster_id"))
    truth = [row["type"] for row in rows]
    labels = [cluster_of[pk] for pk in ids]
    by_id = {row["id"]: (row, pk) for row, pk in zip(rows, ids, strict=True)}
    hits_text = hits_enterprise = duplicates = 0
    for row, pk in zip(rows, ids, strict=True):
        if not row["duplicate_of"]:
            continue
        duplicates += 1
        original = by_id[row["duplicate_of"]][1]
        query = f"{row['title']} {row['description']}"
        found = selectors.similar_appeals(viewer=fixture.staff, query=query, exclude_id=pk)
        hits_text += original in [s.appeal.pk for s in found]
        found = selectors.similar_appeals(
            viewer=fixture.staff, query=query, exclude_id=pk, enterprise_id=fixture.enterprises[row["enterprise"]]
        )
        hits_enterprise += original in [s.appeal.pk for s in found]
    return {
        "appeals": len(rows),
        "types": len(set(truth)),
        "k": run.k,
        "ari": adjusted_rand_score(truth, labels),
        "purity": clustering.purity(truth, labels),
        "duplicates": duplicates,
        "recall_text": hits_text / max(1, duplicates),
        "recall_enterprise": hits_enterprise / max(1, duplicates),
    }


def _timed(fn, *, trace: bool = False):
    if trace:
        tracemalloc.start()
    began = time.perf_counter()
    result = fn()
    seconds = time.perf_counter() - began
    peak = 0.0
    if trace:
        peak = tracemalloc.get_traced_memory()[1] / 2**20
        tracemalloc.stop()
    return result, seconds, peak


def scale(fixture: Fixture, labelled: list[dict], n: int, lookups: int) -> dict:
    from django.core.cache.backends.locmem import LocMemCache
    from django.db import connection
    from django.utils import timezone

    from analysis import selectors, services
    from analysis.models import AppealTerms

    rows = synthesise(labelled, n - AppealTerms.objects.count())
    _ids, write_s, _p = _timed(lambda: fixture.write(rows))
    _n, index_s, _p = _timed(lambda: services.appeals_index_missing())
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE analysis_appealterm; ANALYZE analysis_appealterms; ANALYZE appeals_appeal")
    today = timezone.localdate()
    run, cluster_s, peak = _timed(
        lambda: services.clusters_build(start=today.replace(month=1, day=1), end=today.replace(month=12, day=31)),
        trace=True,
    )
    rows.clear()
    _ids = None
    gc.collect()  # the lookups run in a process that holds no 100,000 synthetic rows
    rng = random.Random(n)
    queries = [rng.choice(labelled)["title"] for _i in range(lookups)]
    timings = {}
    real_cache = selectors.cache
    try:
        # The document frequencies as the clustering job leaves them (counted once for all terms).
        frequencies = LocMemCache(f"bench-df-{n}", {"MAX_ENTRIES": 1_000_000})
        services.cache = selectors.cache = frequencies
        services.term_frequencies_cache()
        for who, viewer in (("staff", fixture.staff), ("cadre", fixture.cadre.user)):
            selectors.similar_appeals(viewer=viewer, query=queries[0])  # jieba loaded
            cold, warm = [], []
            for q in queries:
                # Cold: nothing of the viewer cached (their appeal ids, the appeal count); warm: the same
                # lookup again, as when the cadre types on.
                frequencies.delete_many([f"analysis:visible:{viewer.pk}", selectors.DOCUMENT_COUNT_KEY])
                cold.append(_timed(lambda q=q, v=viewer: selectors.similar_appeals(viewer=v, query=q))[1])
                warm.append(_timed(lambda q=q, v=viewer: selectors.similar_appeals(viewer=v, query=q))[1])
            cold.sort()
            timings[who] = (statistics.median(cold) * 1000, cold[int(0.95 * (len(cold) - 1))] * 1000,
                            statistics.median(warm) * 1000)
    finally:
        services.cache = selectors.cache = real_cache
    return {
        "n": run.documents, "write_s": write_s, "index_s": index_s, "cluster_s": cluster_s, "peak_mb": peak,
        "k": run.k, "lookup_staff": timings["staff"], "lookup_cadre": timings["cadre"],
        "rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    }


class Rollback(Exception):
    pass


def main(argv: list[str] | None = None) -> int:
    import django

    django.setup()
    from django.db import connection, transaction

    parser = argparse.ArgumentParser(prog="python -m bench.analysis")
    parser.add_argument("--sizes", default="10000,100000")
    parser.add_argument("--lookups", type=int, default=50)
    parser.add_argument("--keep", action="store_true", help="commit what was written (to look at it afterwards)")
    args = parser.parse_args(argv)
    sizes = [int(s) for s in args.sizes.split(",") if s]
    labelled = load_labelled()
    load = os.getloadavg()
    print(f"database {connection.settings_dict['NAME']} ({connection.vendor}); {os.cpu_count()} CPUs, "
          f"load {load[0]:.1f}")
    try:
        with transaction.atomic():
            fixture = Fixture()
            q = quality(fixture, labelled)
            print(f"\nLabelled set: {q['appeals']} appeals, {q['types']} types, {q['duplicates']} duplicate pairs")
            print(f"  clusters: k = {q['k']}, adjusted Rand index {q['ari']:.3f}, purity {q['purity']:.3f}"
                  "  (goal ≥ 0.7)")
            print(f"  duplicates in the top 5: by text {q['recall_text']:.3f}, with the enterprise "
                  f"{q['recall_enterprise']:.3f}  (goal ≥ 0.8)")
            print(f"\n{'appeals':>8} {'write s':>8} {'index s':>8} {'cluster s':>9} {'peak MB':>8} {'k':>4} "
                  f"{'staff ms cold p50/p95, warm':>28} {'cadre ms cold p50/p95, warm':>28} {'max RSS MB':>10}")
            for n in sizes:
                r = scale(fixture, labelled, n, args.lookups)
                staff, cadre = r["lookup_staff"], r["lookup_cadre"]
                print(f"{r['n']:>8} {r['write_s']:>8.1f} {r['index_s']:>8.1f} {r['cluster_s']:>9.1f} "
                      f"{r['peak_mb']:>8.0f} {r['k']:>4} {staff[0]:>12.1f} / {staff[1]:>5.1f}, {staff[2]:>5.1f}"
                      f" {cadre[0]:>12.1f} / {cadre[1]:>5.1f}, {cadre[2]:>5.1f} {r['rss_mb']:>10.0f}", flush=True)
            if not args.keep:
                raise Rollback
    except Rollback:
        pass
    return 0


if __name__ == "__main__":
    sys.exit(main())
