"""Appointments as iCalendar (.ics) files, for "add to calendar" links and email attachments."""

import re
from datetime import UTC
from urllib.parse import quote, urlencode

from django.template.defaultfilters import floatformat
from django.utils import timezone
from django.utils.translation import gettext as _
from icalendar import Calendar, Event

from appion import clinic_calendar
from appion.l10n import local_date
from scheduling.models import Appointment

PRODID = "-//Appion//Appointments//EN"

# RFC 5545: SEQUENCE is a 32-bit signed integer.
_MAX_SEQUENCE = 2**31 - 1

_ICS_STATUS = {
    Appointment.Status.PENDING: "TENTATIVE",
    Appointment.Status.CANCELLED: "CANCELLED",
}

# Doctors often register with the title in their name ("Dr. Farhana Rahman"); the summary
# adds the title itself, so it is dropped here to avoid "Dr. Dr. Farhana Rahman".
_TITLE = re.compile(r"^\s*dr\.?\s+", re.IGNORECASE)


def appointment_uid(appointment) -> str:
    """The event's UID: stable for the appointment's whole life, so that a calendar
    replaces the event it already holds instead of adding a second one."""
    return f"appointment-{appointment.pk}@appion"


def appointment_ics(appointment) -> bytes:
    """One appointment as an iCalendar file (RFC 5545), in the active language.

    Guarantees a VCALENDAR (METHOD PUBLISH) holding exactly one VEVENT whose UID is
    `appointment-<pk>@appion`, whose DTSTART/DTEND are the appointment's start and end
    in UTC, whose STATUS is TENTATIVE for a pending request, CANCELLED for a cancelled
    appointment and CONFIRMED otherwise, and whose SEQUENCE grows each time the
    appointment is saved, so that a calendar importing a newer file replaces the older
    event. Reads the doctor, the doctor's user and the chamber with its thana and district.
    """
    event = Event()
    event.add("uid", appointment_uid(appointment))
    event.add("dtstamp", timezone.now().astimezone(UTC))
    event.add("dtstart", appointment.start.astimezone(UTC))
    event.add("dtend", appointment.end.astimezone(UTC))
    event.add("sequence", _sequence(appointment))
    event.add("summary", _summary(appointment))
    location = chamber_location(appointment.chamber)
    if location:
        event.add("location", location)
    event.add("description", _description(appointment))
    event.add("status", _ICS_STATUS.get(appointment.status, "CONFIRMED"))

    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("method", "PUBLISH")
    calendar.add_component(event)
    return calendar.to_ical()


def ics_filename(appointment) -> str:
    """An ASCII file name for the appointment's .ics file, with its local date, safe to
    put in a Content-Disposition header and unique per appointment."""
    day = clinic_calendar.local_day(appointment.start)
    return f"appion-appointment-{appointment.pk}-{day:%Y-%m-%d}.ics"


def chamber_location(chamber) -> str:
    """The chamber's name, address, thana and district, in the active language,
    leaving out the parts the doctor has not filled in."""
    parts = [chamber.name, chamber.address]
    thana = chamber.thana
    if thana is not None:
        parts += [thana.local_name, thana.district.local_name]
    return ", ".join(part.strip() for part in parts if part and part.strip())


def _summary(appointment) -> str:
    return _("Appointment with Dr. %(doctor)s (serial %(serial)s)") % {
        "doctor": _TITLE.sub("", appointment.doctor.user.full_name),
        "serial": appointment.serial,
    }


def booking_links(appointment) -> dict:
    """Links that take the booking elsewhere, in the active language: Google Calendar's
    "add event" page filled in as the .ics is (title, UTC times, the chamber, no health
    details), and an SMS and a WhatsApp message with what the patient would tell a
    relative: the doctor, the chamber, the time and the serial (no patient name, no
    symptoms)."""
    start, end = (
        moment.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")
        for moment in (
            appointment.start,
            appointment.end,
        )
    )
    calendar = {
        "action": "TEMPLATE",
        "text": _summary(appointment),
        "dates": f"{start}/{end}",
        "details": _description(appointment),
        "location": chamber_location(appointment.chamber),
    }
    message = share_text(appointment)
    return {
        "google_calendar": "https://calendar.google.com/calendar/render?" + urlencode(calendar),
        "sms": "sms:?&body=" + quote(message),
        "whatsapp": "https://wa.me/?text=" + quote(message),
    }


def share_text(appointment) -> str:
    """The booking in one line, to send to someone: doctor, chamber, time, serial."""
    return _("%(summary)s · %(when)s · %(place)s") % {
        "summary": _summary(appointment),
        "when": local_date(appointment.start, "D j M, H:i"),
        "place": chamber_location(appointment.chamber),
    }


def _description(appointment) -> str:
    # No symptoms or notes: calendars get synced and shared, health details stay in Appion.
    lines = [
        _("Serial: %(serial)s") % {"serial": appointment.serial},
        _("Fee: ৳%(fee)s") % {"fee": floatformat(appointment.fee, 0)},
        _("Status: %(status)s") % {"status": appointment.get_status_display()},
    ]
    return "\n".join(lines)


def _sequence(appointment) -> int:
    # Every change of status or time saves the appointment and moves updated_at forward,
    # so the seconds since booking only ever grow. The reminder claim is a queryset
    # update, which leaves updated_at alone: a reminder is no new version of the event.
    if appointment.created_at is None or appointment.updated_at is None:
        return 0
    seconds = int((appointment.updated_at - appointment.created_at).total_seconds())
    return max(0, min(seconds, _MAX_SEQUENCE))
