from django.shortcuts import render

from locations.selectors import districts_of, thanas_of

MAX_ID = 2**31 - 1


def _parse_id(raw):
    """(id, ok): a missing value is (None, True); anything but a positive integer that a
    database id can hold is (None, False)."""
    if raw in (None, ""):
        return None, True
    if not raw.isdigit() or len(raw) > 10 or not 0 < int(raw) <= MAX_ID:
        return None, False
    return int(raw), True


def _options(request, parent_param, fetch, template):
    parent_id, ok = _parse_id(request.GET.get(parent_param))
    options = fetch(parent_id) if parent_id else []
    return render(request, template, {"options": options}, status=200 if ok else 400)


def district_options(request):
    """<option>s of a division's districts; the thana select is emptied out of band."""
    return _options(request, "division", districts_of, "locations/partials/district_options.html")


def thana_options(request):
    """<option>s of a district's thanas (upazilas and metropolitan thanas)."""
    return _options(request, "district", thanas_of, "locations/partials/thana_options.html")
