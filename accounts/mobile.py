"""Bangladeshi mobile numbers, normalised to E.164 (+8801XXXXXXXXX)."""

import phonenumbers
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

BENGALI_DIGITS = str.maketrans("০১২৩৪৫৬৭৮৯", "0123456789")
# Operator prefixes in use: Grameenphone 013/017, Banglalink 014/019, Robi 016/018,
# Teletalk 015. Anything else is not a mobile number today.
OPERATOR_PREFIXES = ("13", "14", "15", "16", "17", "18", "19")


def normalize_mobile(value: str) -> str:
    """Return the number as +8801XXXXXXXXX, or raise ValidationError saying what is wrong."""
    raw = (value or "").strip().translate(BENGALI_DIGITS)
    raw = raw.replace(" ", "").replace("-", "")
    if not raw:
        raise ValidationError(_("Enter a mobile number."), code="required")
    if raw.startswith("880"):
        raw = "+" + raw
    try:
        number = phonenumbers.parse(raw, "BD")
    except phonenumbers.NumberParseException:
        raise ValidationError(
            _("Enter a Bangladeshi mobile number such as 01712345678."), code="invalid"
        ) from None
    national = str(number.national_number)
    if number.country_code != 880:
        raise ValidationError(_("Enter a Bangladeshi mobile number (+880)."), code="not_bd")
    if phonenumbers.number_type(number) == phonenumbers.PhoneNumberType.FIXED_LINE:
        raise ValidationError(
            _("This looks like a landline number. Enter a mobile number."), code="landline"
        )
    if len(national) != 10:
        raise ValidationError(
            _("A Bangladeshi mobile number has 11 digits, e.g. 01712345678."), code="length"
        )
    if not national.startswith(OPERATOR_PREFIXES):
        raise ValidationError(
            _("This is not a Bangladeshi mobile number (it should start with 013–019)."),
            code="operator",
        )
    if phonenumbers.number_type(number) not in (
        phonenumbers.PhoneNumberType.MOBILE,
        phonenumbers.PhoneNumberType.FIXED_LINE_OR_MOBILE,
    ) or not phonenumbers.is_valid_number(number):
        raise ValidationError(_("This is not a valid mobile number."), code="invalid")
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


# No spelling of a mobile number is longer: "+৮৮০ ১৭১২-৩৪৫-৬৭৮" and the like.
MOBILE_SPELLING_MAX_LENGTH = 32


def as_mobile(value: str) -> str | None:
    """The value as a stored mobile number (+8801XXXXXXXXX) when it is a Bangladeshi
    mobile number in any spelling normalize_mobile accepts, else None. For the login name,
    which is an email address or a mobile number: an address is never taken for a number."""
    if not value or "@" in value or len(value) > MOBILE_SPELLING_MAX_LENGTH:
        return None
    try:
        return normalize_mobile(value)
    except ValidationError:
        return None
