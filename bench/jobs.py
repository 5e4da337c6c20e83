"""The oversight jobs against their floor: the weekly dispatch, the monthly bulletin's figures and the
annual evaluation, each beside one hand-written SQL statement that reads the same rows, in the same run.

The project's side runs the real service inside a transaction that is rolled back afterwards (its
writes included in its time), so it can be repeated on the same database.
"""

from __future__ import annotations

import time
import tracemalloc
from dataclasses import dataclass
from datetime import date, timedelta

from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext


@dataclass
class Measure:
    name: str
    seconds: float
    queries: int
    peak_mb: float
    rows: int | None = None


class _Rollback(Exception):
    pass


def _run(fn, rollback: bool):
    if not rollback:
        return fn()
    result = None
    try:
        with transaction.atomic():
            result = fn()
            raise _Rollback
    except _Rollback:
        pass
    return result


def measure(name: str, fn, *, repeat: int = 1, rollback: bool = False) -> Measure:
    """Best time of `repeat` runs (timed alone: tracing memory slows Python down), then one more run for
    the queries and the Python peak memory."""
    best = float("inf")
    for _i in range(repeat):
        started = time.perf_counter()
        _run(fn, rollback)
        best = min(best, time.perf_counter() - started)
    tracemalloc.start()
    with CaptureQueriesContext(connection) as queries:
        result = _run(fn, rollback)
    _current, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    rows = len(result) if isinstance(result, list) else None
    return Measure(name, best, len(queries), peak / 2**20, rows)


def sql(statement: str, params: dict) -> list:
    with connection.cursor() as cursor:
        cursor.execute(statement, params)
        return cursor.fetchall()


# --- The weekly dispatch -------------------------------------------------------------------------

DISPATCH_FLOOR = """
WITH pairings AS (
    SELECT a.id, a.cadre_id, c.unit_id, c.name AS cadre, e.name AS enterprise, a.enterprise_id,
           EXISTS (SELECT 1 FROM liaison_visit v
                   WHERE v.assignment_id = a.id AND v.date BETWEEN %(month_first)s AND %(monday)s) AS contacted
    FROM liaison_assignment a
    JOIN liaison_cadre c ON c.id = a.cadre_id
    JOIN enterprises_enterprise e ON e.id = a.enterprise_id
    WHERE a.started_on <= %(monday)s AND (a.ended_on IS NULL OR a.ended_on >= %(monday)s)
), appeals AS (
    SELECT ap.id, ap.title, ap.deadline, e.name AS enterprise, c.unit_id AS cadre_unit, ap.handler_unit_id,
           CASE WHEN ap.deadline < %(monday)s THEN 'overdue' ELSE 'due' END AS kind
    FROM appeals_appeal ap
    JOIN enterprises_enterprise e ON e.id = ap.enterprise_id
    LEFT JOIN liaison_cadre c ON c.id = ap.cadre_id
    WHERE ap.status = 'handling' AND ap.deadline <= %(sunday)s
    UNION ALL
    SELECT ap.id, ap.title, ap.deadline, e.name, c.unit_id, NULL, 'new'
    FROM appeals_appeal ap
    JOIN enterprises_enterprise e ON e.id = ap.enterprise_id
    JOIN liaison_cadre c ON c.id = ap.cadre_id
    WHERE ap.raised_at >= %(last_monday)s AND ap.raised_at < %(monday_at)s
), missed AS (
    SELECT a.cadre_id, m.n
    FROM (VALUES (1, %(m1_first)s::date, %(m1_last)s::date), (2, %(m2_first)s::date, %(m2_last)s::date))
         AS m(n, first, last)
    JOIN liaison_assignment a ON a.started_on <= m.last AND (a.ended_on IS NULL OR a.ended_on >= m.last)
    WHERE NOT EXISTS (SELECT 1 FROM liaison_visit v
                      WHERE v.assignment_id = a.id AND v.date BETWEEN m.first AND m.last)
)
SELECT unit_id, 'not_contacted', id, cadre, enterprise FROM pairings WHERE NOT contacted
UNION ALL
SELECT DISTINCT p.unit_id, 'interview', p.cadre_id, p.cadre, ''
FROM pairings p
WHERE p.cadre_id IN (SELECT cadre_id FROM missed WHERE n = 1)
  AND p.cadre_id IN (SELECT cadre_id FROM missed WHERE n = 2)
UNION ALL
SELECT DISTINCT u.unit, a.kind, a.id, a.title, a.enterprise
FROM appeals a CROSS JOIN LATERAL (VALUES (a.cadre_unit), (a.handler_unit_id)) AS u(unit)
WHERE u.unit IS NOT NULL
"""


def dispatch(monday: date, repeat: int) -> tuple[Measure, Measure]:
    from django.utils import timezone

    from reports.services import weekly_dispatch_run

    def local(day):
        return timezone.make_aware(timezone.datetime.combine(day, timezone.datetime.min.time()))

    from liaison.selectors import month_bounds, previous_month

    m1 = previous_month(monday)
    m2 = previous_month(m1)
    params = {
        "m1_first": month_bounds(m1)[0], "m1_last": month_bounds(m1)[1],
        "m2_first": month_bounds(m2)[0], "m2_last": month_bounds(m2)[1],
        "monday": monday,
        "sunday": monday + timedelta(days=6),
        "month_first": monday.replace(day=1),
        "last_monday": local(monday - timedelta(days=7)),
        "monday_at": local(monday),
    }
    project = measure("weekly dispatch (all units, writes included)",
                      lambda: weekly_dispatch_run(week_start=monday), repeat=repeat, rollback=True)
    floor = measure("  floor: one SELECT of the sheets' rows", lambda: sql(DISPATCH_FLOOR, params), repeat=repeat)
    # (the floor leaves out the overdue-appeal interview reason, a small aggregate on appeals)
    return project, floor


# --- The monthly bulletin ------------------------------------------------------------------------

# The rows a published bulletin stores, from one hand-written statement: per cadre (the enterprises of
# the pairings due and those not contacted, contact, visits, the month's appeals, appeals overdue from
# any month) and per unit (the same sums, the unit's appeals grouped on their own). It counts as the
# project counts: withdrawn visits left out, a pairing due when in force on the month's last day, the
# appeals of the month by their local raising time; and the frozen trend's five months before (contact
# of the pairings due at each month's end, the appeals raised in each). It does not rank the units.
BULLETIN_FLOOR = """
WITH months AS (
    SELECT * FROM unnest(%(firsts)s::date[], %(cutoffs)s::date[]) AS m(first, cutoff)
), visited AS (
    SELECT DISTINCT date_trunc('month', date::timestamp)::date AS first, assignment_id FROM liaison_visit
    WHERE withdrawn_at IS NULL AND date BETWEEN %(since)s AND %(until)s
), contact AS (
    SELECT m.first, count(a.id) AS due, count(v.assignment_id) AS contacted
    FROM months m
    JOIN liaison_assignment a ON a.started_on <= m.cutoff AND (a.ended_on IS NULL OR a.ended_on >= m.cutoff)
    LEFT JOIN visited v ON v.first = m.first AND v.assignment_id = a.id
    GROUP BY m.first
), cohorts AS (
    SELECT date_trunc('month', raised_at AT TIME ZONE 'Asia/Shanghai')::date AS first, count(*) AS total,
           count(*) FILTER (WHERE status = 'withdrawn') AS withdrawn,
           count(*) FILTER (WHERE status = 'out_of_scope') AS out_of_scope,
           count(*) FILTER (WHERE status IN ('resolved', 'closed')) AS resolved
    FROM appeals_appeal WHERE raised_at >= %(since_at)s AND raised_at < %(first_at)s GROUP BY 1
), month_visits AS (
    SELECT cadre_id, assignment_id, count(*) AS n FROM liaison_visit
    WHERE withdrawn_at IS NULL AND date BETWEEN %(first)s AND %(last)s GROUP BY cadre_id, assignment_id
), pairings AS (
    SELECT a.cadre_id, count(*) AS due, count(seen.assignment_id) AS contacted,
           array_agg(e.name ORDER BY a.id) AS enterprises,
           array_agg(e.name ORDER BY a.id) FILTER (WHERE seen.assignment_id IS NULL) AS missed
    FROM liaison_assignment a JOIN enterprises_enterprise e ON e.id = a.enterprise_id
    LEFT JOIN (SELECT DISTINCT assignment_id FROM month_visits) seen ON seen.assignment_id = a.id
    WHERE a.started_on <= %(last)s AND (a.ended_on IS NULL OR a.ended_on >= %(last)s)
    GROUP BY a.cadre_id
), visits AS (
    SELECT cadre_id, sum(n) AS n FROM month_visits GROUP BY cadre_id
), month_appeals AS (
    SELECT ap.*, c.unit_id FROM appeals_appeal ap JOIN liaison_cadre c ON c.id = ap.cadre_id
    WHERE ap.raised_at >= %(first_at)s AND ap.raised_at < %(after_at)s
), overdue AS (
    SELECT cadre_id, count(*) AS n FROM appeals_appeal
    WHERE cadre_id IS NOT NULL AND status = 'handling' AND deadline < %(today)s GROUP BY cadre_id
), appeal_figures AS (
    SELECT unit_id, cadre_id, count(*) AS total,
           count(*) FILTER (WHERE status = 'withdrawn') AS withdrawn,
           count(*) FILTER (WHERE status = 'out_of_scope') AS out_of_scope,
           count(*) FILTER (WHERE status IN ('resolved', 'closed')) AS resolved,
           count(*) FILTER (WHERE status IN ('resolved', 'closed') AND overdue_steps = 0) AS on_time,
           count(*) FILTER (WHERE feedback <> '') AS with_feedback,
           count(*) FILTER (WHERE feedback IN ('satisfied', 'basically_satisfied')) AS satisfied,
           avg(handling_workdays) FILTER (WHERE status IN ('resolved', 'closed')) AS handling,
           count(*) FILTER (WHERE status IN ('handling', 'suspended')) AS open,
           count(*) FILTER (WHERE status = 'handling' AND deadline < %(today)s) AS overdue
    FROM month_appeals GROUP BY GROUPING SETS ((unit_id), (unit_id, cadre_id))
), cadres AS (
    SELECT c.id, c.name, c.unit_id, u.name AS unit, p.enterprises, p.missed, coalesce(p.due, 0) AS due,
           coalesce(p.contacted, 0) AS contacted, coalesce(v.n, 0) AS visits, coalesce(o.n, 0) AS overdue_any
    FROM liaison_cadre c JOIN liaison_unit u ON u.id = c.unit_id
    LEFT JOIN pairings p ON p.cadre_id = c.id LEFT JOIN visits v ON v.cadre_id = c.id
    LEFT JOIN overdue o ON o.cadre_id = c.id
    WHERE p.cadre_id IS NOT NULL OR v.cadre_id IS NOT NULL OR o.cadre_id IS NOT NULL
       OR c.id IN (SELECT cadre_id FROM month_appeals)
)
SELECT c.unit_id, c.id, c.name, c.unit, c.enterprises, c.missed, c.due, c.contacted, c.visits, c.overdue_any,
       f.total, f.withdrawn, f.out_of_scope, f.resolved, f.on_time, f.with_feedback, f.satisfied, f.handling,
       f.open, f.overdue
FROM cadres c LEFT JOIN appeal_figures f ON f.cadre_id = c.id
UNION ALL
SELECT s.unit_id, NULL, s.unit, NULL, NULL, NULL, s.due, s.contacted, s.visits, NULL,
       f.total, f.withdrawn, f.out_of_scope, f.resolved, f.on_time, f.with_feedback, f.satisfied, f.handling,
       f.open, f.overdue
FROM (SELECT unit_id, min(unit) AS unit, sum(due) AS due, sum(contacted) AS contacted, sum(visits) AS visits
      FROM cadres GROUP BY unit_id) s
LEFT JOIN appeal_figures f ON f.unit_id = s.unit_id AND f.cadre_id IS NULL
UNION ALL
SELECT NULL, NULL, to_char(c.first, 'YYYY-MM'), NULL, NULL, NULL, c.due, c.contacted, NULL, NULL,
       k.total, k.withdrawn, k.out_of_scope, k.resolved, NULL, NULL, NULL, NULL, NULL, NULL
FROM contact c LEFT JOIN cohorts k ON k.first = c.first
"""


def _month_params(month: date) -> dict:
    from django.utils import timezone

    from liaison.selectors import month_bounds, previous_month

    first, last = month_bounds(month)

    def local(day):
        return timezone.make_aware(timezone.datetime.combine(day, timezone.datetime.min.time()))

    earlier = []
    for _i in range(5):
        earlier.append(previous_month(earlier[-1] if earlier else month))
    ends = [month_bounds(m)[1] for m in earlier]
    return {"first": first, "last": last, "first_at": local(first), "after_at": local(last + timedelta(days=1)),
            "today": timezone.localdate(), "firsts": earlier, "cutoffs": ends, "since": earlier[-1],
            "until": ends[0], "since_at": local(earlier[-1])}


def bulletin(month: date, repeat: int) -> tuple[Measure, Measure]:
    from reports.bulletins import bulletin_figures

    params = _month_params(month)
    project = measure("monthly bulletin figures", lambda: bulletin_figures(month), repeat=repeat)
    floor = measure("  floor: one SELECT per unit and cadre", lambda: _without_jit(BULLETIN_FLOOR, params),
                    repeat=repeat)
    return project, floor


def _without_jit(statement: str, params: dict) -> list:
    """The floor with PostgreSQL's JIT off, as the project runs its bulletin statements: with JIT on,
    compiling this statement takes longer than running it (1.7 s against 0.4 s at a province)."""
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL jit = off")
        return sql(statement, params)


def bulletin_publish(month: date, repeat: int) -> tuple[Measure, Measure]:
    """Publishing: the figures computed and the unit and cadre rows written (rolled back after each run;
    its documents are rendered afterwards by their own job, not timed here), beside the floor's rows
    written into a table by one statement."""
    from reports.bulletins import bulletin_publish as publish

    params = _month_params(month)

    def write_floor():
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL jit = off")
            cursor.execute(f"CREATE TEMP TABLE bulletin_floor ON COMMIT DROP AS {BULLETIN_FLOOR}", params)
            return cursor.rowcount

    project = measure("monthly bulletin published, rows written", lambda: publish(month=month),
                      repeat=repeat, rollback=True)
    floor = measure("  floor: the same SELECT written to a table", write_floor, repeat=repeat, rollback=True)
    return project, floor


# --- The annual evaluation -----------------------------------------------------------------------

EVALUATION_FLOOR = """
WITH months AS (
    SELECT m::date AS first, (m + interval '1 month' - interval '1 day')::date AS last
    FROM generate_series(%(first)s::date, %(last_month)s::date, interval '1 month') AS m
), contact AS (
    SELECT a.cadre_id, count(*) AS due,
           count(*) FILTER (WHERE EXISTS (SELECT 1 FROM liaison_visit v
                                          WHERE v.assignment_id = a.id AND v.date BETWEEN m.first AND m.last
                                            AND v.withdrawn_at IS NULL)) AS contacted
    FROM months m JOIN liaison_assignment a
      ON a.started_on <= m.last AND (a.ended_on IS NULL OR a.ended_on >= m.last)
    GROUP BY a.cadre_id
), visits AS (
    SELECT cadre_id, count(*) AS n FROM liaison_visit
    WHERE date BETWEEN %(first)s AND %(last)s AND withdrawn_at IS NULL GROUP BY cadre_id
), appeals AS (
    SELECT cadre_id, count(*) AS raised,
           count(*) FILTER (WHERE status IN ('resolved', 'closed')) AS resolved,
           count(*) FILTER (WHERE status IN ('resolved', 'closed') AND overdue_steps = 0) AS on_time,
           avg(handling_workdays) FILTER (WHERE status IN ('resolved', 'closed')) AS handling,
           count(*) FILTER (WHERE feedback IN ('satisfied', 'basically_satisfied')) AS satisfied,
           count(*) FILTER (WHERE overdue_steps > 0) AS overdue
    FROM appeals_appeal WHERE raised_at >= %(first_at)s AND raised_at < %(after_at)s GROUP BY cadre_id
)
SELECT c.id, c.unit_id, ct.due, ct.contacted, v.n, ap.raised, ap.resolved, ap.on_time, ap.handling, ap.satisfied,
       ap.overdue
FROM liaison_cadre c
LEFT JOIN contact ct ON ct.cadre_id = c.id LEFT JOIN visits v ON v.cadre_id = c.id
LEFT JOIN appeals ap ON ap.cadre_id = c.id
WHERE ct.due IS NOT NULL OR v.n IS NOT NULL OR ap.raised IS NOT NULL
"""
# The visits count as the project counts them: a withdrawn visit neither contacts nor counts (an
# earlier floor left `withdrawn_at IS NULL` out, which let PostgreSQL answer from the index alone).

# The stored run's floor: the same SELECT written into the score table by one INSERT … SELECT, beside
# one INSERT of the evaluation (figures only: the floor computes no score and no rank).
EVALUATION_RUN_FLOOR = (
    "INSERT INTO evaluations_evaluationscore (evaluation_id, kind, cadre_id, unit_id, name, unit_name, cadres, "
    "months_due, months_contacted, visit_count, appeals, resolved, on_time, with_feedback, satisfied, "
    "avg_handling_workdays, overdue_appeals) "
    "SELECT %(evaluation)s, 'cadre', f.id, f.unit_id, '', '', 1, coalesce(f.due, 0), coalesce(f.contacted, 0), "
    "coalesce(f.n, 0), coalesce(f.raised, 0), coalesce(f.resolved, 0), coalesce(f.on_time, 0), 0, "
    "coalesce(f.satisfied, 0), round(f.handling, 2), coalesce(f.overdue, 0) FROM (" + EVALUATION_FLOOR + ") AS f"
)


def evaluation(year: int, repeat: int) -> list[tuple[Measure, Measure]]:
    """The figures and scores of a year (`evaluation_compute`, read only), then the whole stored run
    (`annual_evaluation_run` with its writes, rolled back) beside the floor SELECT written by one INSERT."""
    from django.utils import timezone

    from evaluations.models import EvaluationWeights
    from evaluations.services import annual_evaluation_run, evaluation_compute, evaluation_period

    start, end, months = evaluation_period(year)
    params = EvaluationWeights.current().as_dict()

    def local(day):
        return timezone.make_aware(timezone.datetime.combine(day, timezone.datetime.min.time()))

    floor_params = {"first": start, "last": end, "last_month": months[-1] if months else start,
                    "first_at": local(start), "after_at": local(end + timedelta(days=1))}
    project = measure(f"annual evaluation {year}", lambda: evaluation_compute(year=year, params=params),
                      repeat=repeat)
    floor = measure("  floor: one SELECT per cadre", lambda: sql(EVALUATION_FLOOR, floor_params), repeat=repeat)

    def floor_run():
        evaluation = sql("INSERT INTO evaluations_evaluation (year, version, period_end, months, weights, reason, "
                         "cadre_count, unit_count, created_at) VALUES (%(year)s, 32000, %(end)s, %(months)s, "
                         "'{}', 'bench', 0, 0, now()) RETURNING id",
                         {"year": year, "end": end, "months": len(months)})[0][0]
        with connection.cursor() as cursor:
            cursor.execute(EVALUATION_RUN_FLOOR, {**floor_params, "evaluation": evaluation})
            return cursor.rowcount

    run = measure(f"annual evaluation {year}, stored (writes included)",
                  lambda: annual_evaluation_run(year=year, recompute=True, reason="bench"),
                  repeat=repeat, rollback=True)
    run_floor = measure("  floor: the SELECT in one INSERT … SELECT", floor_run, repeat=repeat, rollback=True)
    return [(project, floor), (run, run_floor)]


# --- Eligible enterprises of one policy ------------------------------------------------------------

ELIGIBLE_FLOOR = """
SELECT e.id, e.name, a.cadre_id, c.name
FROM enterprises_enterprise e
LEFT JOIN liaison_assignment a ON a.enterprise_id = e.id AND a.ended_on IS NULL
LEFT JOIN liaison_cadre c ON c.id = a.cadre_id
WHERE e.status = 'operating'
ORDER BY e.name, e.id
"""


def eligible(repeat: int) -> list[tuple[Measure, Measure]]:
    """The published policy with the most eligible enterprises (at the demo's rules, every operating one)."""
    from liaison.models import User
    from policies.eligibility import eligible_enterprises
    from policies.models import Policy
    from policies.selectors import eligible_enterprise_list

    viewer = User.objects.get(username="taskforce")
    published = Policy.objects.filter(status="published").order_by("pk")
    policy = max(published, key=lambda p: eligible_enterprises(p).count())

    def first_page():
        qs = eligible_enterprise_list(viewer=viewer, policy=policy)
        return [qs.count(), *qs[:50]]

    def whole():
        qs = eligible_enterprise_list(viewer=viewer, policy=policy)
        return list(qs.values_list("pk", "name", "current_cadre_id", "current_cadre_name"))

    return [
        (measure("eligible enterprises, first page of 50 + count", first_page, repeat=repeat),
         measure("  floor: LIMIT 50 of one SELECT", lambda: sql(ELIGIBLE_FLOOR + " LIMIT 50", {}), repeat=repeat)),
        (measure("eligible enterprises, the whole list", whole, repeat=repeat),
         measure("  floor: one SELECT", lambda: sql(ELIGIBLE_FLOOR, {}), repeat=repeat)),
    ]
