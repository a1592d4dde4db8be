"""Login lockouts: django-axes for each account, plus a limit per client address across
accounts, against password spraying (one address trying a common password on many
accounts never fails five times on any one of them).

django-axes compares one failure limit with the highest count over all its lockout
parameters (AxesDatabaseHandler.get_failures), so it cannot lock an address alone at a
higher threshold than an account. Axes therefore keeps the per-account lock (5 failures
for one account from one address: 15 minutes), and this handler adds the per-address one:
APPION_RATE_LOGIN_FAILURES failed logins from one address, whatever the accounts (30 an
hour), lock every login from that address until the hour's window ends. Those failures
are counted in the shared cache with django-ratelimit, as the app's other limits are,
and the lock goes through axes itself, so that the admin's login is covered too, the
audit log marks the attempts as locked out and the same page answers. That page is a 429
with Retry-After (lockout_response)."""

import math

from axes.handlers.database import AxesDatabaseHandler
from axes.handlers.proxy import AxesProxyHandler
from axes.helpers import get_cool_off, get_failure_limit
from django.conf import settings
from django.db.models import Max
from django.http import JsonResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import ngettext
from django_ratelimit import ALL
from django_ratelimit.core import get_usage

from appion.api_errors import is_api_request


def _address_failures(request, *, increment):
    """The address's failed logins in the current window: (count, limit, seconds left),
    or None when the limits are off."""
    usage = get_usage(
        request,
        group="login-failures",
        key="ip",
        rate=settings.APPION_RATE_LOGIN_FAILURES,
        method=ALL,
        increment=increment,
    )
    if usage is None:
        return None
    return usage["count"], usage["limit"], usage["time_left"]


def address_lock_seconds(request) -> int:
    """Seconds until logins from the request's address are allowed again (0: now)."""
    usage = _address_failures(request, increment=False)
    if usage is None:
        return 0
    count, limit, seconds = usage
    return max(1, seconds) if count >= limit else 0


class AppionAxesHandler(AxesDatabaseHandler):
    """Axes' database handler, which locks an account after AXES_FAILURE_LIMIT failures
    from one address, with the lock of an address across accounts added."""

    def is_locked(self, request, credentials=None) -> bool:
        return super().is_locked(request, credentials) or address_lock_seconds(request) > 0

    def user_login_failed(self, sender, credentials, request=None, **kwargs):
        super().user_login_failed(sender, credentials, request, **kwargs)
        if request is None:
            return
        usage = _address_failures(request, increment=True)
        if usage is not None and usage[0] >= usage[1]:
            # As axes does for an account: this failure already gets the lockout page.
            request.axes_locked_out = True
            request.axes_credentials = credentials

    def account_lock_seconds(self, request, credentials=None) -> int:
        """Seconds until the account lock on these credentials from this address ends
        (0: not locked): the cool-off time after the latest failure it counts."""
        if super().get_failures(request, credentials) < get_failure_limit(request, credentials):
            return 0
        latest = [
            attempts.aggregate(latest=Max("attempt_time"))["latest"]
            for attempts in self.get_user_attempts(request, credentials)
        ]
        latest = max((when for when in latest if when is not None), default=timezone.now())
        return max(1, math.ceil((latest + get_cool_off(request) - timezone.now()).total_seconds()))


def lockout_response(request, original_response=None, credentials=None):
    """The page for a login refused by a lock (AXES_LOCKOUT_CALLABLE): 429 in the
    visitor's language, saying which lock and when to try again, with Retry-After in
    seconds until the later of the two locks ends. An API request gets the same as JSON."""
    handler = AxesProxyHandler.get_implementation()
    AxesProxyHandler.update_request(request)
    by_address = address_lock_seconds(request)
    by_account = handler.account_lock_seconds(request, credentials)
    seconds = max(by_address, by_account) or math.ceil(get_cool_off(request).total_seconds())
    minutes = max(1, math.ceil(seconds / 60))
    if is_api_request(request):
        response = JsonResponse(
            {
                "detail": ngettext(
                    "Too many failed logins. Try again in %(minutes)d minute.",
                    "Too many failed logins. Try again in %(minutes)d minutes.",
                    minutes,
                )
                % {"minutes": minutes}
            },
            status=429,
        )
        response["Retry-After"] = str(seconds)
        return response
    response = render(
        request,
        "accounts/locked_out.html",
        {"by_address": by_address > by_account, "minutes": minutes},
        status=429,
    )
    response["Retry-After"] = str(seconds)
    return response
