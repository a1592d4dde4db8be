from django.contrib.auth.backends import ModelBackend

from accounts.models import User

AXES_USERNAME_LENGTH = 255


class EmailBackend(ModelBackend):
    """Django's model backend; the manager matches the email in any letter case."""


def axes_username(request, credentials):
    """The login name django-axes counts failures against: the email in lower case, so
    that changing the letter case does not buy an attacker more attempts. It is cut to
    the width of axes' column (255); no account's email is that long, so a cut name never
    locks a real account."""
    username = (credentials or {}).get("username")
    if username is None and request is not None:
        username = request.POST.get("username")
    return User.objects.normalize_email(username)[:AXES_USERNAME_LENGTH] if username else None
