"""The option lists behind the dependent division → district → thana selects.

Both endpoints answer a GET with <option> elements only, the blank choice first. The
parent id is read from `division` / `district`, or from a prefixed form's
`<prefix>-division` / `<prefix>-district`, since htmx sends a select under its own name.
`?blank=choose` labels the blank choice "Choose a …" (forms) instead of "Any …"
(searches). A missing id gives just the blank choice; an id that is not a positive
integer gives the same with status 400; an unknown id gives an empty list."""

import re

from django.shortcuts import render
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_safe
from django.views.decorators.vary import vary_on_headers

from locations.forms import parse_id
from locations.selectors import districts_of, thanas_of

SELECT_ID = re.compile(r"[A-Za-z][A-Za-z0-9_-]{0,99}")

BLANK_LABELS = {
    "district": {"any": _("Any district"), "choose": _("Choose a district")},
    "thana": {"any": _("Any thana"), "choose": _("Choose a thana")},
}


def _parent_param(params, name):
    if name in params:
        return params[name]
    for key in params:
        if key.endswith("-" + name):
            return params[key]
    return None


def _blank_label(request, level):
    return BLANK_LABELS[level]["choose" if request.GET.get("blank") == "choose" else "any"]


def _thana_select(district_select_id):
    """The CSS selector of the thana select that goes with the district select of this id:
    the same id with "district" turned into "thana" (id_district → id_thana,
    search-district → search-thana); every thana select when the id does not fit."""
    if district_select_id and SELECT_ID.fullmatch(district_select_id):
        prefix, found, rest = district_select_id.rpartition("district")
        if found and not rest:
            return f"#{prefix}thana"
    return "select[data-location=thana]"


def _render_options(request, *, ok, options, blank_label, reset=None):
    return render(
        request,
        "locations/partials/options.html",
        {"options": options, "blank_label": blank_label, "reset": reset},
        status=200 if ok else 400,
    )


@require_safe
@vary_on_headers("HX-Request", "HX-Target")
def district_options(request):
    """<option>s of a division's districts. For htmx it also empties the thana select out
    of band, so that no thana of the previously chosen district stays selected."""
    division_id, ok = parse_id(_parent_param(request.GET, "division"))
    reset = None
    if request.htmx:
        reset = {
            "selector": _thana_select(request.htmx.target),
            "blank_label": _blank_label(request, "thana"),
        }
    return _render_options(
        request,
        ok=ok,
        options=districts_of(division_id),
        blank_label=_blank_label(request, "district"),
        reset=reset,
    )


@require_safe
def thana_options(request):
    """<option>s of a district's upazilas and metropolitan thanas."""
    district_id, ok = parse_id(_parent_param(request.GET, "district"))
    return _render_options(
        request,
        ok=ok,
        options=thanas_of(district_id),
        blank_label=_blank_label(request, "thana"),
    )
