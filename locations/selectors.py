"""Reads of the location tree, in the active language's order."""

from django.utils import translation

from locations.models import District, Thana


def name_order():
    """Order by the name the user reads: the Bengali name when Bengali is active."""
    return ["name_bn", "name"] if translation.get_language() == "bn" else ["name"]


def districts_of(division_id):
    return District.objects.filter(division_id=division_id).order_by(*name_order())


def thanas_of(district_id):
    return Thana.objects.filter(district_id=district_id).order_by(*name_order())
