"""The leaders' campaign dashboard and the cadre's "my month" page."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import render
from django.utils.translation import gettext as _

from dashboard import figures as dashboard
from liaison import permissions, selectors


def can_view_dashboard(user) -> bool:
    """Leaders, task-force staff and administrators: the campaign as a whole."""
    return permissions.sees_everything(user)


@login_required
def campaign_dashboard(request):
    """The campaign's headline figures, computed live (`?year=` narrows meetings, appeals, deliveries)."""
    if not can_view_dashboard(request.user):
        raise PermissionDenied(_("The campaign dashboard is for leaders and the task force."))
    today = selectors.today()
    year = request.GET.get("year") or None
    if year is not None:
        if not year.isdigit() or not 1 <= int(year) <= today.year:
            raise Http404("bad year")
        year = int(year)
    return render(
        request,
        "dashboard/campaign.html",
        {
            "figures": dashboard.campaign_dashboard(today=today, year=year),
            "charts": dashboard.campaign_charts(today=today, year=year),
            "today": today,
            "years": [today.year, today.year - 1],
        },
    )


@login_required
def my_month(request):
    """For a cadre: this month's enterprises, visits, open appeals, reminders and interview cases."""
    cadre = getattr(request.user, "cadre", None)
    if cadre is None:
        raise PermissionDenied(_("This page is for cadres: your login is not linked to a cadre."))
    today = selectors.today()
    return render(
        request,
        "dashboard/my_month.html",
        {"mine": dashboard.my_month(user=request.user, cadre=cadre, today=today), "today": today},
    )
