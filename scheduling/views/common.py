"""What several scheduling pages share: finding the object a URL names (someone else's
or an unlisted one is a 404) and the free slots of one day."""

from datetime import datetime

from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.translation import gettext as _

from appion.l10n import local_date
from scheduling import selectors
from scheduling.forms import parse_date

PAGE_SIZE = 20


def search_text(raw):
    """A search box's text: at most 100 characters, trimmed, without NUL characters
    (PostgreSQL cannot compare text that holds them)."""
    return raw.replace("\x00", "").strip()[:100]


def listed_doctor(doctor_id):
    return get_object_or_404(
        selectors.listed_doctors().select_related(
            "user", "specialization", "chamber_thana__district__division", "schedule_settings"
        ),
        pk=doctor_id,
    )


# Appointments after booking. Every view that takes an appointment id starts from
# selectors.visible_appointments(user), so another user's id is a 404 for every verb.
def visible_appointment(request, appointment_id):
    return get_object_or_404(selectors.visible_appointments(request.user), pk=appointment_id)


def slots_context(doctor, raw_date):
    """The free slots of one day, or a message saying why there are none to show."""
    schedule = selectors.settings_for(doctor)
    first_day, last_day = selectors.bookable_dates(schedule)
    day = parse_date(raw_date) if raw_date else first_day
    error = None
    slots = []
    if day is None:
        error = _("That is not a date. Pick a day from the calendar.")
    elif day < first_day:
        error = _("That day is in the past. Pick today or a later day.")
    elif day > last_day:
        error = _("Dr. %(name)s takes bookings up to %(last)s. Pick an earlier day.") % {
            "name": doctor.user.full_name,
            "last": local_date(last_day, "j M Y"),
        }
    else:
        slots = selectors.free_slots(doctor, day, day).get(day, [])
    return {
        "doctor": doctor,
        "day": day,
        "slots": slots,
        "slot_error": error,
        "first_day": first_day,
        "last_day": last_day,
    }


def parse_start(raw):
    """An ISO datetime from the address, aware; None when it is missing, malformed or
    beyond the calendar in the site's time zone (year 1 at -23:59)."""
    try:
        start = datetime.fromisoformat(raw.replace(" ", "+")) if raw else None
        if start is not None:
            if timezone.is_naive(start):
                start = timezone.make_aware(start)
            timezone.localtime(start)
    except (ValueError, OverflowError):
        return None
    return start
