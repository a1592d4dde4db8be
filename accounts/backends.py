from django.contrib.auth.backends import ModelBackend

from accounts.mobile import as_mobile
from accounts.models import User

AXES_USERNAME_LENGTH = 255


class EmailBackend(ModelBackend):
    """Django's model backend, with the login name an email address (in any letter case)
    or a mobile number (in any usual spelling): User.objects.get_by_login_name. Every
    login form (the site's, the admin's and any other that calls authenticate) gets both.
    The class keeps its name because sessions store its path."""

    def authenticate(self, request, username=None, password=None, **kwargs):
        if username is None:
            username = kwargs.get(User.USERNAME_FIELD)
        if username is None or password is None:
            return None
        try:
            user = User.objects.get_by_login_name(username)
        except User.DoesNotExist:
            # As ModelBackend does: hash the password anyway, so that an unknown email
            # or mobile number takes as long to refuse as a wrong password.
            User().set_password(password)
            return None
        if user.check_password(password) and self.user_can_authenticate(user):
            return user
        return None


def login_identity(name: str) -> str:
    """The one name under which a login name's failures are counted and recorded: the
    account's email when `name` is an account's mobile number, so that failures by email
    and by mobile add up to the same lock; the number as stored when no account has it,
    so that its spellings add up; otherwise the name as an email is stored (lower case).
    A mobile number costs one query whether or not an account has it."""
    mobile = as_mobile(name)
    if mobile is None:
        return User.objects.normalize_email(name)
    email = User.objects.filter(mobile=mobile).values_list("email", flat=True).first()
    return User.objects.normalize_email(email) if email else mobile


def axes_username(request, credentials):
    """The login name django-axes counts failures against: login_identity, so that
    changing the letter case or the spelling of the mobile number, or switching between
    the email and the mobile, does not buy an attacker more attempts. It is cut to the
    width of axes' column (255); no account's email is that long, so a cut name never
    locks a real account."""
    username = (credentials or {}).get("username")
    if username is None and request is not None:
        username = request.POST.get("username")
    return login_identity(username)[:AXES_USERNAME_LENGTH] if username else None
