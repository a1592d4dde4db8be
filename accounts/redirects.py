"""Where the login and registration pages send a user back to: the `next` address, only
when it is a page of this site."""

from django.utils.http import url_has_allowed_host_and_scheme

# The pages that take a `next` themselves: their own links pass it on.
AUTH_PAGES = {"accounts:login", "accounts:register_patient", "scheduling:register_doctor"}


def safe_next(request, url) -> str:
    """`url` when it is a local address (or one on this host with this scheme), else ""."""
    if url and url_has_allowed_host_and_scheme(
        url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return url
    return ""


def requested_next(request) -> str:
    """The safe `next` a login or registration page was given (posted, else in the
    address), or ""."""
    return safe_next(request, request.POST.get("next") or request.GET.get("next"))


def return_path(request) -> str:
    """The page that the navigation's login and register links come back to: on a login
    or registration page the `next` it was given, on any other page the page itself;
    "" when that is not a local address."""
    match = request.resolver_match
    if match is not None and match.view_name in AUTH_PAGES:
        return requested_next(request)
    return safe_next(request, request.get_full_path())
