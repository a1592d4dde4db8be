"""Numbers for people who read Bengali."""

from datetime import datetime

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
