import re

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _


class PasswordCharacterValidator:
    """Requires an upper-case letter, a digit and a special character; one message each."""

    def validate(self, password, user=None):
        errors = []
        if not re.search(r"[A-Z]", password):
            errors.append(
                ValidationError(
                    _("The password must contain at least one upper-case letter (A–Z)."),
                    code="password_no_upper",
                )
            )
        if not re.search(r"\d", password):
            errors.append(
                ValidationError(
                    _("The password must contain at least one digit (0–9)."),
                    code="password_no_digit",
                )
            )
        if not re.search(r"[^A-Za-z0-9]", password):
            errors.append(
                ValidationError(
                    _("The password must contain at least one special character, e.g. ! @ # $."),
                    code="password_no_special",
                )
            )
        if errors:
            raise ValidationError(errors)

    def get_help_text(self):
        return _(
            "Your password must contain an upper-case letter, a digit and a special character."
        )
