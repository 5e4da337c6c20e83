"""The calendar page: task-force staff enter and publish the official holiday calendar; leaders read it."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from liaison.selectors import today
from liaison.web.common import add_service_errors, style_form
from workdays import permissions, selectors, services
from workdays.forms import CalendarDayForm, CalendarYearPublishForm
from workdays.models import MAX_YEAR, MIN_YEAR, CalendarDay, DayKind, Source
from workdays.provisional import provisional_days_off


def _year_from(value: str | None) -> int:
    if not value:
        return today().year
    try:
        year = int(value)
    except (TypeError, ValueError) as exc:
        raise Http404("bad year") from exc
    if not MIN_YEAR <= year <= MAX_YEAR:
        raise Http404("year out of range")
    return year


def _year_url(year: int) -> str:
    return f"{reverse('calendar')}?year={year}"


def _require_view(user) -> None:
    if not permissions.can_view_calendar(user):
        raise PermissionDenied(_("The working-day calendar is for task-force staff and leaders."))


def _require_manage(user) -> None:
    if not permissions.can_manage_calendar(user):
        raise PermissionDenied(_("Only task-force staff can change the working-day calendar."))


@login_required
def calendar(request):
    """One year's holidays and make-up working days; staff add days here (POST)."""
    user = request.user
    _require_view(user)
    year = _year_from(request.GET.get("year"))
    form = CalendarDayForm(request.POST or None)
    if request.method == "POST":
        _require_manage(user)
        if form.is_valid():
            try:
                day = services.calendar_day_add(
                    year=year,
                    day=form.cleaned_data["date"],
                    kind=form.cleaned_data["kind"],
                    name=form.cleaned_data["name"],
                    acting_user=user,
                )
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                messages.success(
                    request, _("%(date)s %(name)s added.") % {"date": day.date.isoformat(), "name": day.name}
                )
                return redirect(_year_url(year))
    calendar_year = selectors.calendar_year_get(year=year)
    days = list(selectors.calendar_day_list(year=year))
    known_years = set(selectors.calendar_year_list().values_list("year", flat=True))
    this_year = today().year
    context = {
        "year": year,
        "calendar_year": calendar_year,
        "holidays": [d for d in days if d.kind == DayKind.HOLIDAY],
        "makeup_days": [d for d in days if d.kind == DayKind.WORKDAY],
        "years": sorted(known_years | {this_year, this_year + 1, year}, reverse=True),
        "form": style_form(form),
        "publish_form": style_form(
            CalendarYearPublishForm(initial={"notice": calendar_year.notice if calendar_year else ""})
        ),
        "can_manage": permissions.can_manage_calendar(user),
        "provisional_days": (
            [] if calendar_year and calendar_year.published else sorted(provisional_days_off(year).items())
        ),
        "staff_source": Source.STAFF,
        "prev_year": year - 1 if year > MIN_YEAR else None,
        "next_year": year + 1 if year < MAX_YEAR else None,
    }
    return render(request, "workdays/calendar.html", context)


@login_required
@require_POST
def calendar_day_delete(request, pk: int):
    _require_manage(request.user)
    day = get_object_or_404(CalendarDay, pk=pk)
    try:
        services.calendar_day_delete(day_id=day.pk, acting_user=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("%(date)s %(name)s deleted.") % {"date": day.date.isoformat(), "name": day.name})
    return redirect(_year_url(day.date.year))


@login_required
@require_POST
def calendar_year_publish(request, year: int):
    _require_manage(request.user)
    if not MIN_YEAR <= year <= MAX_YEAR:
        raise Http404("year out of range")
    form = CalendarYearPublishForm(request.POST)
    if not form.is_valid():
        messages.error(request, " ".join(str(e) for errors in form.errors.values() for e in errors))
        return redirect(_year_url(year))
    published = form.cleaned_data["published"]
    try:
        services.calendar_year_publish(
            year=year, published=published, notice=form.cleaned_data["notice"], acting_user=request.user
        )
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        if published:
            messages.success(request, _("The calendar of %(year)s is published; its working days now count. "
                                        "Deadlines counted provisionally are being counted again on it (see Jobs).")
                             % {"year": year})
        else:
            messages.warning(request, _("The calendar of %(year)s is withdrawn; working days in %(year)s count on "
                                        "the provisional calendar until it is published again.") % {"year": year})
    return redirect(_year_url(year))
