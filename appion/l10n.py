"""Numbers for people who read Bengali."""

from datetime import datetime, time

from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import get_language

BENGALI_DIGITS = str.maketrans("0123456789", "০১২৩৪৫৬৭৮৯")


def local_digits(value, language=None):
    """`value` as text, with Bengali digits when `language` (by default the active
    language) is Bengali; unchanged otherwise. None and "" stay empty."""
    if value is None:
        return ""
    text = str(value)
    if (language or get_language() or "").startswith("bn"):
        return text.translate(BENGALI_DIGITS)
    return text


def local_date(value, format_string):
    """A date or time formatted like the `date` filter in the active language (aware
    datetimes in the local time zone), with that language's digits."""
    if isinstance(value, datetime):
        value = timezone.localtime(value)
    return local_digits(date_format(value, format_string))


# How a Bangladeshi reader names the part of the day: (first hour, name).
BENGALI_DAY_PARTS = (
    (0, "রাত"),
    (4, "ভোর"),
    (6, "সকাল"),
    (12, "দুপুর"),
    (15, "বিকাল"),
    (18, "সন্ধ্যা"),
    (20, "রাত"),
)


def spoken_time(value, language=None):
    """A time (or an aware datetime, read in Dhaka) as people say it: in Bengali on the
    12-hour clock after the part of the day, "সকাল ৯:০০", "সন্ধ্যা ৬:৩০", "রাত ১২:১৫";
    in English the 24-hour "09:00" the pages use."""
    if isinstance(value, datetime):
        value = timezone.localtime(value).time()
    if not isinstance(value, time):
        return local_digits(value, language)
    if not (language or get_language() or "").startswith("bn"):
        return f"{value:%H:%M}"
    part = next(name for first, name in reversed(BENGALI_DAY_PARTS) if value.hour >= first)
    hour = value.hour % 12 or 12
    return local_digits(f"{part} {hour}:{value:%M}", "bn")
