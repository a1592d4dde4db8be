"""What the parties of an appointment are told, written to the outbox (appion.messaging)
in the transaction of the change itself: a rollback takes the messages with it, and a
commit can never lose them. Each recipient gets the in-app line, and the email and/or
SMS their choice asks for (User.notification_channels), in their language.

The email is the one scheduling.emails builds from the templates in
templates/scheduling/email/ (with the .ics of a confirmed appointment). The SMS and the
in-app line are one sentence per kind (SMS_BODIES): the doctor, the patient (to the
doctor), the time, the serial and the chamber; never symptoms, notes, reasons or any
other medical detail. An SMS is "Appion: <sentence> <short link>" and is fitted into
sms.MAX_PARTS parts by shortening the names if it must. Bengali SMS are UCS-2 (134
characters in two parts, the link included): their translations must stay short.

Functions for the services: booked, status_changed, rescheduled, reminder; and
serial_near for the live queue (see its docstring)."""

from django.conf import settings
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from appion.l10n import local_date, local_digits, spoken_time
from appion.messaging import services as messaging
from appion.messaging import sms
from appion.messaging.services import Email, InApp
from scheduling.emails import appointment_email, message_html
from scheduling.models import Appointment

Status = Appointment.Status


class Kind:
    """What a message is about (the outbox's and the in-app list's `kind`)."""

    BOOKED = "booked"
    CONFIRMED = "confirmed"
    CANCELLED = "cancelled"
    RESCHEDULED = "rescheduled"
    REMINDER = "reminder"
    SERIAL_NEAR = "serial_near"


# One sentence per kind and recipient, %-formatted with doctor, patient, when, serial,
# chamber (and now_serving). The English ones use only the GSM-7 alphabet, so that an
# English SMS costs 160/153 characters a part.
SMS_BODIES = {
    ("booked", "patient", "pending"): _(
        "Booked with %(doctor)s, %(when)s, serial %(serial)s, %(chamber)s. Awaiting confirmation."
    ),
    ("booked", "patient", "confirmed"): _(
        "Booked and confirmed with %(doctor)s, %(when)s, serial %(serial)s, %(chamber)s."
    ),
    ("booked", "doctor", ""): _(
        "New booking from %(patient)s, %(when)s, serial %(serial)s, %(chamber)s."
    ),
    ("confirmed", "patient", ""): _(
        "Confirmed: %(doctor)s, %(when)s, serial %(serial)s, %(chamber)s."
    ),
    ("cancelled", "patient", ""): _(
        "Cancelled by the chamber: %(doctor)s, %(when)s, serial %(serial)s, %(chamber)s."
    ),
    ("cancelled", "doctor", ""): _(
        "%(patient)s cancelled: %(when)s, serial %(serial)s, %(chamber)s."
    ),
    ("rescheduled", "patient", ""): _(
        "Moved to %(when)s, serial %(serial)s: %(doctor)s, %(chamber)s."
    ),
    ("rescheduled", "doctor", ""): _(
        "%(patient)s moved their appointment to %(when)s, serial %(serial)s, %(chamber)s."
    ),
    ("reminder", "patient", ""): _(
        "Reminder: %(doctor)s, %(when)s, serial %(serial)s, %(chamber)s. Please come early."
    ),
    ("serial_near", "patient", ""): pgettext_lazy(
        "live queue",
        "Your serial %(serial)s is near: now serving %(now_serving)s at %(chamber)s, "
        "%(doctor)s. Please be ready.",
    ),
}

# Names typed by users: shortened first when an SMS would take too many parts.
SHRINKABLE = ("doctor", "patient", "chamber")


def _when(appointment) -> str:
    """The start as an SMS says it, in the active language: "Wed 17 Jun 10:00", or in
    Bengali the day and the spoken time ("বুধ ১৭ জুন সকাল ১০:০০")."""
    day = local_date(appointment.start, "D j M")
    return f"{day} {spoken_time(appointment.start)}"


def _fields(appointment, **extra) -> dict:
    fields = {
        "doctor": appointment.doctor.user.full_name,
        "patient": appointment.patient_name,
        "when": _when(appointment),
        "serial": local_digits(appointment.serial),
        "chamber": appointment.chamber.name,
    }
    fields.update({name: local_digits(value) for name, value in extra.items()})
    return fields


def link(appointment) -> str:
    """The appointment's page, which its patient, its doctor and staff can open."""
    return reverse("scheduling:appointment", args=[appointment.pk])


def short_link(appointment) -> str:
    """The appointment's page by its short path (/a/<id>/, a redirect), for SMS."""
    return settings.APPION_SITE_URL + reverse("scheduling:short_link", args=[appointment.pk])


def sms_text(body, fields: dict, url: str) -> str:
    """ "Appion: <body> <url>", fitted into sms.MAX_PARTS parts: names shortened first,
    the link kept whole."""

    def render(**values):
        return f"Appion: {body % values}"

    return sms.fit(render, fields, shrinkable=SHRINKABLE, suffix=f" {url}")


def _tell(
    appointment,
    recipient,
    *,
    kind,
    body,
    template,
    subject=None,
    html_template=None,
    when_format=None,
    expires_at=None,
    extra=None,
    **context,
):
    """Write the notification of `kind` about `appointment` to `recipient`: the in-app
    line and the SMS from `body`, the email from `template`. A walk-in (no account:
    `recipient` None) is told at the chamber, not here."""
    if recipient is None:
        return
    extra = extra or {}

    def email():
        if template is None:
            # A sentence of its own (serial_near): the sentence, the link.
            sentence = str(body) % _fields(appointment, **extra)
            text = f"{sentence}\n\n{settings.APPION_SITE_URL}{link(appointment)}\n\n— Appion\n"
            return Email(sentence, text, message_html(text, subject=sentence))
        options = {"html_template": html_template}
        if when_format:
            options["when_format"] = when_format
        message = appointment_email(
            appointment,
            recipient,
            template=template,
            subject=subject or _("Appointment %(status)s: %(when)s, serial %(serial)s"),
            **options,
            **context,
        )
        return Email.from_message(message)

    return messaging.notify(
        recipient,
        kind=kind,
        email=email,
        sms=lambda: sms_text(body, _fields(appointment, **extra), short_link(appointment)),
        in_app=lambda: InApp(str(body) % _fields(appointment, **extra), link(appointment)),
        expires_at=expires_at,
    )


def booked(appointment):
    """Tell the patient and the doctor about a new booking."""
    status = "confirmed" if appointment.status == Status.CONFIRMED else "pending"
    _tell(
        appointment,
        appointment.patient,
        kind=Kind.BOOKED,
        body=SMS_BODIES["booked", "patient", status],
        template="scheduling/email/booked_patient.txt",
    )
    _tell(
        appointment,
        appointment.doctor.user,
        kind=Kind.BOOKED,
        body=SMS_BODIES["booked", "doctor", ""],
        template="scheduling/email/booked_doctor.txt",
    )


def status_changed(appointment, *, by, reason=""):
    """Tell the other side about a status change: the patient of a confirmation or of
    a cancellation by the chamber or staff (a decline, a day off), the doctor of a
    cancellation by the patient. The reason goes in the email only."""
    if appointment.status == Status.CANCELLED and by.pk == appointment.patient_id:
        recipient, kind, body = (
            appointment.doctor.user,
            Kind.CANCELLED,
            SMS_BODIES["cancelled", "doctor", ""],
        )
    elif appointment.status == Status.CONFIRMED:
        recipient, kind, body = (
            appointment.patient,
            Kind.CONFIRMED,
            SMS_BODIES["confirmed", "patient", ""],
        )
    elif appointment.status == Status.CANCELLED:
        recipient, kind, body = (
            appointment.patient,
            Kind.CANCELLED,
            SMS_BODIES["cancelled", "patient", ""],
        )
    else:
        return
    _tell(
        appointment,
        recipient,
        kind=kind,
        body=body,
        template="scheduling/email/status_changed.txt",
        reason=reason,
    )


def rescheduled(old, new):
    """Tell the patient and the doctor that an appointment moved (to `new`)."""
    for recipient, role in ((new.patient, "patient"), (new.doctor.user, "doctor")):
        _tell(
            new,
            recipient,
            kind=Kind.RESCHEDULED,
            body=SMS_BODIES["rescheduled", role, ""],
            template="scheduling/email/rescheduled.txt",
            subject=_("Appointment rescheduled: %(when)s, serial %(serial)s"),
            previous=old,
        )


def reminder(appointment):
    """Remind the patient of their confirmed appointment; not sent once it has begun."""
    _tell(
        appointment,
        appointment.patient,
        kind=Kind.REMINDER,
        body=SMS_BODIES["reminder", "patient", ""],
        template="scheduling/email/reminder.txt",
        html_template="scheduling/email/reminder.html",
        subject=_("Reminder: appointment with %(doctor)s, %(when)s, serial %(serial)s"),
        when_format="l, j F, H:i",
        expires_at=appointment.start,
    )


def serial_near(appointment, *, now_serving):
    """Tell the patient that their turn is near: the chamber is now serving serial
    `now_serving` (an int). For the live queue: call it inside the transaction that
    moves the queue, once per appointment (the caller decides when, e.g. two serials
    ahead, and remembers that it did). In-app and SMS/email by the patient's choice,
    in their language; the SMS carries the serials, the chamber, the doctor and the
    link, and expires at the appointment's end, so a late one is never sent."""
    _tell(
        appointment,
        appointment.patient,
        kind=Kind.SERIAL_NEAR,
        body=SMS_BODIES["serial_near", "patient", ""],
        template=None,
        expires_at=appointment.end,
        extra={"now_serving": now_serving},
    )
