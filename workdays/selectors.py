"""Reads of the working-day calendar for its page."""

from __future__ import annotations

from django.db.models import QuerySet

from workdays.models import CalendarDay, CalendarYear


def calendar_year_get(*, year: int) -> CalendarYear | None:
    return CalendarYear.objects.filter(year=year).first()


def calendar_day_list(*, year: int) -> QuerySet[CalendarDay]:
    return CalendarDay.objects.filter(date__year=year).order_by("date")


def calendar_year_list() -> QuerySet[CalendarYear]:
    return CalendarYear.objects.order_by("-year")
