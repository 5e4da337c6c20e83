"""Reads on meetings: the list, the "三个一" check and the campaign's meeting figures."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date

import django_filters
from django import forms
from django.db.models import Count, Prefetch, QuerySet
from django.utils.translation import gettext_lazy as _

from liaison.models import Assignment, Cadre, Rank, User
from meetings.models import Countermeasure, Meeting, MeetingEnterprise, MeetingIssue, MeetingKind

LEADER_RANKS = (Rank.DISTRICT, Rank.DIVISION)


class YearFilter(django_filters.NumberFilter):
    """A whole year a date can have (1 to 9999): `year=0` or a huge number is a 400, not a 500."""

    field_class = forms.IntegerField

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("min_value", 1)
        kwargs.setdefault("max_value", 9999)
        super().__init__(*args, **kwargs)


class MeetingFilter(django_filters.FilterSet):
    kind = django_filters.ChoiceFilter(label=_("Kind"), choices=MeetingKind.choices)
    year = YearFilter(label=_("Year"), field_name="date", lookup_expr="year")

    class Meta:
        model = Meeting
        fields = ["kind", "year"]


def meeting_list(*, viewer: User, filters: dict | None = None) -> QuerySet[Meeting]:
    """Every signed-in user reads every meeting; with the chair and counts joined, no query per row."""
    qs = (
        Meeting.objects.select_related("chair__unit")
        .annotate(
            participant_count=Count("participants", distinct=True),
            enterprise_count=Count("invitations", distinct=True),
            issue_count=Count("issues", distinct=True),
        )
        .order_by("-date", "-id")
    )
    return MeetingFilter(filters or {}, qs).qs


def meeting_detail_queryset() -> QuerySet[Meeting]:
    return Meeting.objects.select_related("chair__unit", "created_by").prefetch_related(
        Prefetch("participants", queryset=Cadre.objects.select_related("unit")),
        Prefetch("invitations", queryset=MeetingEnterprise.objects.select_related("enterprise")),
        Prefetch("issues", queryset=MeetingIssue.objects.select_related("enterprise", "category", "appeal")),
        Prefetch("countermeasures", queryset=Countermeasure.objects.prefetch_related("policies")),
    )


@dataclass
class ThreeOnesRow:
    cadre: Cadre
    enterprises: list = field(default_factory=list)  # the cadre's paired enterprises that year
    meetings: list = field(default_factory=list)  # the qualifying meetings

    @property
    def ok(self) -> bool:
        return bool(self.meetings)


def three_ones_check(year: int) -> list[ThreeOnesRow]:
    """Whether each leader met the third "one" in `year`: inviting an enterprise head to a solicitation meeting.

    The rule, as counted here:
    - leaders are the active cadres of rank "district" or "division";
    - a qualifying meeting is a solicitation meeting (征求意见会) held in `year` whose chair is a
      district-level leader (chair.rank == "district"); a meeting without a chair does not qualify;
    - the leader "invited" an enterprise head when they are a participant of a qualifying meeting
      that has at least one invited enterprise (MeetingEnterprise) which is the leader's own paired
      enterprise, i.e. one with a pairing in force for at least one day of `year`.
    An invitation of some other enterprise, a chair below district level, or a meeting in another
    year does not count. Four queries whatever the number of leaders.
    """
    start, end = date(year, 1, 1), date(year, 12, 31)
    leaders = list(
        Cadre.objects.filter(rank__in=LEADER_RANKS, active=True)
        .select_related("unit")
        .order_by("rank", "unit__name", "name", "id")
    )
    rows = {cadre.pk: ThreeOnesRow(cadre=cadre) for cadre in leaders}
    paired: dict[int, set[int]] = defaultdict(set)
    for pairing in Assignment.objects.active_during(start, end).filter(cadre_id__in=rows).select_related("enterprise"):
        paired[pairing.cadre_id].add(pairing.enterprise_id)
        if pairing.enterprise not in rows[pairing.cadre_id].enterprises:
            rows[pairing.cadre_id].enterprises.append(pairing.enterprise)
    meetings = {
        m.pk: m
        for m in Meeting.objects.filter(
            kind=MeetingKind.SOLICITATION, date__range=(start, end), chair__rank=Rank.DISTRICT
        ).prefetch_related("invitations")
    }
    invited = {pk: {inv.enterprise_id for inv in m.invitations.all()} for pk, m in meetings.items()}
    through = Meeting.participants.through.objects.filter(meeting_id__in=meetings, cadre_id__in=rows)
    for meeting_id, cadre_id in through.values_list("meeting_id", "cadre_id").order_by("meeting_id"):
        if paired[cadre_id] & invited[meeting_id]:
            rows[cadre_id].meetings.append(meetings[meeting_id])
    return list(rows.values())


def campaign_meeting_figures(year: int | None = None, *, start: date | None = None, end: date | None = None) -> dict:
    """The meeting figures of the campaign report, for `year`, for the days from `start` to `end`, or
    for all time.

    meetings: meetings held, in all and by kind; district_leaders / division_leaders: distinct
    cadres of that rank among the participants; entrepreneurs: invited enterprise representatives
    (one per MeetingEnterprise row); issues: issues collected; countermeasures: countermeasures proposed
    (whatever their later status).
    """
    meetings = Meeting.objects.all()
    if year is not None:
        meetings = meetings.filter(date__year=year)
    if start is not None:
        meetings = meetings.filter(date__gte=start)
    if end is not None:
        meetings = meetings.filter(date__lte=end)
    by_kind = {kind: 0 for kind in MeetingKind.values}
    for row in meetings.order_by().values("kind").annotate(n=Count("id")):
        by_kind[row["kind"]] = row["n"]
    participants = Cadre.objects.filter(meetings__in=meetings).order_by()
    return {
        "year": year,
        "meetings": sum(by_kind.values()),
        "meetings_by_kind": by_kind,
        "district_leaders": participants.filter(rank=Rank.DISTRICT).values("id").distinct().count(),
        "division_leaders": participants.filter(rank=Rank.DIVISION).values("id").distinct().count(),
        "entrepreneurs": MeetingEnterprise.objects.filter(meeting__in=meetings).count(),
        "issues": MeetingIssue.objects.filter(meeting__in=meetings).count(),
        "countermeasures": Countermeasure.objects.filter(meeting__in=meetings).count(),
    }
