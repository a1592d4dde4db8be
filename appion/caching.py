"""A short page cache for visitors who are not logged in, and no cache at all for
anyone else.

Such a visitor has no session or message cookie, and the cached pages hold no form with
a CSRF token, so every anonymous visitor sees the same page for a given address and
language. Logged-in users always get a fresh page, which no browser or proxy keeps."""

from functools import wraps
from hashlib import sha256

from django.conf import settings
from django.core.cache import cache
from django.http import HttpResponse
from django.utils.cache import patch_cache_control
from django.utils.translation import get_language

PERSONAL_COOKIES = ("messages",)


def _is_anonymous_visitor(request):
    cookies = request.COOKIES
    return (
        request.method == "GET"
        and settings.SESSION_COOKIE_NAME not in cookies
        and not any(name in cookies for name in PERSONAL_COOKIES)
    )


class PrivateResponsesMiddleware:
    """Every response to a visitor with a session (a signed-in user, or one signing in)
    gets `Cache-Control: private, no-store`: appointment and visit-notes pages, `.ics`
    files, the data download, reports and their CSVs, the admin, but also public pages,
    whose navigation names the user. No shared cache keeps them, and the browser does not
    write them to disk or show them after a logout with the Back button.

    Anonymous visitors' pages are left alone (the directory stays cacheable), and so are
    static files, which WhiteNoise answers before this middleware is reached."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        session_cookie = settings.SESSION_COOKIE_NAME
        if session_cookie in request.COOKIES or session_cookie in response.cookies:
            patch_cache_control(response, private=True, no_store=True)
        return response


def anonymous_page_cache(view):
    """Serve `view`'s 200 responses from the cache for APPION_PAGE_CACHE_SECONDS to
    anonymous visitors. A response that sets a cookie is never cached."""

    @wraps(view)
    def wrapped(request, *args, **kwargs):
        seconds = settings.APPION_PAGE_CACHE_SECONDS
        if not seconds or not _is_anonymous_visitor(request):
            return view(request, *args, **kwargs)
        address = f"{get_language()}|{bool(getattr(request, 'htmx', False))}|"
        address += request.get_full_path()
        key = "page:" + sha256(address.encode()).hexdigest()
        cached = cache.get(key)
        if cached is not None:
            content, content_type = cached
            return HttpResponse(content, content_type=content_type)
        response = view(request, *args, **kwargs)
        if response.status_code == 200 and not response.cookies and not response.streaming:
            cache.set(key, (response.content, response["Content-Type"]), seconds)
        return response

    return wrapped
