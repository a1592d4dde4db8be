"""A user's private calendar feed (/calendar/<secret>.ics), which calendar apps fetch
without logging in: the secret in the address is the key."""

from django.http import Http404, HttpResponse
from django.utils import timezone, translation
from django.utils.cache import patch_cache_control
from django.utils.translation import gettext as _
from django.views.decorators.http import require_safe

from accounts import audit
from accounts import selectors as account_selectors
from accounts import services as account_services
from accounts.models import User
from appion.ratelimits import limit_posts
from scheduling import selectors
from scheduling.calendar import DOCTOR, PATIENT, feed_ics


@require_safe
@limit_posts(
    group="calendar-feed",
    key="ip",
    rate_setting="APPION_RATE_CALENDAR_FEED",
    methods=("GET", "HEAD"),
)
def calendar_feed(request, secret):
    """The feed of the user whose address holds `secret` (accounts.selectors.
    calendar_feed_for), in their language: a patient's appointments, a doctor's agenda
    (selectors.feed_appointments; scheduling.calendar says what an event shows). 404 for
    any other secret, as for a page that does not exist. Every fetch is counted and
    recorded (accounts.services.record_feed_fetch, never with the secret); the fetches
    of one address are limited (APPION_RATE_CALENDAR_FEED). Four queries at most,
    whatever the number of appointments."""
    feed = account_selectors.calendar_feed_for(secret)
    if feed is None:
        raise Http404
    user = feed.user
    now = timezone.now()
    appointments = selectors.feed_appointments(user, now=now)
    with translation.override(user.preferred_language or "en"):
        is_doctor = user.role == User.Role.DOCTOR
        ics = feed_ics(
            appointments,
            audience=DOCTOR if is_doctor else PATIENT,
            name=_("Appion: my agenda") if is_doctor else _("Appion: my appointments"),
            page_url=lambda appointment: request.build_absolute_uri(appointment.get_absolute_url()),
            now=now,
        )
    account_services.record_feed_fetch(
        feed=feed, address=audit.client_address(request), events=len(appointments), now=now
    )
    response = HttpResponse(ics, content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = 'inline; filename="appion.ics"'
    # Personal: no shared cache keeps it, and search engines never list it.
    patch_cache_control(response, private=True, no_cache=True)
    response["X-Robots-Tag"] = "noindex, nofollow"
    return response
