"""Django's own texts that our forms show, named here so that our catalogue translates them.

Django's Bengali catalogue lacks many of the messages and help texts that our forms
show (the password rules, length and digit limits, "Enter the same password as before,
for verification."), so Bengali pages showed them in English. Our catalogue
(LOCALE_PATHS) takes precedence over Django's and can supply them, but makemessages
extracts only the strings of our own code: this module repeats each of those texts with
exactly Django's msgid, so that `make messages` keeps it in locale/bn/.../django.po.

Nothing imports this module; Django translates the texts where it uses them. Only the
texts Django's Bengali catalogue lacks are here, and only those our forms can show (not
the admin's). appion/tests/test_bengali_forms.py checks that each is still Django's
msgid, word for word, and that no form shows English on a Bengali page.
"""

from django.utils.translation import gettext_noop, ngettext_lazy

# django/core/validators.py, django/forms/fields.py: every text field and number field.
FIELD_MESSAGES = (
    gettext_noop("Null characters are not allowed."),
    ngettext_lazy(
        "Ensure this value has at least %(limit_value)d character (it has %(show_value)d).",
        "Ensure this value has at least %(limit_value)d characters (it has %(show_value)d).",
        "limit_value",
    ),
    ngettext_lazy(
        "Ensure this value has at most %(limit_value)d character (it has %(show_value)d).",
        "Ensure this value has at most %(limit_value)d characters (it has %(show_value)d).",
        "limit_value",
    ),
    ngettext_lazy(
        "Ensure that there are no more than %(max)s digit in total.",
        "Ensure that there are no more than %(max)s digits in total.",
        "max",
    ),
    ngettext_lazy(
        "Ensure that there are no more than %(max)s decimal place.",
        "Ensure that there are no more than %(max)s decimal places.",
        "max",
    ),
    ngettext_lazy(
        "Ensure that there are no more than %(max)s digit before the decimal point.",
        "Ensure that there are no more than %(max)s digits before the decimal point.",
        "max",
    ),
)

# django/contrib/auth/forms.py: password change, password reset and setting a password.
AUTH_FORM_MESSAGES = (
    gettext_noop("Email"),
    gettext_noop("The two password fields didn’t match."),
    gettext_noop("Enter the same password as before, for verification."),
)

# django/contrib/auth/password_validation.py: AUTH_PASSWORD_VALIDATORS' errors and the
# help texts that Django's password forms list under the new password.
PASSWORD_RULES = (
    ngettext_lazy(
        "This password is too short. It must contain at least %d character.",
        "This password is too short. It must contain at least %d characters.",
        "min_length",
    ),
    ngettext_lazy(
        "Your password must contain at least %(min_length)d character.",
        "Your password must contain at least %(min_length)d characters.",
        "min_length",
    ),
    gettext_noop("The password is too similar to the %(verbose_name)s."),
    gettext_noop("Your password can’t be too similar to your other personal information."),
    gettext_noop("This password is too common."),
    gettext_noop("Your password can’t be a commonly used password."),
    gettext_noop("This password is entirely numeric."),
    gettext_noop("Your password can’t be entirely numeric."),
)
