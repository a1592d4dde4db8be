"""The rule that a division, a district and a thana chosen together belong together."""

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

OUTSIDE_DIVISION = _("%(place)s is in %(actual)s division, not in %(division)s.")
OUTSIDE_DISTRICT = _("%(thana)s is in %(actual)s district, not in %(district)s.")


def check_chain(division, district, thana, *, unknown=()):
    """The chosen division → district → thana (each may be None) as one consistent chain.

    Returns (division, district, thana) with a missing parent filled in from its child:
    a thana alone gives its district and division, a district alone its division. A
    field named in `unknown` (one whose submitted value was refused) is not filled in,
    since a guess would hide that error.

    Raises ValidationError keyed by field when the places do not belong together: a
    district outside the division on "district" (on "thana" when the district came from
    the thana, because the thana is what the user chose), a thana outside the district
    on "thana". Each message names where the choice really lies.

    The one home of this rule and its messages: every form's location fields
    (locations.forms.LocationFieldsMixin) and the admin's user form call it."""
    errors = {}
    district_filled_in = False
    if thana and district is None and "district" not in unknown:
        district = thana.district
        district_filled_in = True
    if district and division is None and "division" not in unknown:
        division = district.division
    if division and district and district.division_id != division.pk:
        place, field = (thana, "thana") if district_filled_in else (district, "district")
        errors[field] = ValidationError(
            OUTSIDE_DIVISION,
            code="outside_division",
            params={
                "place": place.local_name,
                "actual": district.division.local_name,
                "division": division.local_name,
            },
        )
    if district and thana and thana.district_id != district.pk:
        errors["thana"] = ValidationError(
            OUTSIDE_DISTRICT,
            code="outside_district",
            params={
                "thana": thana.local_name,
                "actual": thana.district.local_name,
                "district": district.local_name,
            },
        )
    if errors:
        raise ValidationError(errors)
    return division, district, thana
