"""The provisional calendar of a year whose official notice is not in yet.

The State Council publishes each year's holiday arrangement late in the year before, and the
chinese_calendar package follows some weeks later. Work must not stop meanwhile: a deadline that
reaches such a year is counted on what the law already fixes, and marked provisional until staff
enter the notice.

What the law fixes (《全国年节及纪念日放假办法》, as amended in 2024): the days off of the seven
national holidays — 元旦 (1 January), 春节 (New Year's Eve and the first three days of the first
lunar month), 清明节 (the Qingming solar term), 劳动节 (1 and 2 May), 端午节 (the fifth day of the
fifth lunar month), 中秋节 (the fifteenth day of the eighth lunar month) and 国庆节 (1 to 3
October) — and that a holiday falling on a Saturday or Sunday is made up on the next working day
(补假). The make-up working days (调休上班) that lengthen some holidays are decided each year and
cannot be foreseen: the provisional calendar has none.
"""

from __future__ import annotations

import functools
from datetime import date, timedelta

ONE_DAY = timedelta(days=1)
# The lunar tables of the lunardate package.
FIRST_YEAR, LAST_YEAR = 1901, 2099


def _lunar(year: int, month: int, day: int) -> date:
    from lunardate import LunarDate

    return LunarDate(year, month, day).to_solar_date()


def _qingming(year: int) -> date:
    from chinese_calendar import get_solar_terms

    for day, name in get_solar_terms(date(year, 4, 1), date(year, 4, 10)):
        if name == "清明":
            return day
    return date(year, 4, 5)  # the term always falls on 4 to 6 April


def statutory_holidays(year: int) -> list[tuple[str, list[date]]]:
    """The national holidays of `year` and their legal days off, as (name, days), in date order."""
    festivals = [
        ("元旦", [date(year, 1, 1)]),
        ("清明节", [_qingming(year)]),
        ("劳动节", [date(year, 5, 1), date(year, 5, 2)]),
        ("国庆节", [date(year, 10, 1) + timedelta(days=k) for k in range(3)]),
    ]
    if FIRST_YEAR <= year <= LAST_YEAR:  # beyond the lunar tables, the solar holidays only
        spring = _lunar(year, 1, 1)
        festivals += [
            ("春节", [spring - ONE_DAY + timedelta(days=k) for k in range(4)]),
            ("端午节", [_lunar(year, 5, 5)]),
            ("中秋节", [_lunar(year, 8, 15)]),
        ]
    return sorted(festivals, key=lambda festival: festival[1][0])


@functools.lru_cache(maxsize=64)
def provisional_days_off(year: int) -> dict[date, str]:
    """The weekdays off of `year` by the law alone: each holiday on a weekday, and for each holiday
    day on a weekend the next weekday not already off (补假). {date: name}"""
    off: dict[date, str] = {}
    festivals = statutory_holidays(year)
    legal = {day for _name, days in festivals for day in days}
    for name, days in festivals:
        weekend_days = 0
        for day in days:
            if day.weekday() < 5:
                off.setdefault(day, name)
            elif day not in off:
                weekend_days += 1
        day = days[-1]
        while weekend_days:
            day += ONE_DAY
            if day.weekday() < 5 and day not in off and day not in legal:
                off[day] = f"{name}补假"
                weekend_days -= 1
    return off


def is_provisional_workday(day: date) -> bool:
    """Whether `day` is a working day on the provisional calendar of its year."""
    return day.weekday() < 5 and day not in provisional_days_off(day.year)
