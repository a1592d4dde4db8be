"""Server-rendered SVG charts (pygal): no JavaScript, no CDN. Each chart's page also
shows the same numbers as a table for screen readers."""

import hashlib
import re

import pygal
from django.core.cache import cache
from django.utils import translation
from django.utils.formats import date_format

from appion.l10n import local_digits

SCRIPT = re.compile(r"<script.*?</script>", re.DOTALL)
# Counts on the axes and in the bars' titles, with the page's digits.
COUNT = {"value_formatter": lambda value: local_digits(f"{value:,.0f}")}
STYLE = pygal.style.Style(
    background="transparent",
    plot_background="transparent",
    colors=("#0d6efd", "#198754", "#dc3545", "#ffc107"),
    font_family="sans-serif",
)


def whole_ticks(counts, most=6):
    """The value axis's marks for `counts`: whole numbers from 0 past the largest, at
    most `most` of them, so that small counts do not get 0, 0, 0, 1, 1 (pygal picks
    fractions, which the count formatter rounds)."""
    top = max(counts, default=0) or 1
    step = -(-top // (most - 1))
    return list(range(0, top + step, step))


def _render(chart):
    # js=[]: pygal would otherwise link its tooltip script from a CDN; its inline
    # configuration script is removed too, so that the page passes the CSP.
    return SCRIPT.sub("", chart.render(is_unicode=True))


def _cached(draw, *data):
    """Drawing a chart costs far more than reading its figures (pygal is pure Python):
    keep each SVG for a day under a key made of everything drawn, so that the same
    figures are drawn once and any change of them draws anew."""
    key = hashlib.sha256(repr((draw.__name__, translation.get_language(), data)).encode())
    return cache.get_or_set(f"chart:{key.hexdigest()}", lambda: draw(*data), 24 * 60 * 60)


def per_period(per_day):
    """[(first day, count)] by day, or by week (from the range's first day) when the range
    is longer than 62 days, so that a bar stays wide enough to see and the table short."""
    if len(per_day) <= 62:
        return per_day, False
    weeks = [per_day[n : n + 7] for n in range(0, len(per_day), 7)]
    return [(week[0][0], sum(count for _day, count in week)) for week in weeks], True


def per_day_chart(per_day, title):
    return _cached(_per_day_chart, tuple(per_day), str(title))


def bars_chart(pairs, title):
    return _cached(_bars_chart, tuple(pairs), str(title))


def _per_day_chart(per_day, title):
    chart = pygal.Bar(
        **COUNT,
        js=[],
        style=STYLE,
        height=280,
        show_legend=False,
        x_label_rotation=30,
        show_minor_x_labels=False,
        truncate_label=-1,  # "26 Nov", not "26"
        disable_xml_declaration=True,
        title=str(title),
    )
    labels = [local_digits(date_format(day, "j M")) for day, _n in per_day]
    chart.x_labels = labels
    step = max(1, len(labels) // 12)
    chart.x_labels_major = labels[::step]
    chart.y_labels = whole_ticks([n for _day, n in per_day])
    chart.add(str(title), [n for _day, n in per_day])
    return _render(chart)


def _bars_chart(pairs, title):
    chart = pygal.HorizontalBar(
        **COUNT,
        js=[],
        style=STYLE,
        height=40 + 28 * max(len(pairs), 1),
        show_legend=False,
        disable_xml_declaration=True,
        title=str(title),
    )
    chart.x_labels = [label for label, _n in pairs]
    chart.y_labels = whole_ticks([n for _label, n in pairs])
    chart.add(str(title), [n for _label, n in pairs])
    return _render(chart)
