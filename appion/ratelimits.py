"""Abuse limits on the forms that create accounts, send emails, hold a doctor's time or
check a password.

A form posted too often from one address (or account, or email) gets a 429 page that says
when to try again, and nothing is written. Counts live in the default cache: with several
workers or servers it must be the shared Redis, so that they count together.
"""

import math
from functools import wraps

from django.conf import settings
from django.contrib.auth import get_user_model
from django.http import JsonResponse
from django.shortcuts import render
from django.utils.translation import ngettext
from django_ratelimit import ALL
from django_ratelimit.core import get_usage

from appion.api_errors import is_api_request


def email_entered(group, request):
    """The email address typed into the form, so that one inbox is not flooded from many
    addresses."""
    return get_user_model().objects.normalize_email(request.POST.get("email", ""))


def limit_posts(*, group, key, rate_setting, when=None, methods=("POST",)):
    """Count the POSTs (or `methods`) to the view by `key` ("ip", "user_or_ip" or a
    function) in `group` (only those for which `when(request)` is true, if given); past
    the rate named by `rate_setting`, answer 429 instead of running it. The API's
    endpoints are counted in the same groups as the pages that do the same thing (their
    bearer token sets request.user), so that a client cannot double its allowance by
    switching between them."""

    def decorator(view):
        @wraps(view)
        def limited(request, *args, **kwargs):
            if request.method not in methods or (when is not None and not when(request)):
                return view(request, *args, **kwargs)
            # One count per group whatever the method (django-ratelimit would otherwise
            # keep one per method, and the page's POST and the API's PATCH apart).
            usage = get_usage(
                request,
                group=group,
                key=key,
                rate=getattr(settings, rate_setting),
                method=ALL,
                increment=True,
            )
            if usage is not None and usage["should_limit"]:
                return too_many_requests(request, seconds=usage["time_left"])
            return view(request, *args, **kwargs)

        return limited

    return decorator


def limit_password_checks(view):
    """Count the POSTs to a form that checks the current password (email change, password
    change, the admin's password change) per account and per address, all such forms
    together, so that a session left open cannot be used to guess the password or to find
    out which emails have accounts. Goes inside the login check: only accounts count."""
    per_account = limit_posts(
        group="password-check-account",
        key="user",
        rate_setting="APPION_RATE_PASSWORD_CHECK_ACCOUNT",
    )
    per_address = limit_posts(
        group="password-check", key="ip", rate_setting="APPION_RATE_PASSWORD_CHECK"
    )
    return per_address(per_account(view))


def too_many_requests(request, *, seconds):
    """The 429 page, or under /api/ its JSON, saying when to try again."""
    minutes = max(1, math.ceil(seconds / 60))
    if is_api_request(request):
        message = ngettext(
            "Too many attempts. Nothing was saved. Try again in %(minutes)d minute.",
            "Too many attempts. Nothing was saved. Try again in %(minutes)d minutes.",
            minutes,
        )
        response = JsonResponse({"detail": message % {"minutes": minutes}}, status=429)
    else:
        response = render(request, "errors/429.html", {"minutes": minutes}, status=429)
    response["Retry-After"] = str(max(1, seconds))
    return response
