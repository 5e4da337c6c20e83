"""Working-day arithmetic on the official PRC calendar, and every write to that calendar.

The arithmetic reads a process-wide snapshot of the whole calendar (a few hundred rows), loaded in
two queries and reused until the calendar changes. A change clears this process's snapshot at once
and replaces a stamp in Django's cache; other processes compare that stamp (at most every
STAMP_CHECK_INTERVAL_SECONDS) and reload. The stamp is replaced again on commit, so that no process
keeps what it read before the change was visible to it.

A date in a year without a published calendar is counted on that year's provisional calendar
(workdays.provisional: weekends and the national holidays the law fixes, with their make-up days
off), so that work never stops for want of a notice; `span_is_provisional` tells whether a count
touched such a year, so that the result can be marked provisional and counted again when staff
publish the year.
"""

from __future__ import annotations

import logging
import time
import uuid
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING

from django.core.cache import cache
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, connection, transaction
from django.dispatch import Signal
from django.utils.translation import gettext as _

from workdays import permissions
from workdays.models import CalendarDay, CalendarYear, DayKind, Source
from workdays.provisional import is_provisional_workday

if TYPE_CHECKING:
    from liaison.models import User

logger = logging.getLogger(__name__)

ONE_DAY = timedelta(days=1)
# Changes made in this process are seen at once; other processes' changes within this many seconds.
STAMP_CHECK_INTERVAL_SECONDS = 2.0
# A safety net only: changes are noticed through the stamp long before this.
SNAPSHOT_MAX_AGE_SECONDS = 600
STAMP_KEY_PREFIX = "workdays:calendar-stamp:"

# Sent after staff publish or withdraw a year, change a published year's days, or years are synced
# from the package: figures counted provisionally may now be counted on the official calendar.
# Arguments: `years` (the years that changed) and `acting_user` (None for a command or migration).
# Receivers run inside the change's transaction; they should act on commit.
official_calendar_changed = Signal()


def _changed(years, acting_user) -> None:
    official_calendar_changed.send(sender=CalendarYear, years=sorted(set(years)), acting_user=acting_user)


# --- The snapshot -----------------------------------------------------------------------------


@dataclass(frozen=True)
class _Snapshot:
    stamp: str | None
    loaded_at: float
    published_years: frozenset[int]
    holidays: frozenset[date]
    workdays: frozenset[date]

    def is_workday(self, day: date) -> bool:
        if day.year not in self.published_years:
            return is_provisional_workday(day)
        if day in self.workdays:
            return True
        if day in self.holidays:
            return False
        return day.weekday() < 5


_snapshot_current: _Snapshot | None = None
_stamp_checked_at = 0.0


def _stamp_key() -> str:
    # One stamp per database, so that deployments or test runs sharing a Redis do not disturb each other.
    return STAMP_KEY_PREFIX + str(connection.settings_dict.get("NAME"))


def _shared_stamp() -> str | None:
    try:
        key = _stamp_key()
        stamp = cache.get(key)
        if stamp is None:
            # Never compare against "missing": an evicted stamp must look like a change.
            cache.add(key, uuid.uuid4().hex, timeout=None)
            stamp = cache.get(key)
        return stamp
    except Exception:  # the calendar must keep working while the cache is down
        logger.warning("Cannot read the working-day calendar stamp from the cache", exc_info=True)
        return None


def _load(stamp: str | None) -> _Snapshot:
    published = frozenset(CalendarYear.objects.filter(published=True).values_list("year", flat=True))
    holidays, workdays = set(), set()
    for day, kind in CalendarDay.objects.values_list("date", "kind"):
        (holidays if kind == DayKind.HOLIDAY else workdays).add(day)
    return _Snapshot(stamp, time.monotonic(), published, frozenset(holidays), frozenset(workdays))


def _snapshot() -> _Snapshot:
    global _snapshot_current, _stamp_checked_at
    current = _snapshot_current
    now = time.monotonic()
    if current is not None and now - current.loaded_at < SNAPSHOT_MAX_AGE_SECONDS:
        # A round trip to the cache costs about as much as the arithmetic of a whole page of
        # deadlines, so other processes' changes are looked for at most every few seconds.
        if now - _stamp_checked_at < STAMP_CHECK_INTERVAL_SECONDS:
            return current
        stamp = _shared_stamp()
        _stamp_checked_at = now
        if stamp == current.stamp:
            return current
    else:
        stamp = _shared_stamp()  # read before loading: a change in between only causes one more load
        _stamp_checked_at = now
    current = _load(stamp)
    _snapshot_current = current
    return current


def calendar_cache_clear() -> None:
    """Forget the calendar in this process and make every other process reload it."""
    global _snapshot_current
    _snapshot_current = None
    try:
        cache.set(_stamp_key(), uuid.uuid4().hex, timeout=None)
    except Exception:
        logger.warning("Cannot replace the working-day calendar stamp in the cache", exc_info=True)


def _check_date(value) -> None:
    if isinstance(value, datetime) or not isinstance(value, date):
        raise TypeError(f"A date is needed, not {type(value).__name__}: use timezone.localdate() for today.")


# --- Arithmetic -------------------------------------------------------------------------------


def is_workday(day: date) -> bool:
    """Whether `day` is a working day on the official calendar."""
    _check_date(day)
    return _snapshot().is_workday(day)


def add_workdays(start: date, n: int) -> date:
    """The n-th working day strictly after `start`; `start` itself when n is 0."""
    _check_date(start)
    if n < 0:
        raise ValueError("n must be zero or more working days")
    if n == 0:
        return start
    snapshot = _snapshot()
    day = start
    while n:
        day += ONE_DAY
        if snapshot.is_workday(day):
            n -= 1
    return day


def workdays_between(start: date, end: date) -> int:
    """How many working days d satisfy start < d <= end; 0 when end is not after start."""
    _check_date(start)
    _check_date(end)
    if end <= start:
        return 0
    snapshot = _snapshot()
    return sum(snapshot.is_workday(start + timedelta(days=k)) for k in range(1, (end - start).days + 1))


def next_workday(day: date) -> date:
    """`day` itself when it is a working day, else the first working day after it."""
    _check_date(day)
    snapshot = _snapshot()
    while not snapshot.is_workday(day):
        day += ONE_DAY
    return day


def year_is_covered(year: int) -> bool:
    """Whether the official calendar of `year` is published (else its days count provisionally)."""
    return year in _snapshot().published_years


def provisional_years(start: date, end: date) -> list[int]:
    """The years from `start` to `end` (either order) whose days count on the provisional calendar."""
    _check_date(start)
    _check_date(end)
    low, high = sorted((start.year, end.year))
    published = _snapshot().published_years
    return [year for year in range(low, high + 1) if year not in published]


def span_is_provisional(start: date, end: date) -> bool:
    """Whether a count of working days between `start` and `end` touched a provisional year."""
    return bool(provisional_years(start, end))


# --- Seeding from the chinese_calendar package ------------------------------------------------

# The package names some festivals by their short form.
_FESTIVAL_NAMES = {"清明": "清明节", "端午": "端午节", "中秋": "中秋节"}


def _package_version() -> str:
    import chinese_calendar

    return getattr(chinese_calendar, "__version__", "")


def package_years() -> list[int]:
    """The years the installed chinese_calendar package has data for."""
    from chinese_calendar import constants

    return sorted({d.year for d in constants.holidays} | {d.year for d in constants.workdays})


def package_days(year: int) -> dict[date, tuple[str, str]]:
    """The package's exceptions in `year` as {date: (kind, name)}; weekend days off are not exceptions."""
    from chinese_calendar import constants

    def festival(value: str) -> str:
        chinese = constants.Holiday(value).chinese
        return _FESTIVAL_NAMES.get(chinese, chinese)

    days = {}
    for day, value in constants.holidays.items():
        if day.year == year and day.weekday() < 5:
            days[day] = (DayKind.HOLIDAY.value, festival(value))
    for day, value in constants.workdays.items():
        if day.year == year and day.weekday() >= 5:
            days[day] = (DayKind.WORKDAY.value, f"{festival(value)}调休上班")
    return days


def _save(instance, acting_user) -> None:
    instance._history_user = acting_user
    instance.save()


def sync_years_from_package(*, year_model, day_model, years=None, acting_user=None) -> dict:
    """The sync itself, on the models given: the real ones, or a migration's historical ones."""
    available = package_years()
    wanted_years = sorted(set(years)) if years is not None else available
    version = _package_version()
    counts = {
        "years": 0,
        "years_created": 0,
        "years_kept_staff": 0,
        "days_created": 0,
        "days_updated": 0,
        "days_deleted": 0,
        "days_kept_staff": 0,
        "years_not_in_package": [y for y in wanted_years if y not in available],
        "years_synced": [],
    }
    for year in wanted_years:
        if year not in available:
            continue
        counts["years"] += 1
        counts["years_synced"].append(year)
        notice = f"国务院办公厅关于{year}年部分节假日安排的通知（系统内置数据，{version} 版）"
        calendar_year = year_model.objects.select_for_update().filter(year=year).first()
        if calendar_year is None:
            calendar_year = year_model(year=year, published=True, source=Source.PACKAGE.value, notice=notice)
            _save(calendar_year, acting_user)
            counts["years_created"] += 1
        elif calendar_year.source != Source.PACKAGE:
            # Staff took the year over (for example unpublished it): their decision stands.
            counts["years_kept_staff"] += 1
        elif not calendar_year.published or calendar_year.notice != notice:
            calendar_year.published, calendar_year.notice = True, notice
            _save(calendar_year, acting_user)

        wanted = package_days(year)
        existing = {row.date: row for row in day_model.objects.select_for_update().filter(date__year=year)}
        for day, (kind, name) in sorted(wanted.items()):
            row = existing.get(day)
            if row is None:
                _save(day_model(date=day, kind=kind, name=name, source=Source.PACKAGE.value), acting_user)
                counts["days_created"] += 1
            elif row.source != Source.PACKAGE:
                counts["days_kept_staff"] += 1
            elif (row.kind, row.name) != (kind, name):
                row.kind, row.name = kind, name
                _save(row, acting_user)
                counts["days_updated"] += 1
        for day, row in existing.items():
            if row.source == Source.PACKAGE and day not in wanted:
                row._history_user = acting_user
                row.delete()
                counts["days_deleted"] += 1
    return counts


@transaction.atomic
def calendar_sync_from_package(*, years=None, acting_user: User | None = None) -> dict:
    """Fill or refresh `years` (default: all the package has) from chinese_calendar; staff rows are never touched.

    Returns counts: years, years_created, years_kept_staff, days_created, days_updated,
    days_deleted, days_kept_staff, and the lists years_not_in_package and years_synced.
    """
    counts = sync_years_from_package(
        year_model=CalendarYear, day_model=CalendarDay, years=years, acting_user=acting_user
    )
    calendar_cache_clear()
    if counts["years_synced"]:
        _changed(counts["years_synced"], acting_user)
    return counts


# --- Staff edits ------------------------------------------------------------------------------


def _require_manager(user: User) -> None:
    if not permissions.can_manage_calendar(user):
        raise PermissionDenied(_("Only task-force staff can change the working-day calendar."))


def _ensure_year(year: int, acting_user: User) -> CalendarYear:
    calendar_year = CalendarYear.objects.select_for_update().filter(year=year).first()
    if calendar_year is None:
        calendar_year = CalendarYear(year=year, published=False, source=Source.STAFF)
        calendar_year.full_clean()
        _save(calendar_year, acting_user)
    return calendar_year


@transaction.atomic
def calendar_day_add(*, year: int, day: date, kind: str, name: str, acting_user: User) -> CalendarDay:
    """Enter a holiday or make-up working day of `year` by hand; the year is created unpublished if new."""
    _require_manager(acting_user)
    if day.year != year:
        raise ValidationError(
            {"date": _("%(date)s is not in %(year)s, the year being edited.") % {"date": day, "year": year}}
        )
    _ensure_year(year, acting_user)
    existing = CalendarDay.objects.filter(date=day).first()
    if existing is not None:
        raise ValidationError(
            {
                "date": _("%(date)s is already in the calendar as “%(name)s” (%(kind)s).")
                % {"date": day, "name": existing.name, "kind": existing.get_kind_display()}
            }
        )
    row = CalendarDay(date=day, kind=kind, name=name.strip(), source=Source.STAFF)
    row.full_clean(validate_unique=False)
    try:
        with transaction.atomic():
            _save(row, acting_user)
    except IntegrityError as exc:  # someone entered the same date a moment ago
        raise ValidationError({"date": _("%(date)s is already in the calendar.") % {"date": day}}) from exc
    if CalendarYear.objects.filter(year=year, published=True).exists():
        _changed([year], acting_user)
    return row


@transaction.atomic
def calendar_day_delete(*, day_id: int, acting_user: User) -> CalendarDay:
    """Remove a day staff entered; the package's days are corrected by a newer package, not here."""
    _require_manager(acting_user)
    row = CalendarDay.objects.select_for_update().get(pk=day_id)
    if row.source != Source.STAFF:
        raise ValidationError(
            _("%(date)s comes from the chinese_calendar package; only days entered by staff can be deleted here.")
            % {"date": row.date}
        )
    row._history_user = acting_user
    row.delete()
    if CalendarYear.objects.filter(year=row.date.year, published=True).exists():
        _changed([row.date.year], acting_user)
    return row


@transaction.atomic
def calendar_year_publish(*, year: int, published: bool, notice: str, acting_user: User) -> CalendarYear:
    """Publish a year (its days then count) or withdraw it; publishing needs the notice it follows."""
    _require_manager(acting_user)
    calendar_year = CalendarYear.objects.select_for_update().filter(year=year).first() or CalendarYear(year=year)
    notice = notice.strip() or calendar_year.notice
    if published and not notice:
        raise ValidationError(
            {"notice": _("Give the title or number of the State Council notice before publishing %(year)s.")
             % {"year": year}}
        )
    calendar_year.published = published
    calendar_year.notice = notice
    # The year is now the staff's decision, which a later package sync leaves alone.
    calendar_year.source = Source.STAFF
    calendar_year.full_clean(validate_unique=False)
    _save(calendar_year, acting_user)
    _changed([year], acting_user)
    return calendar_year
