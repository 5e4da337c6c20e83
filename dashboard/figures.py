"""Reads for the leaders' campaign dashboard and the cadre's "my month" page.

Both compute everything live from the same selectors the reports use, in a fixed number of
queries whatever the size of the district.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from django.db.models import Count, F, Q
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _

from appeals.models import OPEN_STATUSES
from appeals.selectors import AppealMetrics, appeal_list, appeal_metrics, appeal_metrics_by, appeal_metrics_by_month
from liaison.models import Assignment, Cadre, Notification, User, Visit
from liaison.selectors import (
    UnitCompliance,
    annotate_contacted,
    month_bounds,
    overall_compliance,
    overall_compliance_of_months,
    unit_compliance,
)
from meetings.selectors import campaign_meeting_figures
from policies.models import Delivery, DeliveryStatus
from reports.charts import CLOSURE_COLOR, COMPLIANCE_COLOR, Bar, Series, bar_chart, line_chart

LAGGING_UNITS = 5
NOTIFICATION_LIMIT = 20
TREND_MONTHS = 12
CHART_UNITS = 12


@dataclass(frozen=True)
class CampaignDashboard:
    year: int | None
    month: date
    cadres_paired: int
    meetings: dict
    appeals: AppealMetrics
    compliance: UnitCompliance
    lagging_units: list[UnitCompliance]
    deliveries: dict

    @property
    def leaders(self) -> int:
        return self.meetings["district_leaders"] + self.meetings["division_leaders"]


def delivery_figures(*, year: int | None = None, start: date | None = None, end: date | None = None) -> dict:
    """Policy deliveries created in `year`, from `start` to `end` (local dates), or ever: in all,
    delivered, informed, and the policies and enterprises delivered. One query."""
    deliveries = Delivery.objects.all()
    if year:
        deliveries = deliveries.filter(created_at__year=year)
    if start:
        deliveries = deliveries.filter(created_at__date__gte=start)
    if end:
        deliveries = deliveries.filter(created_at__date__lte=end)
    return deliveries.aggregate(
        total=Count("id"),
        delivered=Count("id", filter=Q(status=DeliveryStatus.DELIVERED)),
        informed=Count("id", filter=Q(status=DeliveryStatus.INFORMED)),
        policies=Count("policy", distinct=True, filter=Q(status=DeliveryStatus.DELIVERED)),
        enterprises=Count("enterprise", distinct=True, filter=Q(status=DeliveryStatus.DELIVERED)),
    )


def campaign_dashboard(*, today: date, year: int | None = None) -> CampaignDashboard:
    """The campaign's headline figures, for the campaign so far or for one year.

    Pairings and monthly contact are as of today (this month); meetings, appeals (by the year they
    were raised) and deliveries (by the year they were created) follow `year` when given.
    """
    month = today.replace(day=1)
    start, end = (date(year, 1, 1), date(year, 12, 31)) if year else (date.min, today)
    delivery_counts = delivery_figures(year=year)
    units = [row for row in unit_compliance(month) if row.due]
    lagging = sorted(units, key=lambda row: (row.rate, row.unit_name))[:LAGGING_UNITS]
    return CampaignDashboard(
        year=year,
        month=month,
        cadres_paired=Assignment.objects.active().count(),
        meetings=campaign_meeting_figures(year),
        appeals=appeal_metrics(start, end),
        compliance=overall_compliance(month),
        lagging_units=lagging,
        deliveries=delivery_counts,
    )


@dataclass(frozen=True)
class DashboardCharts:
    trend: SafeString  # contact rate and closure rate by month
    categories: SafeString  # appeals by category: share of all, with the count
    units: SafeString  # closure rate of the units with the most appeals


def _months_back(month: date, count: int) -> list[date]:
    months = [month]
    while len(months) < count:
        first = months[0]
        months.insert(0, first.replace(year=first.year - 1, month=12) if first.month == 1 else first.replace(
            month=first.month - 1))
    return months


def campaign_charts(*, today: date, year: int | None = None) -> DashboardCharts:
    """The dashboard's three charts, drawn on the server as the bulletin's are (plain SVG).

    The trend covers the twelve months to this one (or the months of `year` so far): the monthly
    contact rate of that month, and the closure rate of the appeals raised in it. The bars count the
    appeals raised in the period (the campaign to date, or `year`). Four queries."""
    this_month = today.replace(day=1)
    if year:
        months = [date(year, m, 1) for m in range(1, 13) if date(year, m, 1) <= this_month]
        start, end = date(year, 1, 1), min(date(year, 12, 31), today)
    else:
        months = _months_back(this_month, TREND_MONTHS)
        start, end = date.min, today
    contact = overall_compliance_of_months(months)
    closure = appeal_metrics_by_month(months[0], month_bounds(months[-1])[1]) if months else {}
    labels = [f"{m.month}月" if m.month != 1 or len(months) <= 1 else f"{m:%y}年1月" for m in months]
    trend = line_chart(
        labels,
        [
            Series(_("Contact rate"), [contact[m].rate for m in months], COMPLIANCE_COLOR),
            Series(_("Closure rate of the month's appeals"),
                   [closure[m].closure_rate if m in closure else None for m in months], CLOSURE_COLOR),
        ],
        title=_("Monthly contact and appeal closure by month"),
    )

    by_category = appeal_metrics_by("category", start, end)
    total = sum(metrics.total for _id, _name, metrics in by_category)
    category_bars = [
        Bar(name, metrics.total / total if total else None, _("%(n)s appeals") % {"n": metrics.total})
        for _id, name, metrics in sorted(by_category, key=lambda row: (-row[2].total, row[1]))
    ]
    categories = bar_chart(category_bars, title=_("Appeals by category (share of all appeals raised)"))

    by_unit = sorted(appeal_metrics_by("unit", start, end), key=lambda row: (-row[2].total, row[1]))[:CHART_UNITS]
    unit_bars = [
        Bar(name, metrics.closure_rate, f"{metrics.resolved}/{metrics.counted}") for _id, name, metrics in by_unit
    ]
    units = bar_chart(
        unit_bars,
        title=_("Closure rate of the %(n)s units with the most appeals (resolved/counted)") % {"n": CHART_UNITS},
    )
    return DashboardCharts(trend=trend, categories=categories, units=units)


@dataclass
class MyMonth:
    cadre: Cadre
    month: date
    pairings: list[Assignment]
    visits: list[Visit]
    appeals: list
    notifications: list[Notification]
    more_notifications: bool
    interviews: list

    @property
    def contacted_all(self) -> bool:
        due = [p for p in self.pairings if p.due]
        return bool(due) and all(p.contacted for p in due)


def my_month(*, user: User, cadre: Cadre, today: date) -> MyMonth:
    """A cadre's month: their pairings in force (contacted or not), visits, open appeals, unread
    reminders and open interview cases. Seven queries."""
    from reports.models import InterviewCase

    month = today.replace(day=1)
    first, last = month_bounds(month)
    cutoff = min(last, today)
    pairings = list(
        annotate_contacted(Assignment.objects.filter(cadre=cadre).active_during(first, cutoff), month)
        .select_related("enterprise__street")
        .order_by(F("ended_on").desc(nulls_first=True), "-started_on")
    )
    for pairing in pairings:
        # Due as the monthly rule counts it: in force on the month's last day (so far: today).
        pairing.due = pairing.started_on <= cutoff and (pairing.ended_on is None or pairing.ended_on >= cutoff)
        pairing.can_log = pairing.ended_on is None and cadre.active
    visits = list(
        Visit.objects.filter(cadre=cadre, date__gte=first, date__lte=last)
        .select_related("enterprise")
        .annotate(attachment_count=Count("attachments"))
        .order_by("-date", "-id")
    )
    appeals = list(
        appeal_list(viewer=user)
        .filter(Q(cadre=cadre) | Q(handler_cadre=cadre), status__in=OPEN_STATUSES)
        .order_by(F("deadline").asc(nulls_last=True), "id")
    )
    notes = list(
        Notification.objects.filter(user=user, read_at__isnull=True).order_by("-created_at", "-id")[
            : NOTIFICATION_LIMIT + 1
        ]
    )
    interviews = list(InterviewCase.objects.filter(cadre=cadre, held_on__isnull=True).order_by("opened_week", "id"))
    return MyMonth(
        cadre=cadre,
        month=month,
        pairings=pairings,
        visits=visits,
        appeals=appeals,
        notifications=notes[:NOTIFICATION_LIMIT],
        more_notifications=len(notes) > NOTIFICATION_LIMIT,
        interviews=interviews,
    )
