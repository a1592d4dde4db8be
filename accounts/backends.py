from django.contrib.auth.backends import ModelBackend

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


def axes_username(request, credentials):
    """The login name django-axes counts failures against: the email in lower case, so
    that changing the letter case does not buy an attacker more attempts. It is cut to
    the width of axes' column (255); no account's email is that long, so a cut name never
    locks a real account."""
    username = (credentials or {}).get("username")
    if username is None and request is not None:
        username = request.POST.get("username")
    return User.objects.normalize_email(username)[:AXES_USERNAME_LENGTH] if username else None
