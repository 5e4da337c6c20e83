"""Reads for the leaders' campaign dashboard and the cadre's "my month" page.

Both compute everything live from the same selectors the reports use, in a fixed number of
queries whatever the size of the district.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from django.db.models import Count, F, Q

from appeals.models import OPEN_STATUSES
from appeals.selectors import AppealMetrics, appeal_list, appeal_metrics
from liaison.models import Assignment, Cadre, Notification, User, Visit
from liaison.selectors import UnitCompliance, annotate_contacted, month_bounds, overall_compliance, unit_compliance
from meetings.selectors import campaign_meeting_figures
from policies.models import Delivery, DeliveryStatus

LAGGING_UNITS = 5
NOTIFICATION_LIMIT = 20


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


def campaign_dashboard(*, today: date, year: int | None = None) -> CampaignDashboard:
    """The campaign's headline figures, for the campaign so far or for one year.

    Pairings and monthly contact are as of today (this month); meetings, appeals (by the year they
    were raised) and deliveries (by the year they were created) follow `year` when given.
    """
    month = today.replace(day=1)
    start, end = (date(year, 1, 1), date(year, 12, 31)) if year else (date.min, today)
    deliveries = Delivery.objects.all()
    if year:
        deliveries = deliveries.filter(created_at__year=year)
    delivery_counts = deliveries.aggregate(
        total=Count("id"),
        delivered=Count("id", filter=Q(status=DeliveryStatus.DELIVERED)),
        informed=Count("id", filter=Q(status=DeliveryStatus.INFORMED)),
        policies=Count("policy", distinct=True, filter=Q(status=DeliveryStatus.DELIVERED)),
        enterprises=Count("enterprise", distinct=True, filter=Q(status=DeliveryStatus.DELIVERED)),
    )
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
