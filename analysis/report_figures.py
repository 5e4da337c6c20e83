"""The figures of the analysis report (总结分析报告) of a period, computed by the functions the
bulletin and the dashboard use, never counted again here:

- pairings: `Assignment.objects.active()` (the dashboard's "cadres paired") for a period running
  today, else the pairings due in its last month (`overall_compliance`, the bulletin's "due");
- monthly contact: `overall_compliance_of_months` over the period's months (the bulletin's due and
  contacted of each month, added up);
- visits: the visits dated in the period (the bulletin's "visits dated in the month");
- meetings, participants, issues and countermeasures: `meetings.selectors.campaign_meeting_figures`;
- appeals and the closure rate: `appeals.selectors.appeal_metrics` (and `appeal_metrics_by` for the
  tables by category, industry and street);
- deliveries: `dashboard.figures.delivery_figures`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from django.conf import settings
from django.db.models import Count, Min
from django.utils import timezone
from django.utils.translation import gettext as _

from analysis.models import ClusterRun, ReportPeriod
from appeals.selectors import appeal_metrics, appeal_metrics_by
from dashboard.figures import delivery_figures
from liaison.models import Assignment, Visit
from liaison.selectors import month_bounds, overall_compliance, overall_compliance_of_months, today

HOT_CLUSTERS = 8
CASES_PER_CLUSTER = 3
COUNTERMEASURE_ROWS = 60
POLICY_ROWS = 60
TABLE_ROWS = 15


@dataclass(frozen=True)
class Period:
    kind: str
    start: date
    end: date

    @property
    def as_of(self) -> date:
        """The last day counted: the period's end, or today while it runs."""
        return min(self.end, today())

    @property
    def running(self) -> bool:
        return self.end >= today()

    @property
    def months(self) -> list[date]:
        months, month = [], self.start.replace(day=1)
        while month <= self.as_of:
            months.append(month)
            month = (month_bounds(month)[1] + timedelta(days=1))
        return months

    @property
    def label(self) -> str:
        """How the title names it, in the language the report is issued in."""
        if self.kind == ReportPeriod.QUARTER:
            return f"{self.start.year}年第{(self.start.month - 1) // 3 + 1}季度"
        if self.kind == ReportPeriod.YEAR:
            return f"{self.start.year}年度"
        return f"{self.start.year}年{self.start.month}月至{self.end.year}年{self.end.month}月"


def campaign_start() -> date:
    """`CAMPAIGN_START` when set, else the first day anything of the campaign happened: the earliest
    pairing, appeal or meeting (so that the campaign to date counts what the dashboard counts)."""
    configured = getattr(settings, "CAMPAIGN_START", "")
    if configured:
        return date.fromisoformat(str(configured))
    from appeals.models import Appeal
    from meetings.models import Meeting

    candidates = [
        Assignment.objects.aggregate(first=Min("started_on"))["first"],
        Meeting.objects.aggregate(first=Min("date"))["first"],
    ]
    raised = Appeal.objects.aggregate(first=Min("raised_at"))["first"]
    if raised is not None:
        candidates.append(timezone.localtime(raised).date())
    found = [day for day in candidates if day is not None]
    return min(found) if found else today().replace(month=1, day=1)


def period_of(kind: str, value: str | int | None = None) -> Period:
    """A report period from its kind and value: a year (`2026`), a quarter (`2026-Q3`) or, for the
    campaign to date, nothing (from `campaign_start()` to today). ValueError when malformed."""
    text = str(value or "").strip().upper()
    if kind == ReportPeriod.CAMPAIGN:
        return Period(kind, campaign_start(), today())
    if kind == ReportPeriod.YEAR:
        if not (text.isdigit() and len(text) == 4):
            raise ValueError(text)
        year = int(text)
        return Period(kind, date(year, 1, 1), date(year, 12, 31))
    if kind == ReportPeriod.QUARTER:
        year_text, _sep, quarter_text = text.partition("-Q")
        if not (year_text.isdigit() and len(year_text) == 4 and quarter_text in {"1", "2", "3", "4"}):
            raise ValueError(text)
        first = date(int(year_text), 3 * int(quarter_text) - 2, 1)
        return Period(kind, first, month_bounds(first.replace(month=first.month + 2))[1])
    raise ValueError(kind)


def period_value(period: Period) -> str:
    """The inverse of period_of: what the form and the API take for this period."""
    if period.kind == ReportPeriod.QUARTER:
        return f"{period.start.year}-Q{(period.start.month - 1) // 3 + 1}"
    if period.kind == ReportPeriod.YEAR:
        return str(period.start.year)
    return ""


def _window(period: Period) -> dict:
    """The bounds the dashboard gives the meetings and deliveries of the same period: a year by its
    number, the campaign to date with none (everything recorded), a quarter by its days."""
    if period.kind == ReportPeriod.YEAR:
        return {"year": period.start.year}
    if period.kind == ReportPeriod.CAMPAIGN:
        # Drawn up to today: everything recorded; a later version of an earlier one: up to its day.
        return {} if period.running else {"end": period.end}
    return {"start": period.start, "end": period.end}


def _meetings(period: Period) -> dict:
    from meetings.selectors import campaign_meeting_figures

    return campaign_meeting_figures(**_window(period))


def _deliveries(period: Period) -> dict:
    return delivery_figures(**_window(period))


def basics(period: Period) -> dict:
    """一、基本情况."""
    months = period.months
    contact = overall_compliance_of_months(months)
    due = sum(row.due for row in contact.values())
    contacted = sum(row.contacted for row in contact.values())
    if period.running:
        paired = Assignment.objects.active().count()
    else:
        paired = overall_compliance(months[-1]).due if months else 0
    meetings = _meetings(period)
    return {
        "cadres_paired": paired,
        "contact": {"due": due, "contacted": contacted, "rate": contacted / due if due else None},
        "visits": Visit.objects.filter(date__gte=period.start, date__lte=period.as_of).count(),
        "meetings": meetings,
        "leaders": meetings["district_leaders"] + meetings["division_leaders"],
        "appeals": appeal_metrics(period.start, period.as_of).as_dict(),
        "deliveries": _deliveries(period),
    }


def _table(group: str, period: Period, names: dict | None = None) -> list[dict]:
    rows = [
        {
            "name": (names or {}).get(key, label),
            "total": metrics.total,
            "counted": metrics.counted,
            "resolved": metrics.resolved,
            "closure_rate": metrics.closure_rate,
            "satisfaction": metrics.satisfaction,
        }
        for key, label, metrics in appeal_metrics_by(group, period.start, period.as_of)
    ]
    rows.sort(key=lambda row: (-row["total"], row["name"]))
    return rows


def _cluster_run(period: Period) -> ClusterRun | None:
    return ClusterRun.objects.filter(period_start=period.start, period_end=period.as_of).first() or (
        ClusterRun.objects.filter(period_start=period.start, period_end=period.end).first()
    )


def _case(member) -> dict:
    item = member.appeal or member.issue
    appeal = member.appeal
    return {
        "kind": "appeal" if appeal else "issue",
        "id": item.pk,
        "title": item.title,
        "enterprise": item.enterprise.name,
        "status": appeal.get_status_display() if appeal else str(_("Meeting issue")),
        "resolution": (appeal.resolution if appeal else "")[:300],
    }


def _distinct_cases(members) -> list[dict]:
    """The first CASES_PER_CLUSTER representatives with different titles (several enterprises often
    raise the same problem in the same words)."""
    cases, titles = [], set()
    for member in members:
        case = _case(member)
        if case["title"] not in titles:
            titles.add(case["title"])
            cases.append(case)
        if len(cases) == CASES_PER_CLUSTER:
            break
    return cases


def hot_clusters(period: Period) -> dict:
    """The period's clusters with the most enterprises, with representative cases."""
    from analysis.selectors import clusters_of, representatives

    run = _cluster_run(period)
    if run is None:
        return {"run": None, "clusters": []}
    clusters = []
    for cluster in clusters_of(run)[:HOT_CLUSTERS]:
        figures = cluster.figures or {}
        clusters.append({
            "id": cluster.pk,
            "label": cluster.display_label,
            "problems": cluster.size,
            "enterprises": cluster.enterprises,
            "categories": [name for name, _n in figures.get("categories", [])[:3]],
            "resolved_share": figures.get("resolved_share"),
            "satisfaction": figures.get("satisfaction"),
            "countermeasures": cluster.countermeasure_count,
            "policies": cluster.policy_count,
            "policy_gap": cluster.policy_gap,
            "cases": _distinct_cases(representatives(cluster, limit=CASES_PER_CLUSTER * 4)),
        })
    return {
        "run": {"id": run.pk, "start": run.period_start.isoformat(), "end": run.period_end.isoformat(),
                "problems": run.documents, "clusters": run.k},
        "clusters": clusters,
    }


def problems(period: Period) -> dict:
    """二、问题分析."""
    from enterprises.industries import SECTIONS

    return {
        "by_category": _table("category", period),
        "by_industry": _table("industry", period, names=SECTIONS),
        "by_street": _table("street", period),
        **hot_clusters(period),
    }


def measures(period: Period) -> dict:
    """三、对策建议及落实: the meetings' countermeasures and their status, the policies published in the
    period, and the deliveries (免申即享 apart)."""
    from meetings.models import Countermeasure, CountermeasureStatus, Meeting
    from policies.models import Delivery, DeliveryStatus, Policy, PolicyStatus

    # The meetings in force (withdrawn ones left out), as campaign_meeting_figures counts them.
    meetings = Meeting.objects.all()
    window = _window(period)
    if "year" in window:
        meetings = meetings.filter(date__year=window["year"])
    if "start" in window:
        meetings = meetings.filter(date__gte=window["start"])
    if "end" in window:
        meetings = meetings.filter(date__lte=window["end"])
    countermeasures = Countermeasure.objects.filter(meeting__in=meetings)
    by_status = dict(countermeasures.order_by().values_list("status").annotate(n=Count("id")))
    rows = [
        {
            "text": c.text,
            "meeting": c.meeting.title,
            "date": c.meeting.date.isoformat(),
            "status": c.get_status_display(),
            "policies": [p.title for p in c.policies.all()],
        }
        for c in countermeasures.select_related("meeting").prefetch_related("policies")
        .order_by("meeting__date", "id")[:COUNTERMEASURE_ROWS]
    ]
    policies = Policy.objects.filter(
        status=PolicyStatus.PUBLISHED,
        published_at__date__gte=period.start,
        published_at__date__lte=period.as_of,
    ).order_by("published_at", "id")
    no_application = Delivery.objects.filter(
        policy__no_application=True,
        status=DeliveryStatus.DELIVERED,
        created_at__date__gte=period.start,
        created_at__date__lte=period.as_of,
    ).aggregate(deliveries=Count("id"), enterprises=Count("enterprise", distinct=True),
                policies=Count("policy", distinct=True))
    return {
        "countermeasures": {
            "total": sum(by_status.values()),
            "by_status": [
                {"status": status, "label": str(label), "count": by_status.get(status, 0)}
                for status, label in CountermeasureStatus.choices
            ],
            "rows": rows,
        },
        "policies": {
            "total": policies.count(),
            "no_application": policies.filter(no_application=True).count(),
            "rows": [
                {"title": p.title, "doc_number": p.doc_number, "issuer": p.issuer,
                 "published": timezone.localtime(p.published_at).date().isoformat(),
                 "no_application": p.no_application}
                for p in policies[:POLICY_ROWS]
            ],
        },
        "no_application_deliveries": no_application,
    }


def report_figures(period: Period) -> dict:
    """Everything the report computes for the period (stored with the draft, frozen when published)."""
    return {
        "schema": 1,
        "period": {"kind": period.kind, "start": period.start.isoformat(), "end": period.end.isoformat(),
                   "as_of": period.as_of.isoformat()},
        "computed_at": timezone.now().isoformat(),
        "basics": basics(period),
        "problems": problems(period),
        "measures": measures(period),
    }
