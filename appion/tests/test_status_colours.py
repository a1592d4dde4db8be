"""Every appointment status has one colour pair, defined once in static/css/appion.css,
whose text meets WCAG's 4.5:1 contrast on its tint (issue #20)."""

import re
from pathlib import Path

from django.conf import settings

from appion.tests.contrast import contrast
from scheduling.models import Appointment

CSS = Path(settings.BASE_DIR) / "static" / "css" / "appion.css"
RULE = re.compile(r"\.status-(?P<status>[a-z_]+)\s*\{(?P<body>[^}]*)\}")


def colour(body, prop):
    found = re.search(rf"(?:^|;)\s*{prop}\s*:\s*#(?P<hex>[0-9a-fA-F]{{6}})\s*(?:;|$)", body)
    assert found, f"{prop} as #rrggbb in {body!r}"
    return found["hex"]


def status_colours():
    rules = {}
    for match in RULE.finditer(CSS.read_text()):
        if match["status"] in Appointment.Status.values:
            assert match["status"] not in rules, f"status-{match['status']} is defined twice"
            rules[match["status"]] = (
                colour(match["body"], "background-color"),
                colour(match["body"], "color"),
            )
    return rules


def test_the_contrast_formula_matches_wcag():
    assert round(contrast("ffffff", "000000"), 2) == 21
    assert round(contrast("ffffff", "767676"), 2) == 4.54


def test_every_status_has_a_colour_pair():
    assert set(status_colours()) == set(Appointment.Status.values)


def test_every_status_text_meets_four_and_a_half_to_one():
    for status, (background, text) in status_colours().items():
        ratio = contrast(background, text)
        assert ratio >= 4.5, f"status-{status}: #{text} on #{background} is {ratio:.2f}:1"
