"""The REST API's bearer tokens: JWTs signed HS256 with settings.API_JWT_SECRET by PyJWT.

Each token carries a stamp derived from the user's password hash and active flag, and
every request checks it against the account as it is now: a password change, a reset
or a deactivation ends every token issued before it, with no token table to keep."""

from datetime import timedelta

import jwt
from django.conf import settings
from django.utils import timezone
from django.utils.crypto import constant_time_compare, salted_hmac
from ninja.security import HttpBearer

from accounts.models import User

ALGORITHM = "HS256"
ACCESS = "access"
REFRESH = "refresh"


def _stamp(user) -> str:
    return salted_hmac(
        "accounts.tokens.stamp",
        f"{user.password}:{user.is_active}",
        secret=settings.API_JWT_SECRET,
        algorithm="sha256",
    ).hexdigest()[:32]


def issue(user, *, kind=ACCESS) -> tuple[str, int]:
    """A signed token of `kind` for `user` and its lifetime in seconds."""
    if kind == ACCESS:
        lifetime = timedelta(minutes=settings.ACCESS_TOKEN_EXPIRE_MINUTES)
    else:
        lifetime = timedelta(days=settings.REFRESH_TOKEN_EXPIRE_DAYS)
    now = timezone.now()
    claims = {
        "sub": str(user.pk),
        "typ": kind,
        "stamp": _stamp(user),
        "iat": int(now.timestamp()),
        "exp": int((now + lifetime).timestamp()),
    }
    token = jwt.encode(claims, settings.API_JWT_SECRET, algorithm=ALGORITHM)
    return token, int(lifetime.total_seconds())


def user_for(token: str, *, kind=ACCESS):
    """The active user a valid, unexpired token of `kind` was issued to, or None when the
    token is malformed, forged, expired, of another kind, or issued before the user's
    password changed or the account was deactivated."""
    try:
        claims = jwt.decode(
            token,
            settings.API_JWT_SECRET,
            algorithms=[ALGORITHM],
            options={"require": ["sub", "exp", "typ", "stamp"]},
        )
    except jwt.InvalidTokenError:  # expired ones included
        return None
    if claims["typ"] != kind:
        return None
    user = User.objects.filter(pk=claims["sub"], is_active=True).first()
    if user is None or not constant_time_compare(claims["stamp"], _stamp(user)):
        return None
    return user


class BearerToken(HttpBearer):
    """`Authorization: Bearer <access token>`: the request's user, or 401."""

    def authenticate(self, request, token):
        user = user_for(token)
        if user is not None:
            request.user = user
        return user
