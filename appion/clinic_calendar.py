"""The clinic's calendar, said once: every app asks this module what a day, a week and a
month are, so that they agree.

- Days are Asia/Dhaka days (the site's time zone, which has no daylight saving time),
  whatever language or time zone a request has activated.
- The week starts on Saturday, as a Bangladeshi week runs (Friday is the weekend); the
  usual working week is Saturday to Thursday.
- Business hours (APPION_BUSINESS_HOURS, checked at start-up by settings) are read here.

Weekdays are numbered as Python's date.weekday(): Monday 0 … Sunday 6.
"""

from datetime import date, datetime, time, timedelta

from django.conf import settings
from django.utils import timezone

SATURDAY = 5
FRIDAY = 4
# Saturday first, as a Bangladeshi week runs.
WEEK_ORDER = (5, 6, 0, 1, 2, 3, 4)
# Saturday to Thursday: a chamber's usual working days.
WORKING_WEEK = tuple(day for day in WEEK_ORDER if day != FRIDAY)


def tz():
    """The site's time zone (Asia/Dhaka)."""
    return timezone.get_default_timezone()


def today() -> date:
    """Today in Dhaka."""
    return timezone.localdate(timezone=tz())


def local_day(moment: datetime) -> date:
    """The Dhaka day of `moment`; a naive moment is read as Dhaka time."""
    if timezone.is_naive(moment):
        return moment.date()
    return timezone.localtime(moment, tz()).date()


def at(day: date, clock: time = time.min) -> datetime:
    """The aware instant of `clock` on `day` in Dhaka."""
    return datetime.combine(day, clock, tzinfo=tz())


def window(first: date, last: date | None = None) -> tuple[datetime, datetime]:
    """[since, until): the aware instants covering the Dhaka days `first` to `last`
    (inclusive; `last` defaults to `first`), for `start__gte=since, start__lt=until`."""
    last = first if last is None else last
    return at(first), at(last + timedelta(days=1))


def week_start(day: date) -> date:
    """The Saturday on or before `day`: the first day of its week."""
    return day - timedelta(days=(day.weekday() - SATURDAY) % 7)


def week_position(day: date) -> int:
    """0 for Saturday … 6 for Friday: the place of `day` in its week."""
    return WEEK_ORDER.index(day.weekday())


def month_start(day: date) -> date:
    return day.replace(day=1)


def next_month(day: date) -> date:
    """The first day of the month after `day`'s."""
    return (day.replace(day=28) + timedelta(days=4)).replace(day=1)


def month_end(day: date) -> date:
    """The last day of `day`'s month."""
    return next_month(day) - timedelta(days=1)


def months(first: date, after: date) -> list[date]:
    """The first days of the months from `first`'s up to, not including, `after`'s."""
    found, month = [], month_start(first)
    while month < after:
        found.append(month)
        month = next_month(month)
    return found


def whole_months(first: date, last: date) -> tuple[date, date]:
    """[start, after): the calendar months wholly inside first…last (start == after when
    there is none)."""
    start = first if first.day == 1 else next_month(first)
    after = last + timedelta(days=1)
    if after.day != 1:
        after = month_start(after)
    return start, max(start, after)


def business_hours() -> tuple[time, time]:
    """The site's opening hours (APPION_BUSINESS_HOURS, "HH:MM-HH:MM", validated by
    settings at start-up)."""
    opening, closing = settings.APPION_BUSINESS_HOURS.split("-")
    return time.fromisoformat(opening), time.fromisoformat(closing)
