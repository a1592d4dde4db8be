from urllib.parse import urlsplit

from django.urls import reverse
from django.utils.functional import SimpleLazyObject

from appion.messaging import services


def unread_notifications(request):
    """`unread_notifications`: the bell's count for a logged-in user, counted once per
    page (one indexed query) and only if the page shows it; None for visitors.
    `bell_is_current`: the page is the notifications list, whose navbar link the bell is
    (for the bell fetched alone by htmx, the page it is on: HX-Current-URL)."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"unread_notifications": None, "bell_is_current": False}
    return {
        "unread_notifications": SimpleLazyObject(lambda: services.unread_count(user)),
        "bell_is_current": _page_path(request) == reverse("messaging:notifications"),
    }


def _page_path(request):
    htmx = getattr(request, "htmx", None)
    if not htmx:
        return request.path
    try:
        # Only a URL of this site counts (django-htmx gives None for another).
        return urlsplit(htmx.current_url_abs_path or "").path
    except ValueError:  # the browser's header is not a URL at all
        return ""
