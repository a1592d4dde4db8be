"""Reads of the location tree, in the order of the language the user reads."""

from locations.models import District, Division, Thana, reads_bengali


def name_order():
    """Order by the name the user reads: the Bengali name when Bengali is active."""
    return ["name_bn", "name"] if reads_bengali() else ["name"]


def divisions():
    """All divisions, in the active language's order."""
    return Division.objects.order_by(*name_order())


def districts_of(division_id):
    """The districts of one division (none for None), in the active language's order."""
    if division_id is None:
        return District.objects.none()
    return District.objects.filter(division_id=division_id).order_by(*name_order())


def thanas_of(district_id):
    """The upazilas and metropolitan thanas of one district (none for None), in the
    active language's order."""
    if district_id is None:
        return Thana.objects.none()
    return Thana.objects.filter(district_id=district_id).order_by(*name_order())
