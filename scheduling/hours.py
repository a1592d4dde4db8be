"""Chamber hours as text: the original design's quick form `09:00-12:00,14:00-17:00`."""

import re
from datetime import time

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from scheduling.selectors import business_hours

RANGE = re.compile(r"^(\d{1,2}):(\d{2})\s*[-–]\s*(\d{1,2}):(\d{2})$")
BENGALI_DIGITS = str.maketrans("০১২৩৪৫৬৭৮৯", "0123456789")


def _minutes(value: time) -> int:
    return value.hour * 60 + value.minute


def parse_ranges(text: str) -> list[tuple[time, time]]:
    """Parse "09:00-12:00,14:00-17:00" into sorted (start, end) pairs. Raises
    ValidationError with one message per problem: bad format, an impossible time, end not
    after start, overlapping ranges."""
    text = (text or "").translate(BENGALI_DIGITS).strip()
    if not text:
        return []
    ranges, errors = [], []
    for part in (piece.strip() for piece in text.split(",")):
        match = RANGE.match(part)
        if not match:
            errors.append(
                _("“%(part)s” is not a time range like 09:00-12:00.") % {"part": part or ","}
            )
            continue
        h1, m1, h2, m2 = (int(group) for group in match.groups())
        if h1 > 23 or h2 > 23 or m1 > 59 or m2 > 59:
            errors.append(_("“%(part)s” has an impossible time.") % {"part": part})
            continue
        start = time(h1, m1)
        end = time(h2, m2)
        if end <= start:
            errors.append(_("In “%(part)s” the end is not after the start.") % {"part": part})
            continue
        ranges.append((start, end))
    if errors:
        raise ValidationError(errors)
    ranges.sort()
    for (start_a, end_a), (start_b, end_b) in zip(ranges, ranges[1:], strict=False):
        if start_b < end_a:
            raise ValidationError(
                _("The ranges %(a)s and %(b)s overlap.")
                % {"a": format_range(start_a, end_a), "b": format_range(start_b, end_b)}
            )
    return ranges


OUTSIDE_BUSINESS_HOURS = "outside_business_hours"


def check_ranges(ranges, slot_minutes: int) -> None:
    """Each range lies inside the site's business hours and holds at least one slot."""
    opening, closing = business_hours()
    errors = []
    for start, end in ranges:
        if start < opening or end > closing:
            errors.append(
                ValidationError(
                    _("%(range)s is outside the business hours %(hours)s.")
                    % {"range": format_range(start, end), "hours": format_range(opening, closing)},
                    code=OUTSIDE_BUSINESS_HOURS,
                )
            )
        elif _minutes(end) - _minutes(start) < slot_minutes:
            errors.append(
                ngettext(
                    "%(range)s is shorter than one slot (%(minutes)s minute).",
                    "%(range)s is shorter than one slot (%(minutes)s minutes).",
                    slot_minutes,
                )
                % {"range": format_range(start, end), "minutes": slot_minutes}
            )
    if errors:
        raise ValidationError(errors)


def format_range(start: time, end: time) -> str:
    return f"{start:%H:%M}-{end:%H:%M}"


def format_ranges(ranges) -> str:
    return ",".join(format_range(start, end) for start, end in ranges)
