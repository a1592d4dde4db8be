"""A short page cache for visitors who are not logged in.

Such a visitor has no session or message cookie, and the cached pages hold no form with
a CSRF token, so every anonymous visitor sees the same page for a given address and
language. Logged-in users always get a fresh page."""

from functools import wraps
from hashlib import sha256

from django.conf import settings
from django.core.cache import cache
from django.http import HttpResponse
from django.utils.translation import get_language

PERSONAL_COOKIES = ("messages",)


def _is_anonymous_visitor(request):
    cookies = request.COOKIES
    return (
        request.method == "GET"
        and settings.SESSION_COOKIE_NAME not in cookies
        and not any(name in cookies for name in PERSONAL_COOKIES)
    )


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
