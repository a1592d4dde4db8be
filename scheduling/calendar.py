"""Appointments as iCalendar: the .ics file of one appointment (the "add to calendar"
link, the email attachment), the private calendar feed of a patient or a doctor
(/calendar/<secret>.ics), and the "add to Google Calendar" and Outlook links. Each
appointment becomes an event in one function, appointment_event, which all of them share.

Nothing in a calendar is private to Appion any more: calendars are synced and shared.
So an event carries the doctor, the chamber, the time, the serial and the status; the
doctor's events name the patient by first name only; never symptoms, notes, visit
notes, phone numbers, or the video room of an online consultation (only the link to the
appointment page, where the room appears near the time, selectors.video_link)."""

import re
from datetime import UTC, timedelta
from urllib.parse import quote, urlencode

from django.template.defaultfilters import floatformat
from django.utils import timezone
from django.utils.translation import gettext as _
from icalendar import Calendar, Event

from appion import clinic_calendar
from appion.l10n import local_date
from scheduling.models import Appointment

PRODID = "-//Appion//Appointments//EN"

# Whose calendar an event is written for: the patient's (the doctor and the chamber) or
# the doctor's (the serial and the patient's first name).
PATIENT = "patient"
DOCTOR = "doctor"

# How often a subscribed calendar should fetch the feed again (a hint; apps decide).
FEED_REFRESH = timedelta(hours=1)

# RFC 5545: SEQUENCE is a 32-bit signed integer.
_MAX_SEQUENCE = 2**31 - 1

_ICS_STATUS = {
    Appointment.Status.PENDING: "TENTATIVE",
    Appointment.Status.CANCELLED: "CANCELLED",
}

# Doctors often register with the title in their name ("Dr. Farhana Rahman"); the summary
# adds the title itself, so it is dropped here to avoid "Dr. Dr. Farhana Rahman".
_TITLE = re.compile(r"^\s*dr\.?\s+", re.IGNORECASE)

# Words before a first name that are not one: abbreviated titles ("Md.", "Mst.",
# "Dr.", "মোঃ", "মোসাঃ") and their undotted spellings.
_NOT_A_FIRST_NAME = re.compile(r"^(?:\S+[.:ঃ]|md|mst|mohd|dr|mr|mrs|ms)$", re.IGNORECASE)


def audience_for(appointment, user) -> str:
    """DOCTOR when `user` is the appointment's doctor, else PATIENT (the patient, and
    staff, who read it as the patient would)."""
    return DOCTOR if user is not None and appointment.doctor.user_id == user.pk else PATIENT


def first_name(full_name: str) -> str:
    """The first name in `full_name`: its first word that is not an abbreviated title
    ("Md. Rahim Uddin": "Rahim"), else its first word."""
    words = (full_name or "").split()
    return next(
        (word for word in words if not _NOT_A_FIRST_NAME.match(word)), words[0] if words else ""
    )


def appointment_uid(appointment) -> str:
    """The event's UID: stable for the appointment's whole life, so that a calendar
    replaces the event it already holds instead of adding a second one."""
    return f"appointment-{appointment.pk}@appion"


def appointment_event(appointment, *, audience=PATIENT, page_url="", now=None) -> Event:
    """One appointment as a VEVENT, in the active language, for `audience`'s calendar.

    Guarantees: the UID is appointment_uid (stable); DTSTART/DTEND are the start and end
    in UTC; STATUS is TENTATIVE for a pending request, CANCELLED for a cancelled
    appointment (then also TRANSPARENT: it no longer takes the time) and CONFIRMED
    otherwise; SEQUENCE grows and LAST-MODIFIED moves each time the appointment is saved,
    so that a calendar replaces the older version of the event; `page_url` (the
    appointment page, absolute), when given, is the event's URL and is named in the
    description of an online consultation. Reads the doctor and their user, the chamber
    with its thana and district, and for the doctor's calendar the patient."""
    event = Event()
    event.add("uid", appointment_uid(appointment))
    event.add("dtstamp", (now or timezone.now()).astimezone(UTC))
    event.add("dtstart", appointment.start.astimezone(UTC))
    event.add("dtend", appointment.end.astimezone(UTC))
    event.add("sequence", _sequence(appointment))
    if appointment.created_at is not None:
        event.add("created", appointment.created_at.astimezone(UTC))
    if appointment.updated_at is not None:
        event.add("last-modified", appointment.updated_at.astimezone(UTC))
    event.add("summary", event_title(appointment, audience=audience))
    location = appointment_location(appointment)
    if location:
        event.add("location", location)
    event.add("description", event_details(appointment, audience=audience, page_url=page_url))
    event.add("status", _ICS_STATUS.get(appointment.status, "CONFIRMED"))
    if appointment.status == Appointment.Status.CANCELLED:
        event.add("transp", "TRANSPARENT")
    if page_url:
        event.add("url", page_url)
    return event


def _calendar(**properties) -> Calendar:
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "PUBLISH")
    for name, value in properties.items():
        calendar.add(name.replace("_", "-"), value)
    return calendar


def appointment_ics(appointment, *, audience=PATIENT, page_url="") -> bytes:
    """One appointment as an iCalendar file (RFC 5545): a VCALENDAR (METHOD PUBLISH)
    holding exactly the VEVENT of appointment_event."""
    calendar = _calendar()
    calendar.add_component(appointment_event(appointment, audience=audience, page_url=page_url))
    return calendar.to_ical()


def feed_ics(appointments, *, audience, name, page_url=None, now=None) -> bytes:
    """A calendar feed: `appointments` as the events of appointment_event for
    `audience`'s calendar, in a VCALENDAR named `name` that asks to be fetched again
    hourly. `page_url(appointment)` gives each event's page address."""
    now = now or timezone.now()
    calendar = _calendar(x_wr_calname=name)
    calendar.add("refresh-interval", FEED_REFRESH, parameters={"VALUE": "DURATION"})
    calendar.add("x-published-ttl", FEED_REFRESH)
    for appointment in appointments:
        calendar.add_component(
            appointment_event(
                appointment,
                audience=audience,
                page_url=page_url(appointment) if page_url else "",
                now=now,
            )
        )
    return calendar.to_ical()


def ics_filename(appointment) -> str:
    """An ASCII file name for the appointment's .ics file, with its local date, safe to
    put in a Content-Disposition header and unique per appointment."""
    day = clinic_calendar.local_day(appointment.start)
    return f"appion-appointment-{appointment.pk}-{day:%Y-%m-%d}.ics"


def chamber_location(chamber) -> str:
    """The chamber's name, address, thana and district, in the active language,
    leaving out the parts the doctor has not filled in; for an online chamber, that it
    is an online consultation."""
    if chamber.is_online:
        return online_location()
    parts = [chamber.name, chamber.address]
    thana = chamber.thana
    if thana is not None:
        parts += [thana.local_name, thana.district.local_name]
    return ", ".join(part.strip() for part in parts if part and part.strip())


def appointment_location(appointment) -> str:
    """Where the appointment takes place: its chamber (chamber_location), or for an
    appointment booked as an online consultation, that it is one."""
    if appointment.is_online:
        return online_location()
    return chamber_location(appointment.chamber)


def online_location() -> str:
    """The place of an online consultation, in the active language."""
    return _("Online consultation (video)")


def event_title(appointment, *, audience=PATIENT) -> str:
    """The event's title: the doctor and the serial in the patient's calendar; the
    serial and the patient's first name in the doctor's."""
    if audience == DOCTOR:
        return _("Serial %(serial)s · %(patient)s") % {
            "serial": appointment.serial,
            "patient": first_name(appointment.patient_name),
        }
    return _("Appointment with Dr. %(doctor)s (serial %(serial)s)") % {
        "doctor": _TITLE.sub("", appointment.doctor.user.full_name),
        "serial": appointment.serial,
    }


def event_details(appointment, *, audience=PATIENT, page_url="") -> str:
    """The event's description: serial, fee (or the patient's first name, for the
    doctor) and status; for an online consultation, where to join. No symptoms or
    notes: calendars get synced and shared, health details stay in Appion."""
    lines = [_("Serial: %(serial)s") % {"serial": appointment.serial}]
    if audience == DOCTOR:
        lines.append(_("Patient: %(name)s") % {"name": first_name(appointment.patient_name)})
    else:
        lines.append(_("Fee: ৳%(fee)s") % {"fee": floatformat(appointment.fee, 0)})
    lines.append(_("Status: %(status)s") % {"status": appointment.get_status_display()})
    if appointment.is_online:
        if page_url:
            lines.append(
                _("Online consultation — join from your Appion appointment page: %(url)s")
                % {"url": page_url}
            )
        else:
            lines.append(_("Online consultation — join from your Appion appointment page."))
    return "\n".join(lines)


def _utc_compact(moment) -> str:
    return moment.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")


def _utc_iso(moment) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def calendar_links(appointment, *, audience=PATIENT, page_url="") -> dict:
    """ "Add to Google Calendar" and "add to Outlook" links, filled in as the .ics is
    (title, UTC times, place, and the details of event_details: no health details, no
    video room), every value URL-encoded."""
    title = event_title(appointment, audience=audience)
    details = event_details(appointment, audience=audience, page_url=page_url)
    location = appointment_location(appointment)
    google = {
        "action": "TEMPLATE",
        "text": title,
        "dates": f"{_utc_compact(appointment.start)}/{_utc_compact(appointment.end)}",
        "details": details,
        "location": location,
    }
    outlook = {
        "path": "/calendar/action/compose",
        "rru": "addevent",
        "subject": title,
        "startdt": _utc_iso(appointment.start),
        "enddt": _utc_iso(appointment.end),
        "body": details,
        "location": location,
    }
    return {
        "google_calendar": "https://calendar.google.com/calendar/render?"
        + urlencode(google, quote_via=quote),
        "outlook": "https://outlook.live.com/calendar/0/deeplink/compose?"
        + urlencode(outlook, quote_via=quote),
    }


def booking_links(appointment, *, page_url="") -> dict:
    """The patient's links that take the booking elsewhere, in the active language: the
    calendar links (calendar_links) and an SMS and a WhatsApp message with what the
    patient would tell a relative: the doctor, the chamber, the time and the serial (no
    patient name, no symptoms)."""
    message = share_text(appointment)
    return {
        **calendar_links(appointment, audience=PATIENT, page_url=page_url),
        "sms": "sms:?&body=" + quote(message),
        "whatsapp": "https://wa.me/?text=" + quote(message),
    }


def share_text(appointment) -> str:
    """The booking in one line, to send to someone: doctor, chamber, time, serial."""
    return _("%(summary)s · %(when)s · %(place)s") % {
        "summary": event_title(appointment),
        "when": local_date(appointment.start, "D j M, H:i"),
        "place": appointment_location(appointment),
    }


def _sequence(appointment) -> int:
    # Every change of status or time saves the appointment and moves updated_at forward,
    # so the seconds since booking only ever grow. The reminder claim is a queryset
    # update, which leaves updated_at alone: a reminder is no new version of the event.
    if appointment.created_at is None or appointment.updated_at is None:
        return 0
    seconds = int((appointment.updated_at - appointment.created_at).total_seconds())
    return max(0, min(seconds, _MAX_SEQUENCE))
