"""`{% load bengali %}`: `{{ value|local_digits }}` writes a number, date, time, fee or
serial with Bengali digits (০১২৩৪৫৬৭৮৯) when the page is in Bengali, and leaves it as it
is in English. Use it on text that people read, never in URLs, form values, ids or other
attributes. Format first, then convert: `{{ start|date:"j F Y"|local_digits }}`."""

from django import template

from appion.l10n import local_digits as to_local_digits
from appion.l10n import spoken_time as to_spoken_time

register = template.Library()


@register.filter(is_safe=True)
def local_digits(value):
    return to_local_digits(value)


@register.filter
def spoken_time(value):
    """`{{ slot.start|spoken_time }}`: "সকাল ৯:০০" in Bengali, "09:00" in English."""
    return to_spoken_time(value)
