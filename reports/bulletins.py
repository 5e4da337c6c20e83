"""The monthly bulletin (月通报): the month's figures frozen into a published, versioned snapshot.

Every figure comes from the selectors the rest of the portal uses, so that the bulletin agrees with
the roster, the leaders' home page and the appeal reports of the same month:

- contact compliance: `liaison.selectors.unit_compliance`, `overall_compliance` and `monthly_contact`
  (a pairing is due when in force on the month's last day; contacted when a visit under it is dated
  in the month);
- appeals: `appeals.selectors.appeal_metrics` and `appeal_metrics_by` (the cohort is the appeals
  raised in the month; withdrawn and out-of-scope ones are left out of every rate);
- visits: the visits dated in the month.

Building takes a fixed number of queries whatever the number of units and cadres. Publishing is
idempotent: the database holds one version 1 per month, so a re-run or a concurrent run returns the
bulletin already published. A correction (`bulletin_reissue`) is a new version built from the data
as it is now; the old version stays readable, marked superseded.
"""

from __future__ import annotations

import base64
import logging
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import IO

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Count, QuerySet
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

from appeals.models import Appeal
from appeals.selectors import AppealMetrics, appeal_metrics, appeal_metrics_by, overdue_q
from liaison.exports import XLSX_CONTENT_TYPE, Column, ExportFile, start_sheet
from liaison.models import Cadre, User, Visit
from liaison.selectors import (
    UnitCompliance,
    month_bounds,
    monthly_contact,
    overall_compliance_of_months,
    previous_month,
    today,
)
from reports import charts
from reports.models import Bulletin, BulletinStatus

log = logging.getLogger(__name__)

Progress = Callable[..., None]

FIGURES_SCHEMA = 1
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
    "单位排名：先按联系率从高到低，再按办结率从高到低；两项都相同的单位名次并列，无应联系结对的单位排在最后。",
    "落后干部：当月有应联系结对而未联系的干部，以及名下有逾期诉求（不限提出月份）的干部。",
    "趋势：截至本月的近六个月联系率和办结率，发布时计算并固定。",
    "本通报发布后数据不再变动；更正以新版本发布，旧版本保留备查。",
]
RULES = {
    "ranking": ["contact_compliance desc", "closure_rate desc", "unit name"],
    "ties": "same rank when compliance and closure rate are equal; units with no pairing due come last",
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


def _report(progress: Progress | None, done: int, total: int, note: str) -> None:
    if progress is not None:
        progress(done, total, note)


# --- The figures ------------------------------------------------------------------------------


def _rank_key(row: dict) -> tuple:
    compliance, closure = row["compliance"], row["appeals"]["closure_rate"]
    return (compliance is None, -(compliance or 0.0), closure is None, -(closure or 0.0))


def rank_units(units: list[dict]) -> list[dict]:
    """Order units by contact compliance, then closure rate (both descending, unknown last), then name;
    units equal on both figures share a rank (1, 1, 3…)."""
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


def bulletin_figures(month: date, *, progress: Progress | None = None) -> dict:
    """The month's whole snapshot, in about twenty queries whatever the size of the campaign.

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

    # 1. Contact compliance per pairing due, read once; per cadre, per unit and overall from it.
    pairings = (
        monthly_contact(month)
        .order_by("cadre__unit__name", "cadre__name", "cadre_id", "id")
        .values("cadre_id", "cadre__name", "cadre__unit_id", "cadre__unit__name", "enterprise__name", "contacted")
    )
    cadres: dict[int, dict] = {}
    unit_counts: dict[int, list] = {}  # unit id -> [name, due, contacted]

    def cadre_row(cadre_id: int, name: str, unit_id: int, unit: str) -> dict:
        row = cadres.get(cadre_id)
        if row is None:
            row = cadres[cadre_id] = {
                "id": cadre_id,
                "name": name,
                "unit_id": unit_id,
                "unit": unit,
                "enterprises": [],
                "due": 0,
                "contacted": 0,
                "compliance": None,
                "visits": 0,
                "appeals": _no_appeals(),
                "_missed": [],
            }
        return row

    for pairing in pairings:
        row = cadre_row(
            pairing["cadre_id"], pairing["cadre__name"], pairing["cadre__unit_id"], pairing["cadre__unit__name"]
        )
        row["enterprises"].append(pairing["enterprise__name"])
        row["due"] += 1
        if pairing["contacted"]:
            row["contacted"] += 1
        else:
            row["_missed"].append(pairing["enterprise__name"])
        unit_due = unit_counts.setdefault(pairing["cadre__unit_id"], [pairing["cadre__unit__name"], 0, 0])
        unit_due[1] += 1
        unit_due[2] += bool(pairing["contacted"])
    unit_rows = [
        UnitCompliance(unit_id=unit_id, unit_name=name, due=due, contacted=done)
        for unit_id, (name, due, done) in sorted(unit_counts.items(), key=lambda item: item[1][0])
    ]
    overall = UnitCompliance(
        unit_id=0, unit_name="", due=sum(u.due for u in unit_rows), contacted=sum(u.contacted for u in unit_rows)
    )
    _report(progress, 1, steps, "compliance")

    # 2. Appeals raised in the month: overall, per unit, per cadre; overdue appeals per cadre.
    totals_appeals = appeal_metrics(first, last)
    by_unit = {key: metrics for key, _label, metrics in appeal_metrics_by("unit", first, last) if key is not None}
    by_cadre = {key: metrics for key, _label, metrics in appeal_metrics_by("cadre", first, last) if key is not None}
    overdue_by_cadre = dict(
        Appeal.objects.filter(overdue_q(), cadre__isnull=False)
        .order_by()
        .values("cadre_id")
        .annotate(n=Count("id"))
        .values_list("cadre_id", "n")
    )
    _report(progress, 2, steps, "appeals")

    # 3. Visits dated in the month, per cadre; then every cadre that figures anywhere.
    visits = (
        Visit.objects.filter(date__gte=first, date__lte=last)
        .order_by()
        .values("cadre_id", "cadre__name", "cadre__unit_id", "cadre__unit__name")
        .annotate(n=Count("id"))
    )
    for visit in visits:
        row = cadre_row(visit["cadre_id"], visit["cadre__name"], visit["cadre__unit_id"], visit["cadre__unit__name"])
        row["visits"] = visit["n"]
    missing = (set(by_cadre) | set(overdue_by_cadre)) - set(cadres)
    if missing:
        for cadre in Cadre.objects.filter(pk__in=missing).values("id", "name", "unit_id", "unit__name"):
            cadre_row(cadre["id"], cadre["name"], cadre["unit_id"], cadre["unit__name"])
    for cadre_id, metrics in by_cadre.items():
        cadres[cadre_id]["appeals"] = metrics.as_dict()

    lagging = []
    for row in cadres.values():
        row["compliance"] = _rate(row["contacted"], row["due"])
        missed = row.pop("_missed")
        overdue = overdue_by_cadre.get(row["id"], 0)
        if missed or overdue:
            lagging.append(
                {
                    "id": row["id"],
                    "name": row["name"],
                    "unit_id": row["unit_id"],
                    "unit": row["unit"],
                    "enterprises": missed,
                    "missed_contact": bool(missed),
                    "overdue_appeals": overdue,
                }
            )
    cadre_rows = sorted(cadres.values(), key=lambda row: (row["unit"], row["name"], row["id"]))
    lagging.sort(key=lambda row: (row["unit"], row["name"], row["id"]))

    units: dict[int, dict] = {}

    def unit_row(unit_id: int, name: str) -> dict:
        return units.setdefault(
            unit_id,
            {
                "id": unit_id,
                "name": name,
                "rank": None,
                "cadres": 0,
                "due": 0,
                "contacted": 0,
                "missed": 0,
                "compliance": None,
                "visits": 0,
                "appeals": _no_appeals(),
            },
        )

    for compliance in unit_rows:
        row = unit_row(compliance.unit_id, compliance.unit_name)
        row.update(
            due=compliance.due,
            contacted=compliance.contacted,
            missed=compliance.missing,
            compliance=compliance.rate,
        )
    for cadre in cadre_rows:
        row = unit_row(cadre["unit_id"], cadre["unit"])
        row["visits"] += cadre["visits"]
        if cadre["due"]:
            row["cadres"] += 1
    names = {cadre["unit_id"]: cadre["unit"] for cadre in cadre_rows}
    for unit_id, metrics in by_unit.items():
        if unit_id not in units:
            # Every appeal's unit is its cadre's, and every such cadre has a row by now.
            unit_row(unit_id, names.get(unit_id, "—"))
        units[unit_id]["appeals"] = metrics.as_dict()
    ranked = rank_units(list(units.values()))
    _report(progress, 3, steps, "cadres")

    # 4. The trend of the charts: this month and the five before, computed now and frozen.
    trend = [_trend_point(month, due=overall.due, contacted=overall.contacted, appeals=totals_appeals)]
    earlier_months = []
    earlier = month
    for _i in range(TREND_MONTHS - 1):
        earlier = previous_month(earlier)
        earlier_months.append(earlier)
    contact_of = overall_compliance_of_months(earlier_months)  # one read of the pairings for all five
    for earlier in earlier_months:
        earlier_first, earlier_last = month_bounds(earlier)
        contact = contact_of[earlier]
        trend.append(
            _trend_point(
                earlier,
                due=contact.due,
                contacted=contact.contacted,
                appeals=appeal_metrics(earlier_first, earlier_last),
            )
        )
    trend.reverse()
    _report(progress, 4, steps, "charts")

    return {
        "schema": FIGURES_SCHEMA,
        "month": f"{month:%Y-%m}",
        "first": first.isoformat(),
        "last": last.isoformat(),
        "computed_at": timezone.now().isoformat(),
        "rules": RULES,
        "totals": {
            "units": len(ranked),
            "cadres": sum(1 for cadre in cadre_rows if cadre["due"]),
            "due": overall.due,
            "contacted": overall.contacted,
            "missed": overall.missing,
            "compliance": overall.rate,
            "visits": sum(cadre["visits"] for cadre in cadre_rows),
            "lagging": len(lagging),
            "appeals": totals_appeals.as_dict(),
        },
        "units": ranked,
        "cadres": cadre_rows,
        "lagging": lagging,
        "trend": trend,
    }


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


def bulletin_publish(
    *, month: date, acting_user: User | None = None, progress: Progress | None = None
) -> tuple[Bulletin, bool]:
    """Publish the month's bulletin; when it is out already, return it unchanged (created is False).

    `acting_user` is None for the monthly job. The database allows one version 1 per month, so two
    runs at once publish one bulletin: the loser's insert fails and it returns the winner's.
    """
    _check_can_publish(acting_user)
    month = month_start(month)
    _check_month_over(month)
    existing = bulletin_current(month)
    if existing is not None:
        return existing, False
    figures = bulletin_figures(month, progress=progress)
    try:
        with transaction.atomic():
            bulletin = Bulletin.objects.create(
                month=month, version=1, figures=figures, created_by=acting_user, published_at=timezone.now()
            )
    except IntegrityError:
        existing = Bulletin.objects.filter(month=month).order_by("-version").first()
        if existing is None:
            raise
        return existing, False
    log.info("monthly bulletin %s published (id %s)", bulletin, bulletin.pk)
    return bulletin, True


def bulletin_reissue(*, month: date, reason: str, acting_user: User, progress: Progress | None = None) -> Bulletin:
    """Correct the month's bulletin: a new version from the data as it is now, with the reason;
    the previous version is kept, marked superseded."""
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
        figures = bulletin_figures(month, progress=progress)
        now = timezone.now()
        current.status, current.superseded_at = BulletinStatus.SUPERSEDED, now
        current.save(update_fields=["status", "superseded_at"])
        bulletin = Bulletin(
            month=month,
            version=current.version + 1,
            figures=figures,
            reason=reason,
            created_by=acting_user,
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


# --- Reading ------------------------------------------------------------------------------------


def bulletin_versions(month: date) -> QuerySet[Bulletin]:
    """Every version of the month, newest first, without the (large) figures."""
    return (
        Bulletin.objects.filter(month=month_start(month))
        .defer("figures")
        .select_related("created_by")
        .order_by("-version")
    )


def bulletin_list() -> QuerySet[Bulletin]:
    """All bulletins, newest month and version first, without the figures."""
    return Bulletin.objects.defer("figures").select_related("created_by").order_by("-month", "-version")


@dataclass
class BulletinCharts:
    units: str
    trend: str


def bulletin_charts(figures: dict) -> BulletinCharts:
    return BulletinCharts(units=charts.unit_compliance_chart(figures), trend=charts.trend_chart_of(figures))


def _data_uri(svg: str) -> str:
    return "data:image/svg+xml;base64," + base64.b64encode(svg.encode("utf-8")).decode("ascii")


def bulletin_chart_images(figures: dict) -> BulletinCharts:
    """The charts as data URIs: as images, WeasyPrint scales them to the column keeping their proportions."""
    drawn = bulletin_charts(figures)
    return BulletinCharts(units=_data_uri(drawn.units), trend=_data_uri(drawn.trend))


# --- PDF and Excel --------------------------------------------------------------------------------


def bulletin_title(bulletin: Bulletin) -> str:
    return _("Monthly bulletin, %(month)s") % {"month": f"{bulletin.month:%Y-%m}"}


def bulletin_pdf(bulletin: Bulletin) -> bytes:
    """The bulletin as an A4 PDF with its charts (WeasyPrint, imported here: it is heavy)."""
    from weasyprint import HTML

    figures = bulletin.figures
    html = render_to_string(
        "reports/bulletin_pdf.html",
        {
            "bulletin": bulletin,
            "title": bulletin_title(bulletin),
            "figures": figures,
            "charts": bulletin_chart_images(figures),
            "cadres_in_pdf": len(figures.get("cadres", [])) <= PDF_CADRE_ROWS_MAX,
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


def _unit_rows(figures: dict):
    for unit in figures["units"]:
        a = unit["appeals"]
        yield [
            unit["rank"],
            unit["name"],
            unit["cadres"],
            unit["due"],
            unit["contacted"],
            _pct(unit["compliance"]),
            unit["visits"],
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


def _cadre_rows(figures: dict):
    for cadre in figures["cadres"]:
        a = cadre["appeals"]
        yield [
            cadre["name"],
            cadre["unit"],
            "、".join(cadre["enterprises"]),
            cadre["due"],
            cadre["contacted"],
            _pct(cadre["compliance"]),
            cadre["visits"],
            a["total"],
            a["resolved"],
            a["overdue"],
            _pct(a["closure_rate"]),
            _pct(a["on_time_rate"]),
            _days(a["avg_handling_workdays"]),
            _pct(a["satisfaction"]),
        ]


def _lagging_rows(figures: dict):
    for cadre in figures["lagging"]:
        yield [
            cadre["name"],
            cadre["unit"],
            "、".join(cadre["enterprises"]),
            "是" if cadre["missed_contact"] else "否",
            cadre["overdue_appeals"],
        ]


def bulletin_workbook(bulletin: Bulletin) -> tuple[IO[bytes], str]:
    """The bulletin as an .xlsx file with four sheets: 汇总, 单位, 干部, 落后干部."""
    figures = bulletin.figures
    workbook = Workbook(write_only=True)
    _sheet(workbook, "汇总", SUMMARY_COLUMNS, _summary_rows(bulletin))
    _sheet(workbook, "单位", UNIT_COLUMNS, _unit_rows(figures))
    _sheet(workbook, "干部", CADRE_COLUMNS, _cadre_rows(figures))
    _sheet(workbook, "落后干部", LAGGING_COLUMNS, _lagging_rows(figures))
    output = tempfile.TemporaryFile()
    workbook.save(output)
    output.seek(0)
    return output, f"月通报-{bulletin.month:%Y-%m}-v{bulletin.version}.xlsx"


def bulletin_export(bulletin: Bulletin) -> ExportFile:
    output, filename = bulletin_workbook(bulletin)
    return ExportFile(
        file=output, filename=filename, rows=len(bulletin.figures.get("cadres", [])), content_type=XLSX_CONTENT_TYPE
    )
