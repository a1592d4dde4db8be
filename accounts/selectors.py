"""Reads on accounts that decide who someone is."""

import re

from django.utils.crypto import constant_time_compare

from accounts.models import CalendarFeed

# What secrets.token_urlsafe(32) writes: 43 characters of the URL-safe base64 alphabet.
FEED_SECRET = re.compile(r"[A-Za-z0-9_-]{43}")


def calendar_feed_for(secret: str) -> CalendarFeed | None:
    """The calendar feed whose address holds `secret`, with its user, or None: for a
    malformed, guessed or replaced secret, and for a deactivated account. The database
    is asked only for the secret's first characters (the indexed selector); the whole
    secret is compared here in constant time, so neither the lookup nor the comparison
    tells a guesser how much of a secret they have right. One query."""
    if not FEED_SECRET.fullmatch(secret or ""):
        return None
    feed = (
        CalendarFeed.objects.select_related("user")
        .filter(selector=secret[: CalendarFeed.SELECTOR_LENGTH])
        .first()
    )
    if feed is None or not constant_time_compare(feed.secret, secret):
        return None
    if not feed.user.is_active:
        return None
    return feed
