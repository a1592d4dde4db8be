"""Server-rendered SVG charts (pygal): no JavaScript, no CDN. Each chart's page also
shows the same numbers as a table for screen readers."""

import re

import pygal
from django.utils.formats import date_format

SCRIPT = re.compile(r"<script.*?</script>", re.DOTALL)
STYLE = pygal.style.Style(
    background="transparent",
    plot_background="transparent",
    colors=("#0d6efd", "#198754", "#dc3545", "#ffc107"),
    font_family="sans-serif",
)


def _render(chart):
    # js=[]: pygal would otherwise link its tooltip script from a CDN; its inline
    # configuration script is removed too, so that the page passes the CSP.
    return SCRIPT.sub("", chart.render(is_unicode=True))


def per_day_chart(per_day, title):
    chart = pygal.Bar(
        js=[],
        style=STYLE,
        height=280,
        show_legend=False,
        x_label_rotation=30,
        show_minor_x_labels=False,
        disable_xml_declaration=True,
        title=str(title),
    )
    labels = [date_format(day, "j M") for day, _n in per_day]
    chart.x_labels = labels
    step = max(1, len(labels) // 12)
    chart.x_labels_major = labels[::step]
    chart.add(str(title), [n for _day, n in per_day])
    return _render(chart)


def bars_chart(pairs, title):
    chart = pygal.HorizontalBar(
        js=[],
        style=STYLE,
        height=40 + 28 * max(len(pairs), 1),
        show_legend=False,
        disable_xml_declaration=True,
        title=str(title),
    )
    chart.x_labels = [label for label, _n in pairs]
    chart.add(str(title), [n for _label, n in pairs])
    return _render(chart)
