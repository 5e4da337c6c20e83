"""The monthly bulletin (月通报): the month's figures frozen into a published, versioned snapshot.

Every figure comes from the selectors the rest of the portal uses, so that the bulletin agrees with
the roster, the leaders' home page and the appeal reports of the same month:

- contact compliance: `liaison.selectors.unit_compliance`, `overall_compliance` and `monthly_contact`
  (a pairing is due when in force on the month's last day; contacted when a visit under it is dated
  in the month);
- appeals: `appeals.selectors.appeal_metrics` and `appeal_metrics_by` (the cohort is the appeals
  raised in the month; withdrawn and out-of-scope ones are left out of every rate);
- visits: the visits dated in the month.

A published bulletin is rows: one BulletinCadreRow per cadre (on PostgreSQL written by one
INSERT … SELECT, CADRE_ROWS_SQL, which gives the same rows as the ORM path used on SQLite), one
BulletinUnitRow per unit (ranked), and in `Bulletin.figures` only the small summary (totals, the
six-month trend, the rules). Pages, exports and the API read the rows they show.

Building takes a fixed number of queries whatever the number of units and cadres. Publishing is
idempotent: the database holds one version 1 per month, so a re-run or a concurrent run returns the
bulletin already published. A correction (`bulletin_reissue`) is a new version built from the data
as it is now; the old version stays readable, marked superseded, with its own rows and documents.

The PDF and the workbook are rendered once, after the commit, by the `bulletin_documents` job, and
kept in the default storage; downloads serve the stored file.
"""

from __future__ import annotations

import base64
import logging
import tempfile
from collections.abc import Callable
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from datetime import date, datetime, time, timedelta
from typing import IO

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import IntegrityError, connection, transaction
from django.db.models import Count, Q, QuerySet, Sum
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

from appeals.models import Appeal
from appeals.selectors import AppealMetrics, appeal_metrics, appeal_metrics_by, appeal_metrics_by_month, overdue_q
from jobs.models import JobRun
from liaison.exports import Column, start_sheet
from liaison.models import Cadre, User, Visit
from liaison.selectors import (
    month_bounds,
    monthly_contact,
    overall_compliance_of_months,
    previous_month,
    today,
)
from reports import charts
from reports.models import (
    AppealCounts,
    Bulletin,
    BulletinCadreRow,
    BulletinDocument,
    BulletinStatus,
    BulletinUnitRow,
    DocumentKind,
    DocumentStatus,
)

log = logging.getLogger(__name__)

Progress = Callable[..., None]

# 2: the per-unit and per-cadre figures are rows (BulletinUnitRow, BulletinCadreRow), not in `figures`.
FIGURES_SCHEMA = 2
TREND_MONTHS = 6
# The PDF lists every cadre up to this many; a larger campaign's per-cadre table is in the workbook.
PDF_CADRE_ROWS_MAX = 2000

# The rules the figures were computed by, frozen with them. Like the handbook's title, this note is
# part of the issued document and stays in the language it was issued in.
RULES_NOTE = [
    "联系服务：结对关系在当月最后一天有效即为当月应联系；当月有该结对下的走访记录即为已联系。"
    "联系率 = 已联系 ÷ 应联系。",
    "走访次数：日期在当月的走访记录数。",
    "诉求口径：当月提出的诉求（北京时间）。撤回和不属于受理范围的诉求单列，不计入任何比率。",
    "办结率 = 已办结（含待回访）÷（当月诉求 − 撤回 − 不予受理）；按时办结率 = 各环节均未超期的办结诉求 ÷ 办结诉求；"
    "满意率 = 最近一次评价为满意或基本满意 ÷ 有评价的诉求；平均办理时长按工作日计，扣除暂停时间。",
    "逾期：发布时仍在办理且已过期限的诉求。",
    "单位排名：先按联系率从高到低，再按办结率从高到低。当月没有计入办结率的诉求的单位，没有未办结的诉求，"
    "办结率一项按100%参与比较（表中仍记为“—”）；两项都相同的单位名次并列，按单位名称排列。"
    "当月没有应联系结对的单位不计联系率，排在所有单位之后。",
    "落后干部：当月有应联系结对而未联系的干部，以及名下有逾期诉求（不限提出月份）的干部。",
    "趋势：截至本月的近六个月联系率和办结率，发布时计算并固定。",
    "本通报发布后数据不再变动；更正以新版本发布，旧版本保留备查。",
]
RULES = {
    "ranking": ["contact_compliance desc", "closure_rate desc", "unit name"],
    "ties": "same rank when compliance and closure rate are equal; units with no pairing due come last",
    "no_appeals": "a unit with no appeal counted has nothing unresolved: its closure rate ranks as 100%",
    "appeal_cohort": "raised in the month (Asia/Shanghai)",
    "overdue": "handling and past the deadline when published",
    "lagging": ["pairing due and not contacted", "any appeal overdue when published, whatever its month"],
    "trend_months": TREND_MONTHS,
    "note": RULES_NOTE,
}


def month_start(day: date) -> date:
    return day.replace(day=1)


def parse_month(value: str) -> date:
    """`YYYY-MM` (or a full ISO date) to the first day of the month; ValueError on anything else."""
    value = (value or "").strip()
    if len(value) == 7:
        value = f"{value}-01"
    return month_start(date.fromisoformat(value))


def _rate(part: int, whole: int) -> float | None:
    return part / whole if whole else None


def _no_appeals() -> dict:
    return AppealMetrics(
        total=0,
        withdrawn=0,
        out_of_scope=0,
        resolved=0,
        on_time=0,
        with_feedback=0,
        satisfied=0,
        avg_handling_workdays=None,
        open=0,
        overdue=0,
    ).as_dict()


NO_APPEALS = _no_appeals()


def _report(progress: Progress | None, done: int, total: int, note: str) -> None:
    if progress is not None:
        progress(done, total, note)


# --- The figures ------------------------------------------------------------------------------


def _rank_key(row: dict) -> tuple:
    """Compliance first (none due: last), then closure; a unit with no appeal counted has nothing left
    unresolved, so its closure ranks as 100% (a unit that closed none of its appeals does not rank above it)."""
    compliance, closure = row["compliance"], row["appeals"]["closure_rate"]
    return (compliance is None, -(compliance or 0.0), -(1.0 if closure is None else closure))


def rank_units(units: list[dict]) -> list[dict]:
    """Order units by contact compliance (descending, none due last), then closure rate (descending; no
    appeal counted ranks as 100%), then name; units equal on both figures share a rank (1, 1, 3…)."""
    ordered = sorted(units, key=lambda row: (*_rank_key(row), row["name"], row["id"]))
    previous = None
    for position, row in enumerate(ordered, 1):
        key = _rank_key(row)
        row["rank"] = previous["rank"] if previous is not None and _rank_key(previous) == key else position
        previous = row
    return ordered


def _trend_point(month: date, *, due: int, contacted: int, appeals: AppealMetrics) -> dict:
    return {
        "month": f"{month:%Y-%m}",
        "due": due,
        "contacted": contacted,
        "compliance": _rate(contacted, due),
        "counted": appeals.counted,
        "resolved": appeals.resolved,
        "closure_rate": appeals.closure_rate,
    }


@contextmanager
def _planned_for_reports():
    """A transaction in which PostgreSQL's JIT is off: these few large aggregates are cheap to run,
    and JIT spent most of their time compiling them (0.8 s of a 2.2 s statement at a province)."""
    with transaction.atomic():
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SET LOCAL jit = off")
        yield


_APPEAL_AGGREGATES = """
           count(*) AS total,
           count(*) FILTER (WHERE status = 'withdrawn') AS withdrawn,
           count(*) FILTER (WHERE status = 'out_of_scope') AS out_of_scope,
           count(*) FILTER (WHERE status IN ('resolved', 'closed')) AS resolved,
           count(*) FILTER (WHERE status IN ('resolved', 'closed') AND overdue_steps = 0) AS on_time,
           count(*) FILTER (WHERE feedback <> '') AS with_feedback,
           count(*) FILTER (WHERE feedback IN ('satisfied', 'basically_satisfied')) AS satisfied,
           avg(handling_workdays) FILTER (WHERE status IN ('resolved', 'closed'))::float8 AS avg_days,
           count(*) FILTER (WHERE status IN ('handling', 'suspended')) AS open,
           count(*) FILTER (WHERE status = 'handling' AND deadline < %(today)s) AS overdue
"""

# The per-cadre figures of a month in one statement (PostgreSQL): the month's visits read once for
# both the contact of each pairing due and the visits per cadre; the month's appeals and the
# overdue ones grouped per cadre with FILTER; `position` orders the table by unit name, cadre name
# and id, compared as code points (as Python compares them), whatever the database's collation.
CADRE_ROWS_SQL = f"""
WITH month_visits AS (
    SELECT cadre_id, assignment_id, count(*) AS n FROM liaison_visit
    WHERE withdrawn_at IS NULL AND date BETWEEN %(first)s AND %(last)s
    GROUP BY cadre_id, assignment_id
), pairings AS (
    SELECT a.cadre_id, count(*) AS due, count(seen.assignment_id) AS contacted,
           array_agg(e.name ORDER BY a.id) AS enterprises,
           array_agg(e.name ORDER BY a.id) FILTER (WHERE seen.assignment_id IS NULL) AS missed
    FROM liaison_assignment a
    JOIN enterprises_enterprise e ON e.id = a.enterprise_id
    LEFT JOIN (SELECT DISTINCT assignment_id FROM month_visits) seen ON seen.assignment_id = a.id
    WHERE a.started_on <= %(cutoff)s AND (a.ended_on IS NULL OR a.ended_on >= %(cutoff)s)
    GROUP BY a.cadre_id
), visits AS (
    SELECT cadre_id, sum(n)::bigint AS n FROM month_visits GROUP BY cadre_id
), appeals AS (
    SELECT cadre_id, {_APPEAL_AGGREGATES}
    FROM appeals_appeal
    WHERE cadre_id IS NOT NULL AND raised_at >= %(from)s AND raised_at < %(to)s
    GROUP BY cadre_id
), overdue AS (
    SELECT cadre_id, count(*) AS n FROM appeals_appeal
    WHERE cadre_id IS NOT NULL AND status = 'handling' AND deadline < %(today)s
    GROUP BY cadre_id
), keyset AS (
    SELECT cadre_id FROM pairings UNION SELECT cadre_id FROM visits
    UNION SELECT cadre_id FROM appeals UNION SELECT cadre_id FROM overdue
)
SELECT c.id AS cadre_id, c.name, c.unit_id, u.name AS unit_name,
       coalesce(p.enterprises, '{{}}') AS enterprises, coalesce(p.missed, '{{}}') AS missed,
       coalesce(p.due, 0) AS due, coalesce(p.contacted, 0) AS contacted, coalesce(v.n, 0) AS visits,
       coalesce(ap.total, 0) AS appeals_total, coalesce(ap.withdrawn, 0) AS appeals_withdrawn,
       coalesce(ap.out_of_scope, 0) AS appeals_out_of_scope, coalesce(ap.resolved, 0) AS appeals_resolved,
       coalesce(ap.on_time, 0) AS appeals_on_time, coalesce(ap.with_feedback, 0) AS appeals_with_feedback,
       coalesce(ap.satisfied, 0) AS appeals_satisfied, ap.avg_days AS appeals_avg_workdays,
       coalesce(ap.open, 0) AS appeals_open, coalesce(ap.overdue, 0) AS appeals_overdue,
       coalesce(o.n, 0) AS overdue_appeals,
       row_number() OVER (ORDER BY u.name COLLATE "C", c.name COLLATE "C", c.id) AS position
FROM keyset k
JOIN liaison_cadre c ON c.id = k.cadre_id
JOIN liaison_unit u ON u.id = c.unit_id
LEFT JOIN pairings p ON p.cadre_id = c.id
LEFT JOIN visits v ON v.cadre_id = c.id
LEFT JOIN appeals ap ON ap.cadre_id = c.id
LEFT JOIN overdue o ON o.cadre_id = c.id
"""

INSERT_CADRE_ROWS_SQL = f"""
INSERT INTO reports_bulletincadrerow (
    bulletin_id, cadre_id, unit_id, name, unit_name, position, enterprises, missed_enterprises, due, contacted,
    visits, overdue_appeals, lagging, {", ".join(AppealCounts.APPEAL_FIELDS.values())}
)
SELECT %(bulletin)s, r.cadre_id, r.unit_id, r.name, r.unit_name, r.position, to_jsonb(r.enterprises),
       to_jsonb(r.missed), r.due, r.contacted, r.visits, r.overdue_appeals,
       r.contacted < r.due OR r.overdue_appeals > 0, {", ".join(f"r.{f}" for f in AppealCounts.APPEAL_FIELDS.values())}
FROM ({CADRE_ROWS_SQL}) r
"""


# The unit rows from the bulletin's cadre rows (PostgreSQL): their sums, the appeals of each unit's
# cadres grouped on their own, ranked as `rank_units` ranks (compliance, descending, none due last; then
# closure rate, descending, no appeal counted as 100%; equal units share a rank; then name as code points, then id).
INSERT_UNIT_ROWS_SQL = f"""
WITH sums AS (
    SELECT unit_id, min(unit_name) AS name, count(*) FILTER (WHERE due > 0) AS cadres, sum(due) AS due,
           sum(contacted) AS contacted, sum(visits) AS visits
    FROM reports_bulletincadrerow WHERE bulletin_id = %(bulletin)s GROUP BY unit_id
), appeals AS (
    SELECT c.unit_id, {_APPEAL_AGGREGATES}
    FROM appeals_appeal ap JOIN liaison_cadre c ON c.id = ap.cadre_id
    WHERE ap.raised_at >= %(from)s AND ap.raised_at < %(to)s
    GROUP BY c.unit_id
), units AS (
    SELECT s.*, coalesce(a.total, 0) AS total, coalesce(a.withdrawn, 0) AS withdrawn,
           coalesce(a.out_of_scope, 0) AS out_of_scope, coalesce(a.resolved, 0) AS resolved,
           coalesce(a.on_time, 0) AS on_time, coalesce(a.with_feedback, 0) AS with_feedback,
           coalesce(a.satisfied, 0) AS satisfied, a.avg_days, coalesce(a.open, 0) AS open,
           coalesce(a.overdue, 0) AS overdue,
           CASE WHEN s.due > 0 THEN s.contacted::float8 / s.due END AS compliance,
           CASE WHEN a.total - a.withdrawn - a.out_of_scope > 0
                THEN a.resolved::float8 / (a.total - a.withdrawn - a.out_of_scope) END AS closure
    FROM sums s LEFT JOIN appeals a ON a.unit_id = s.unit_id
)
INSERT INTO reports_bulletinunitrow (
    bulletin_id, unit_id, name, position, rank, cadres, due, contacted, visits,
    {", ".join(AppealCounts.APPEAL_FIELDS.values())}
)
SELECT %(bulletin)s, unit_id, name,
       row_number() OVER (ORDER BY compliance IS NULL, compliance DESC, coalesce(closure, 1.0) DESC,
                          name COLLATE "C", unit_id),
       rank() OVER (ORDER BY compliance IS NULL, compliance DESC, coalesce(closure, 1.0) DESC),
       cadres, due, contacted, visits,
       total, withdrawn, out_of_scope, resolved, on_time, with_feedback, satisfied, avg_days, open, overdue
FROM units
"""

# Contact in earlier months (the trend), PostgreSQL: each month's visited pairings from one read of
# the visits, joined to the pairings due at each month's end.
CONTACT_OF_MONTHS_SQL = """
WITH months AS (
    SELECT * FROM unnest(%(firsts)s::date[], %(cutoffs)s::date[]) AS m(first, cutoff)
), visited AS (
    SELECT DISTINCT date_trunc('month', date::timestamp)::date AS first, assignment_id FROM liaison_visit
    WHERE withdrawn_at IS NULL AND date BETWEEN %(since)s AND %(until)s
)
SELECT m.first, count(a.id), count(v.assignment_id)
FROM months m
JOIN liaison_assignment a ON a.started_on <= m.cutoff AND (a.ended_on IS NULL OR a.ended_on >= m.cutoff)
LEFT JOIN visited v ON v.first = m.first AND v.assignment_id = a.id
GROUP BY m.first
"""


def _contact_of_months(months: list[date]) -> dict[date, tuple[int, int]]:
    """(due, contacted) of each month, as `overall_compliance_of_months` counts them, in one query."""
    if not _set_based():
        return {month: (c.due, c.contacted) for month, c in overall_compliance_of_months(months).items()}
    bounds = [month_bounds(month) for month in months]
    params = {
        "firsts": [first for first, _last in bounds],
        "cutoffs": [min(last, today()) for _first, last in bounds],
        "since": min(first for first, _last in bounds),
        "until": max(last for _first, last in bounds),
    }
    with connection.cursor() as cursor:
        cursor.execute(CONTACT_OF_MONTHS_SQL, params)
        found = {first: (due, contacted) for first, due, contacted in cursor.fetchall()}
    return {month: found.get(month, (0, 0)) for month in months}


def _set_based() -> bool:
    """PostgreSQL computes the cadre rows in one statement; other databases take the ORM path."""
    return connection.vendor == "postgresql"


def _sql_params(month: date) -> dict:
    first, last = month_bounds(month)
    return {
        "first": first,
        "last": last,
        "cutoff": min(last, today()),
        "today": today(),
        # Raised in the month, Asia/Shanghai: the same bounds as appeals.selectors' cohorts.
        "from": timezone.make_aware(datetime.combine(first, time.min)),
        "to": timezone.make_aware(datetime.combine(last + timedelta(days=1), time.min)),
    }


def _cadre_rows_sql(month: date) -> list[dict]:
    """Every cadre's row of the month, from CADRE_ROWS_SQL (PostgreSQL), in `position` order."""
    with connection.cursor() as cursor:
        cursor.execute(CADRE_ROWS_SQL + " ORDER BY position", _sql_params(month))
        names = [column.name for column in cursor.description]
        rows = [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]
    for row in rows:
        row["missed_enterprises"] = row.pop("missed")
    return rows


def _cadre_rows_python(month: date) -> list[dict]:
    """The same rows as CADRE_ROWS_SQL from a few ORM queries, for the embedded database (SQLite)."""
    first, last = month_bounds(month)
    cadres: dict[int, dict] = {}

    def cadre_row(cadre_id: int, name: str, unit_id: int, unit: str) -> dict:
        row = cadres.get(cadre_id)
        if row is None:
            row = cadres[cadre_id] = {
                "cadre_id": cadre_id,
                "name": name,
                "unit_id": unit_id,
                "unit_name": unit,
                "enterprises": [],
                "missed_enterprises": [],
                "due": 0,
                "contacted": 0,
                "visits": 0,
                "overdue_appeals": 0,
                **dict.fromkeys(AppealCounts.APPEAL_FIELDS.values(), 0),
                "appeals_avg_workdays": None,
            }
        return row

    pairings = (
        monthly_contact(month)
        .order_by("cadre_id", "id")
        .values("cadre_id", "cadre__name", "cadre__unit_id", "cadre__unit__name", "enterprise__name", "contacted")
    )
    for pairing in pairings:
        row = cadre_row(
            pairing["cadre_id"], pairing["cadre__name"], pairing["cadre__unit_id"], pairing["cadre__unit__name"]
        )
        row["enterprises"].append(pairing["enterprise__name"])
        row["due"] += 1
        if pairing["contacted"]:
            row["contacted"] += 1
        else:
            row["missed_enterprises"].append(pairing["enterprise__name"])
    visits = (
        Visit.objects.filter(date__gte=first, date__lte=last)
        .order_by()
        .values("cadre_id", "cadre__name", "cadre__unit_id", "cadre__unit__name")
        .annotate(n=Count("id"))
    )
    for visit in visits:
        row = cadre_row(visit["cadre_id"], visit["cadre__name"], visit["cadre__unit_id"], visit["cadre__unit__name"])
        row["visits"] = visit["n"]
    by_cadre = {key: metrics for key, _label, metrics in appeal_metrics_by("cadre", first, last) if key is not None}
    overdue_by_cadre = dict(
        Appeal.objects.filter(overdue_q(), cadre__isnull=False)
        .order_by()
        .values("cadre_id")
        .annotate(n=Count("id"))
        .values_list("cadre_id", "n")
    )
    missing = (set(by_cadre) | set(overdue_by_cadre)) - set(cadres)
    if missing:
        for cadre in Cadre.objects.filter(pk__in=missing).values("id", "name", "unit_id", "unit__name"):
            cadre_row(cadre["id"], cadre["name"], cadre["unit_id"], cadre["unit__name"])
    for cadre_id, metrics in by_cadre.items():
        cadres[cadre_id].update(_counts_of(metrics))
    for cadre_id, n in overdue_by_cadre.items():
        cadres[cadre_id]["overdue_appeals"] = n
    ordered = sorted(cadres.values(), key=lambda row: (row["unit_name"], row["name"], row["cadre_id"]))
    for position, row in enumerate(ordered, 1):
        row["position"] = position
    return ordered


def _counts_of(metrics: AppealMetrics | None) -> dict:
    """AppealMetrics as the appeal fields of a bulletin row."""
    counts = asdict(metrics) if metrics is not None else _no_appeals_counts()
    return {field: counts[key] for key, field in AppealCounts.APPEAL_FIELDS.items()}


def _appeals_of(row: dict) -> AppealMetrics:
    return AppealMetrics(**{key: row[field] for key, field in AppealCounts.APPEAL_FIELDS.items()})


def _unit_rows(aggregates: list[dict], by_unit: dict[int, AppealMetrics]) -> list[dict]:
    """The ranked unit rows from each unit's sums over its cadres' rows (unit_id, unit_name, cadres,
    due, contacted, visits) and the appeal figures of its cadres' appeals."""
    units = []
    for row in aggregates:
        metrics = by_unit.get(row["unit_id"])
        units.append(
            {
                "id": row["unit_id"],
                "name": row["unit_name"],
                "rank": None,
                "cadres": row["cadres"],
                "due": row["due"],
                "contacted": row["contacted"],
                "missed": row["due"] - row["contacted"],
                "compliance": _rate(row["contacted"], row["due"]),
                "visits": row["visits"],
                "appeals": metrics.as_dict() if metrics is not None else _no_appeals(),
                "_metrics": metrics,
            }
        )
    return rank_units(units)


def _unit_aggregates_python(cadre_rows: list[dict]) -> list[dict]:
    units: dict[int, dict] = {}
    for row in cadre_rows:
        unit = units.setdefault(
            row["unit_id"],
            {"unit_id": row["unit_id"], "unit_name": row["unit_name"], "cadres": 0, "due": 0, "contacted": 0,
             "visits": 0},
        )
        unit["cadres"] += bool(row["due"])
        unit["due"] += row["due"]
        unit["contacted"] += row["contacted"]
        unit["visits"] += row["visits"]
    return list(units.values())


def _appeals_by_unit(first: date, last: date) -> dict[int, AppealMetrics]:
    return {key: metrics for key, _label, metrics in appeal_metrics_by("unit", first, last) if key is not None}


def _trend(month: date, *, due: int, contacted: int, appeals: AppealMetrics) -> list[dict]:
    """This month and the five before, oldest first: contact from one read of the pairings, appeals
    from one grouped read."""
    earlier_months = []
    earlier = month
    for _i in range(TREND_MONTHS - 1):
        earlier = previous_month(earlier)
        earlier_months.append(earlier)
    contact_of = _contact_of_months(earlier_months)
    appeals_of = appeal_metrics_by_month(earlier_months[-1], month_bounds(earlier_months[0])[1])
    trend = [_trend_point(month, due=due, contacted=contacted, appeals=appeals)]
    for earlier in earlier_months:
        earlier_due, earlier_contacted = contact_of[earlier]
        trend.append(
            _trend_point(
                earlier,
                due=earlier_due,
                contacted=earlier_contacted,
                appeals=appeals_of.get(earlier) or AppealMetrics(**_no_appeals_counts()),
            )
        )
    trend.reverse()
    return trend


def _no_appeals_counts() -> dict:
    return {key: (None if key == "avg_handling_workdays" else 0) for key in AppealCounts.APPEAL_FIELDS}


def _summary(month: date, *, totals: dict, trend: list[dict], rows: dict) -> dict:
    """The small part of the snapshot kept in `Bulletin.figures`; `rows` counts its stored rows
    (units, cadres, lagging) so that pages need not count them."""
    first, last = month_bounds(month)
    return {
        "rows": rows,
        "schema": FIGURES_SCHEMA,
        "month": f"{month:%Y-%m}",
        "first": first.isoformat(),
        "last": last.isoformat(),
        "computed_at": timezone.now().isoformat(),
        "rules": RULES,
        "totals": totals,
        "trend": trend,
    }


def _totals(*, units: int, cadres: int, due: int, contacted: int, visits: int, lagging: int,
            appeals: AppealMetrics) -> dict:
    return {
        "units": units,
        "cadres": cadres,
        "due": due,
        "contacted": contacted,
        "missed": due - contacted,
        "compliance": _rate(contacted, due),
        "visits": visits,
        "lagging": lagging,
        "appeals": appeals.as_dict(),
    }


def _appeals_dict(row: dict) -> dict:
    """The row's appeal figures as `AppealMetrics.as_dict()`; most cadres raised none in the month."""
    if row["appeals_total"] == 0:  # every other count is of the same appeals: all zero too
        return dict(NO_APPEALS)
    return _appeals_of(row).as_dict()


def _cadre_dict(row: dict) -> dict:
    return {
        "id": row["cadre_id"],
        "name": row["name"],
        "unit_id": row["unit_id"],
        "unit": row["unit_name"],
        "enterprises": list(row["enterprises"]),
        "due": row["due"],
        "contacted": row["contacted"],
        "compliance": _rate(row["contacted"], row["due"]),
        "visits": row["visits"],
        "appeals": _appeals_dict(row),
    }


def _lagging_dict(row: dict) -> dict:
    return {
        "id": row["cadre_id"],
        "name": row["name"],
        "unit_id": row["unit_id"],
        "unit": row["unit_name"],
        "enterprises": list(row["missed_enterprises"]),
        "missed_contact": bool(row["missed_enterprises"]),
        "overdue_appeals": row["overdue_appeals"],
    }


def _is_lagging(row: dict) -> bool:
    return row["contacted"] < row["due"] or row["overdue_appeals"] > 0


def cadre_rows_of(month: date) -> list[dict]:
    """Every cadre's row of the month (the fields of BulletinCadreRow), in table order: one statement
    on PostgreSQL, a few ORM queries elsewhere."""
    month = month_start(month)
    with _planned_for_reports():
        return _cadre_rows_sql(month) if _set_based() else _cadre_rows_python(month)


def bulletin_figures(month: date, *, progress: Progress | None = None) -> dict:
    """The month's whole snapshot as one dict, in a handful of queries whatever the size of the
    campaign (what publishing stores as rows, for tests, the benchmark and comparisons).

    Shape: `month`, `first`, `last`, `computed_at`, `rules`; `totals` (units, cadres, due, contacted,
    compliance, visits, lagging, appeals); `units` (ranked: id, name, rank, cadres, due, contacted,
    missed, compliance, visits, appeals); `cadres` (id, name, unit_id, unit, enterprises, due,
    contacted, compliance, visits, appeals); `lagging` (id, name, unit_id, unit, enterprises,
    missed_contact, overdue_appeals); `trend` (month, due, contacted, compliance, counted, resolved,
    closure_rate), oldest first. `appeals` is `AppealMetrics.as_dict()` everywhere.
    """
    month = month_start(month)
    first, last = month_bounds(month)
    steps = 4
    rows = cadre_rows_of(month)
    _report(progress, 1, steps, "compliance")
    with _planned_for_reports():
        totals_appeals = appeal_metrics(first, last)
        by_unit = _appeals_by_unit(first, last)
    _report(progress, 2, steps, "appeals")
    units = _unit_rows(_unit_aggregates_python(rows), by_unit)
    for unit in units:
        unit.pop("_metrics")
    lagging = [_lagging_dict(row) for row in rows if _is_lagging(row)]
    due, contacted = sum(row["due"] for row in rows), sum(row["contacted"] for row in rows)
    totals = _totals(
        units=len(units),
        cadres=sum(1 for row in rows if row["due"]),
        due=due,
        contacted=contacted,
        visits=sum(row["visits"] for row in rows),
        lagging=len(lagging),
        appeals=totals_appeals,
    )
    _report(progress, 3, steps, "cadres")
    with _planned_for_reports():
        trend = _trend(month, due=due, contacted=contacted, appeals=totals_appeals)
    _report(progress, 4, steps, "charts")
    return {
        **_summary(
            month, totals=totals, trend=trend, rows={"units": len(units), "cadres": len(rows), "lagging": len(lagging)}
        ),
        "units": units,
        "cadres": [_cadre_dict(row) for row in rows],
        "lagging": lagging,
    }


def _write_rows(bulletin: Bulletin, month: date) -> dict:
    """Write the bulletin's cadre rows (INSERT … SELECT on PostgreSQL, bulk_create elsewhere), then its
    ranked unit rows from their sums; returns the totals. Inside the publishing transaction."""
    first, last = month_bounds(month)
    if _set_based():
        with connection.cursor() as cursor:
            cursor.execute(INSERT_CADRE_ROWS_SQL, {**_sql_params(month), "bulletin": bulletin.pk})
    else:
        BulletinCadreRow.objects.bulk_create(
            [
                BulletinCadreRow(bulletin=bulletin, lagging=_is_lagging(row), **row)
                for row in _cadre_rows_python(month)
            ],
            batch_size=1000,
        )
    cadre_rows = BulletinCadreRow.objects.filter(bulletin=bulletin).order_by()
    sums = cadre_rows.aggregate(
        cadres=Count("id", filter=Q(due__gt=0)),
        due=Sum("due", default=0),
        contacted=Sum("contacted", default=0),
        visits=Sum("visits", default=0),
        lagging=Count("id", filter=Q(lagging=True)),
        rows=Count("id"),
    )
    if _set_based():
        with connection.cursor() as cursor:
            cursor.execute(INSERT_UNIT_ROWS_SQL, {**_sql_params(month), "bulletin": bulletin.pk})
            return {**sums, "units": cursor.rowcount}
    aggregates = list(
        cadre_rows.values("unit_id", "unit_name").annotate(
            cadres=Count("id", filter=Q(due__gt=0)),
            due=Sum("due"),
            contacted=Sum("contacted"),
            visits=Sum("visits"),
        )
    )
    units = _unit_rows(aggregates, _appeals_by_unit(first, last))
    BulletinUnitRow.objects.bulk_create(
        [
            BulletinUnitRow(
                bulletin=bulletin,
                unit_id=unit["id"],
                name=unit["name"],
                position=position,
                rank=unit["rank"],
                cadres=unit["cadres"],
                due=unit["due"],
                contacted=unit["contacted"],
                visits=unit["visits"],
                **_counts_of(unit["_metrics"]),
            )
            for position, unit in enumerate(units, 1)
        ],
        batch_size=1000,
    )
    return {**sums, "units": len(units)}


# --- Publishing ---------------------------------------------------------------------------------


def _check_month_over(month: date) -> None:
    _first, last = month_bounds(month)
    if last >= today():
        raise ValidationError(
            {
                "month": _("The bulletin of %(month)s can be published once the month is over.")
                % {"month": f"{month:%Y-%m}"}
            }
        )


def _check_can_publish(acting_user: User | None) -> None:
    from reports.permissions import can_publish_bulletin

    if acting_user is not None and not can_publish_bulletin(acting_user):
        raise PermissionDenied(_("Only task-force staff publish or correct the monthly bulletin."))


def bulletin_current(month: date) -> Bulletin | None:
    return Bulletin.objects.filter(month=month_start(month), status=BulletinStatus.PUBLISHED).first()


def _fill(bulletin: Bulletin, month: date, *, progress: Progress | None) -> None:
    """Write a new bulletin's rows, its summary (totals and trend) and its pending documents, and
    have the documents rendered after the commit. Inside the publishing transaction."""
    first, last = month_bounds(month)
    with _planned_for_reports():
        sums = _write_rows(bulletin, month)
        _report(progress, 1, 4, "compliance")
        totals_appeals = appeal_metrics(first, last)
        _report(progress, 2, 4, "appeals")
        totals = _totals(
            units=sums["units"],
            cadres=sums["cadres"],
            due=sums["due"],
            contacted=sums["contacted"],
            visits=sums["visits"],
            lagging=sums["lagging"],
            appeals=totals_appeals,
        )
        _report(progress, 3, 4, "cadres")
        trend = _trend(month, due=sums["due"], contacted=sums["contacted"], appeals=totals_appeals)
    counts = {"units": sums["units"], "cadres": sums["rows"], "lagging": sums["lagging"]}
    bulletin.figures = _summary(month, totals=totals, trend=trend, rows=counts)
    bulletin.save(update_fields=["figures"])
    BulletinDocument.objects.bulk_create([BulletinDocument(bulletin=bulletin, kind=kind) for kind in DocumentKind])
    transaction.on_commit(lambda: bulletin_documents_start(month=month))
    _report(progress, 4, 4, "charts")


def bulletin_publish(
    *, month: date, acting_user: User | None = None, progress: Progress | None = None
) -> tuple[Bulletin, bool]:
    """Publish the month's bulletin; when it is out already, return it unchanged (created is False).

    `acting_user` is None for the monthly job. The database allows one version 1 per month, so two
    runs at once publish one bulletin: the loser's insert fails and it returns the winner's. The
    bulletin, its rows and its pending documents are written in one transaction; the PDF and the
    workbook are rendered afterwards by the `bulletin_documents` job.
    """
    _check_can_publish(acting_user)
    month = month_start(month)
    _check_month_over(month)
    existing = bulletin_current(month)
    if existing is not None:
        return existing, False
    try:
        with transaction.atomic():
            bulletin = Bulletin.objects.create(
                month=month, version=1, figures={}, created_by=acting_user, published_at=timezone.now()
            )
            _fill(bulletin, month, progress=progress)
    except IntegrityError:
        existing = Bulletin.objects.filter(month=month).order_by("-version").first()
        if existing is None:
            raise
        return existing, False
    log.info("monthly bulletin %s published (id %s)", bulletin, bulletin.pk)
    return bulletin, True


def bulletin_reissue(*, month: date, reason: str, acting_user: User, progress: Progress | None = None) -> Bulletin:
    """Correct the month's bulletin: a new version from the data as it is now, with the reason;
    the previous version is kept, marked superseded, with its own rows and documents."""
    _check_can_publish(acting_user)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("Give the reason for the correction.")})
    month = month_start(month)
    with transaction.atomic():
        # Locking the current version makes concurrent corrections of a month take turns.
        current = Bulletin.objects.select_for_update().filter(month=month).order_by("-version").first()
        if current is None:
            raise ValidationError(
                {"month": _("No bulletin of %(month)s has been published yet.") % {"month": f"{month:%Y-%m}"}}
            )
        if current.status != BulletinStatus.PUBLISHED:
            raise ValidationError(_("This bulletin has just been corrected by someone else; reload and check."))
        now = timezone.now()
        current.status, current.superseded_at = BulletinStatus.SUPERSEDED, now
        current.save(update_fields=["status", "superseded_at"])
        bulletin = Bulletin(
            month=month, version=current.version + 1, figures={}, reason=reason, created_by=acting_user,
            published_at=now,
        )
        bulletin.clean()
        try:
            with transaction.atomic():
                bulletin.save()
        except IntegrityError as exc:
            raise ValidationError(
                _("This bulletin has just been corrected by someone else; reload and check.")
            ) from exc
        _fill(bulletin, month, progress=progress)
    log.info("monthly bulletin %s reissued by %s", bulletin, acting_user)
    return bulletin


def monthly_bulletin_run(*, month: date, progress: Progress | None = None) -> dict:
    """The monthly job's entry point: publish `month`'s bulletin unless it is out already.

    `progress(done, total, note)` is called after compliance, appeals, cadres and the charts' trend.
    """
    bulletin, created = bulletin_publish(month=month, progress=progress)
    if not created:
        _report(progress, 4, 4, "already published")
    totals = bulletin.figures.get("totals", {})
    result = {
        "bulletin": bulletin.pk,
        "month": bulletin.month_slug,
        "version": bulletin.version,
        "created": created,
        "units": totals.get("units", 0),
        "cadres": totals.get("cadres", 0),
        "lagging": totals.get("lagging", 0),
    }
    log.info("monthly bulletin run %s: %s", month, result)
    return result


# --- The documents: rendered once, stored, served --------------------------------------------------

DOCUMENTS_JOB = "bulletin_documents"


def bulletin_documents_start(*, month: date, acting_user: User | None = None) -> JobRun | None:
    """Start the job that renders the month's missing documents (after a publication, a correction or
    a staff retry). A queue that cannot be reached leaves them pending: the page offers a retry."""
    from jobs.services import QueueUnavailable, job_start

    try:
        run, _created = job_start(job_key=DOCUMENTS_JOB, period=month_start(month), acting_user=acting_user)
    except QueueUnavailable:
        log.warning("bulletin documents of %s not started: the task queue is unavailable", f"{month:%Y-%m}")
        return None
    return run


def bulletin_documents_retry(*, bulletin: Bulletin, acting_user: User) -> JobRun | None:
    """Render again the bulletin's failed (or never rendered) documents: task-force staff only."""
    _check_can_publish(acting_user)
    with transaction.atomic():
        BulletinDocument.objects.filter(bulletin=bulletin, status=DocumentStatus.FAILED).update(
            status=DocumentStatus.PENDING, error="", updated_at=timezone.now()
        )
        missing = set(DocumentKind) - set(bulletin.documents.values_list("kind", flat=True))
        BulletinDocument.objects.bulk_create(
            [BulletinDocument(bulletin=bulletin, kind=kind) for kind in missing], ignore_conflicts=True
        )
    return bulletin_documents_start(month=bulletin.month, acting_user=acting_user)


def _render(document: BulletinDocument) -> tuple[bytes, str]:
    bulletin = document.bulletin
    if document.kind == DocumentKind.PDF:
        return bulletin_pdf(bulletin), f"{bulletin.month_slug}/bulletin-{bulletin.month_slug}-v{bulletin.version}.pdf"
    output, _name = bulletin_workbook(bulletin)
    with output:
        content = output.read()
    return content, f"{bulletin.month_slug}/bulletin-{bulletin.month_slug}-v{bulletin.version}.xlsx"


def bulletin_documents_run(*, month: date, progress: Progress | None = None) -> dict:
    """The `bulletin_documents` job: render and store every document of the month's versions that is
    not ready, newest version first. Idempotent (a ready document is never rendered again); a killed
    run leaves the rest pending, and the run queued again renders them. A document that fails to
    render is marked failed and the run fails, naming it."""
    month = month_start(month)
    pending = list(
        BulletinDocument.objects.filter(bulletin__month=month)
        .exclude(status=DocumentStatus.READY)
        .select_related("bulletin", "bulletin__created_by")
        .order_by("-bulletin__version", "kind")
    )
    total = len(pending)
    _report(progress, 0, total, "documents")
    rendered, failed = 0, []
    for done, document in enumerate(pending, 1):
        try:
            content, name = _render(document)
            stored = default_storage.save(f"bulletins/{name}", ContentFile(content))
        except Exception as exc:  # one document's failure is recorded; the others still render
            log.exception("bulletin document %s failed", document)
            BulletinDocument.objects.filter(pk=document.pk).update(
                status=DocumentStatus.FAILED, error=f"{type(exc).__name__}: {exc}"[:2000], updated_at=timezone.now()
            )
            failed.append(f"{document.bulletin} {document.kind}")
        else:
            updated = BulletinDocument.objects.filter(pk=document.pk).exclude(status=DocumentStatus.READY).update(
                status=DocumentStatus.READY,
                file=stored,
                size=len(content),
                error="",
                rendered_at=timezone.now(),
                updated_at=timezone.now(),
            )
            if updated:
                rendered += 1
            else:  # rendered meanwhile by another run: keep that one
                default_storage.delete(stored)
        _report(progress, done, total, f"{document.bulletin} {document.kind}")
    if failed:
        raise RuntimeError(_("Documents that could not be rendered: %(documents)s") % {"documents": ", ".join(failed)})
    return {"month": f"{month:%Y-%m}", "documents": rendered}


def bulletin_documents(bulletin: Bulletin) -> dict[str, BulletinDocument]:
    """The bulletin's documents by kind (pdf, xlsx); a kind missing has no row yet."""
    return {document.kind: document for document in bulletin.documents.all()}


# --- Reading ------------------------------------------------------------------------------------


def bulletin_versions(month: date) -> QuerySet[Bulletin]:
    """Every version of the month, newest first, without the figures."""
    return (
        Bulletin.objects.filter(month=month_start(month))
        .defer("figures")
        .select_related("created_by")
        .order_by("-version")
    )


def bulletin_list() -> QuerySet[Bulletin]:
    """All bulletins, newest month and version first, without the figures."""
    return Bulletin.objects.defer("figures").select_related("created_by").order_by("-month", "-version")


def bulletin_unit_rows(bulletin: Bulletin) -> QuerySet[BulletinUnitRow]:
    """The bulletin's units in ranking order."""
    return BulletinUnitRow.objects.filter(bulletin=bulletin).order_by("position")


def bulletin_cadre_rows(
    bulletin: Bulletin, *, unit_id: int | None = None, lagging: bool | None = None
) -> QuerySet[BulletinCadreRow]:
    """The bulletin's cadres in table order (unit, name), of one unit or only the lagging ones if asked."""
    qs = BulletinCadreRow.objects.filter(bulletin=bulletin)
    if unit_id is not None:
        qs = qs.filter(unit_id=unit_id)
    if lagging is not None:
        qs = qs.filter(lagging=lagging)
    return qs.order_by("position")


def unit_row_dict(row: BulletinUnitRow) -> dict:
    return {
        "id": row.unit_id,
        "name": row.name,
        "rank": row.rank,
        "cadres": row.cadres,
        "due": row.due,
        "contacted": row.contacted,
        "missed": row.missed,
        "compliance": row.compliance,
        "visits": row.visits,
        "appeals": row.appeals,
    }


def cadre_row_dict(row: BulletinCadreRow) -> dict:
    return _cadre_dict({**row.__dict__, "cadre_id": row.cadre_id})


def lagging_row_dict(row: BulletinCadreRow) -> dict:
    return _lagging_dict({**row.__dict__, "cadre_id": row.cadre_id})


def bulletin_full_figures(bulletin: Bulletin) -> dict:
    """The stored bulletin in the shape of `bulletin_figures` (every unit and cadre: for tests and
    comparisons, not for pages)."""
    cadres = list(bulletin_cadre_rows(bulletin))
    return {
        **bulletin.figures,
        "units": [unit_row_dict(row) for row in bulletin_unit_rows(bulletin)],
        "cadres": [cadre_row_dict(row) for row in cadres],
        "lagging": [lagging_row_dict(row) for row in cadres if row.lagging],
    }


@dataclass
class BulletinCharts:
    units: str
    trend: str


def _chart_figures(bulletin: Bulletin, edge: int = charts.BAR_CHART_EDGE) -> dict:
    """What the charts draw: the trend, and the units' first and last `edge` rows with their count
    (two small reads, whatever the number of units)."""
    rows = bulletin_unit_rows(bulletin)
    total = bulletin.figures.get("totals", {}).get("units")
    if total is None:
        total = rows.count()
    if total > 2 * edge:
        units = [*rows[:edge], *reversed(rows.order_by("-position")[:edge])]
    else:
        units = list(rows)
    return {
        **bulletin.figures,
        "units": [{"name": u.name, "compliance": u.compliance, "contacted": u.contacted, "due": u.due} for u in units],
        "units_total": total,
    }


def bulletin_charts(bulletin: Bulletin) -> BulletinCharts:
    figures = _chart_figures(bulletin)
    return BulletinCharts(units=charts.unit_compliance_chart(figures), trend=charts.trend_chart_of(figures))


def _data_uri(svg: str) -> str:
    return "data:image/svg+xml;base64," + base64.b64encode(svg.encode("utf-8")).decode("ascii")


def bulletin_chart_images(bulletin: Bulletin) -> BulletinCharts:
    """The charts as data URIs: as images, WeasyPrint scales them to the column keeping their proportions."""
    drawn = bulletin_charts(bulletin)
    return BulletinCharts(units=_data_uri(drawn.units), trend=_data_uri(drawn.trend))


# --- PDF and Excel (rendered by the bulletin_documents job) ---------------------------------------


def bulletin_title(bulletin: Bulletin) -> str:
    """The title as an official document gives it, in the language it is issued in:
    "2026年11月西岗区“领导干部进项目进企业”专项行动工作通报"."""
    district = getattr(settings, "DISTRICT_NAME", "")
    campaign = getattr(settings, "CAMPAIGN_NAME", "")
    return f"{bulletin.month.year}年{bulletin.month.month}月{district}“{campaign}”专项行动工作通报"


def bulletin_issuer() -> str:
    """The body that issues the bulletins (`BULLETIN_ISSUER`: by default the district's task force)."""
    return getattr(settings, "BULLETIN_ISSUER", "")


def bulletin_pdf(bulletin: Bulletin) -> bytes:
    """The bulletin as an A4 PDF with its charts (WeasyPrint, imported here: it is heavy)."""
    from weasyprint import HTML

    figures = bulletin.figures
    cadres = bulletin_cadre_rows(bulletin)
    cadre_count = cadres.count()
    html = render_to_string(
        "reports/bulletin_pdf.html",
        {
            "bulletin": bulletin,
            "title": bulletin_title(bulletin),
            "issuer": bulletin_issuer(),
            "figures": figures,
            "units": bulletin_unit_rows(bulletin),
            "lagging": bulletin_cadre_rows(bulletin, lagging=True),
            "cadres": cadres if cadre_count <= PDF_CADRE_ROWS_MAX else [],
            "cadre_count": cadre_count,
            "charts": bulletin_chart_images(bulletin),
            "cadres_in_pdf": cadre_count <= PDF_CADRE_ROWS_MAX,
            "pdf_cadre_rows_max": PDF_CADRE_ROWS_MAX,
            "district": getattr(settings, "DISTRICT_NAME", ""),
        },
    )
    return HTML(string=html, base_url=str(settings.BASE_DIR)).write_pdf()


PERCENT = "0.0%"
SUMMARY_COLUMNS = [Column("项目", 24), Column("数值", 16)]
UNIT_COLUMNS = [
    Column("排名", 6),
    Column("单位", 28),
    Column("结对干部", 10),
    Column("应联系", 9),
    Column("已联系", 9),
    Column("联系率", 9),
    Column("走访次数", 10),
    Column("诉求数", 9),
    Column("撤回", 7),
    Column("不予受理", 9),
    Column("已办结", 9),
    Column("逾期", 7),
    Column("办结率", 9),
    Column("按时办结率", 11),
    Column("平均办理时长（工作日）", 14),
    Column("满意率", 9),
]
CADRE_COLUMNS = [
    Column("干部", 12),
    Column("单位", 28),
    Column("结对企业", 34),
    Column("应联系", 9),
    Column("已联系", 9),
    Column("联系率", 9),
    Column("走访次数", 10),
    Column("诉求数", 9),
    Column("已办结", 9),
    Column("逾期", 7),
    Column("办结率", 9),
    Column("按时办结率", 11),
    Column("平均办理时长（工作日）", 14),
    Column("满意率", 9),
]
LAGGING_COLUMNS = [
    Column("干部", 12),
    Column("单位", 28),
    Column("未联系企业", 34),
    Column("当月未联系", 12),
    Column("逾期诉求", 10),
]


def _cell(sheet, value, number_format: str | None = None):
    """Text is written as text (a name starting with “=” is no formula); rates as percentages."""
    cell = WriteOnlyCell(sheet, value=ILLEGAL_CHARACTERS_RE.sub("", value) if isinstance(value, str) else value)
    if isinstance(value, str):
        cell.data_type = "s"
    if number_format and value is not None:
        cell.number_format = number_format
    return cell


def _sheet(workbook: Workbook, title: str, columns: list[Column], rows) -> None:
    sheet = start_sheet(workbook, title, columns)
    for row in rows:
        sheet.append([_cell(sheet, *value) if isinstance(value, tuple) else _cell(sheet, value) for value in row])


def _pct(value: float | None) -> tuple:
    return (value, PERCENT)


def _days(value: float | None) -> tuple:
    return (round(value, 1) if value is not None else None, "0.0")


def _summary_rows(bulletin: Bulletin) -> list[list]:
    figures = bulletin.figures
    totals, appeals = figures["totals"], figures["totals"]["appeals"]
    return [
        ["月份", figures["month"]],
        ["版本", bulletin.version],
        ["发布时间", timezone.localtime(bulletin.published_at).strftime("%Y-%m-%d %H:%M")],
        ["更正原因", bulletin.reason],
        ["单位数", totals["units"]],
        ["结对干部数", totals["cadres"]],
        ["应联系结对", totals["due"]],
        ["已联系结对", totals["contacted"]],
        ["联系率", _pct(totals["compliance"])],
        ["走访次数", totals["visits"]],
        ["当月诉求", appeals["total"]],
        ["撤回", appeals["withdrawn"]],
        ["不予受理", appeals["out_of_scope"]],
        ["已办结", appeals["resolved"]],
        ["办理中", appeals["open"]],
        ["逾期", appeals["overdue"]],
        ["办结率", _pct(appeals["closure_rate"])],
        ["按时办结率", _pct(appeals["on_time_rate"])],
        ["平均办理时长（工作日）", _days(appeals["avg_handling_workdays"])],
        ["满意率", _pct(appeals["satisfaction"])],
        ["落后干部数", totals["lagging"]],
        *[["口径说明", line] for line in figures["rules"]["note"]],
        *[
            [
                f"趋势 {point['month']}",
                f"联系率 {_percent_text(point['compliance'])}，办结率 {_percent_text(point['closure_rate'])}",
            ]
            for point in figures["trend"]
        ],
    ]


def _percent_text(value: float | None) -> str:
    return "—" if value is None else f"{value * 100:.1f}%"


def _unit_sheet_rows(bulletin: Bulletin):
    for unit in bulletin_unit_rows(bulletin).iterator(chunk_size=2000):
        a = unit.appeals
        yield [
            unit.rank,
            unit.name,
            unit.cadres,
            unit.due,
            unit.contacted,
            _pct(unit.compliance),
            unit.visits,
            a["total"],
            a["withdrawn"],
            a["out_of_scope"],
            a["resolved"],
            a["overdue"],
            _pct(a["closure_rate"]),
            _pct(a["on_time_rate"]),
            _days(a["avg_handling_workdays"]),
            _pct(a["satisfaction"]),
        ]


def _cadre_sheet_rows(bulletin: Bulletin):
    for cadre in bulletin_cadre_rows(bulletin).iterator(chunk_size=2000):
        a = cadre.appeals
        yield [
            cadre.name,
            cadre.unit_name,
            "、".join(cadre.enterprises),
            cadre.due,
            cadre.contacted,
            _pct(cadre.compliance),
            cadre.visits,
            a["total"],
            a["resolved"],
            a["overdue"],
            _pct(a["closure_rate"]),
            _pct(a["on_time_rate"]),
            _days(a["avg_handling_workdays"]),
            _pct(a["satisfaction"]),
        ]


def _lagging_sheet_rows(bulletin: Bulletin):
    for cadre in bulletin_cadre_rows(bulletin, lagging=True).iterator(chunk_size=2000):
        yield [
            cadre.name,
            cadre.unit_name,
            "、".join(cadre.missed_enterprises),
            "是" if cadre.missed_enterprises else "否",
            cadre.overdue_appeals,
        ]


def bulletin_workbook(bulletin: Bulletin) -> tuple[IO[bytes], str]:
    """The bulletin as an .xlsx file with four sheets: 汇总, 单位, 干部, 落后干部."""
    workbook = Workbook(write_only=True)
    _sheet(workbook, "汇总", SUMMARY_COLUMNS, _summary_rows(bulletin))
    _sheet(workbook, "单位", UNIT_COLUMNS, _unit_sheet_rows(bulletin))
    _sheet(workbook, "干部", CADRE_COLUMNS, _cadre_sheet_rows(bulletin))
    _sheet(workbook, "落后干部", LAGGING_COLUMNS, _lagging_sheet_rows(bulletin))
    output = tempfile.TemporaryFile()
    workbook.save(output)
    output.seek(0)
    return output, f"月通报-{bulletin.month:%Y-%m}-v{bulletin.version}.xlsx"
