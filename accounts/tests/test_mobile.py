import pytest
from django.core.exceptions import ValidationError

from accounts.mobile import normalize_mobile


@pytest.mark.parametrize(
    "spelling",
    ["01712345678", "+8801712345678", "8801712345678", "০১৭১২৩৪৫৬৭৮", "017-1234 5678"],
)
def test_every_usual_spelling_is_stored_as_e164(spelling):
    assert normalize_mobile(spelling) == "+8801712345678"


@pytest.mark.parametrize(
    "number, code",
    [
        ("029876543", "landline"),  # Dhaka landline
        ("+88029876543", "landline"),
        ("01212345678", "operator"),  # no operator uses 012
        ("0171234567", "length"),  # one digit short
        ("017123456789", "length"),  # one digit long
        ("+447911123456", "not_bd"),
        ("hello", "invalid"),
        ("", "required"),
    ],
)
def test_numbers_that_are_not_bangladeshi_mobiles_are_refused(number, code):
    with pytest.raises(ValidationError) as raised:
        normalize_mobile(number)
    assert raised.value.code == code
    assert raised.value.messages[0]
