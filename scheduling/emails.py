"""Appointment emails, built one way: in the recipient's language, plain text and HTML,
with the calendar file attached when the appointment is confirmed.

What users typed (names, symptoms, chamber names and addresses, reasons) is data in both
parts: the plain-text templates render it as typed (autoescape off), and the HTML part
is built from escaped pieces only, so that no one can put a link or an image into a
genuine Appion email."""

import re

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation
from django.utils.html import escape, format_html_join
from django.utils.safestring import mark_safe
from django.utils.text import normalize_newlines

from appion.l10n import local_date, local_digits
from scheduling.calendar import appointment_ics, audience_for, ics_filename
from scheduling.models import Appointment

# Our own markup, never interpolated with anything.
_LINE_BREAK = mark_safe("<br>")

SUBJECT_WHEN = "j M Y H:i"


def text_as_html(text):
    """The plain-text part as safe HTML: a paragraph per block of lines, a <br> per
    line break, every character of the text escaped. The text templates render user
    input unescaped and render_to_string marks their output safe, so each line goes
    through escape() (which escapes safe strings too), never conditional_escape()."""
    paragraphs = re.split(r"\n{2,}", normalize_newlines(text).strip("\n"))
    return format_html_join("\n", "<p>{}</p>", ((_lines(p),) for p in paragraphs))


def _lines(paragraph):
    return format_html_join(_LINE_BREAK, "{}", ((escape(line),) for line in paragraph.split("\n")))


def appointment_subject(text, appointment, *, when_format=SUBJECT_WHEN):
    """The subject `text` filled in for `appointment` in the active language, its numbers
    in that language's digits: %(doctor)s is the doctor's name, %(status)s the status,
    %(when)s the start in local time (as the `date` filter with `when_format`) and
    %(serial)s the serial. The one home of appointment email subjects: every
    appointment email (appointment_email) builds its subject here."""
    return str(text) % {
        "doctor": appointment.doctor.user.full_name,
        "status": appointment.get_status_display().lower(),
        "when": local_date(appointment.start, when_format),
        "serial": local_digits(appointment.serial),
    }


def appointment_email(
    appointment,
    recipient,
    *,
    template,
    subject,
    when_format=SUBJECT_WHEN,
    html_template=None,
    **context,
):
    """The email to `recipient` about `appointment`. `subject` is a translatable text
    filled in by appointment_subject (with `when_format`) while the recipient's language
    is active; the HTML part is `html_template` (an autoescaping template extending
    scheduling/email/base.html, Appion's email layout), or else the text as escaped
    paragraphs (text_as_html) in that layout (message_html). The templates get
    `appointment_url`, the appointment page's address (appointment_url): an online
    consultation's emails say to join from there, never the video room itself."""
    page_url = appointment_url(appointment)
    context = {
        "appointment": appointment,
        "recipient": recipient,
        "appointment_url": page_url,
        "profile_url": settings.APPION_SITE_URL + reverse("accounts:profile"),
        **context,
    }
    with translation.override(recipient.preferred_language or "en"):
        text = render_to_string(template, context)
        title = appointment_subject(subject, appointment, when_format=when_format)
        if html_template:
            html = render_to_string(
                html_template, {**context, "body": text_as_html(text), "subject": escape(title)}
            )
        else:
            html = message_html(text, subject=title, **context)
        message = EmailMultiAlternatives(title, text, to=[recipient.email])
        message.attach_alternative(html, "text/html")
        if appointment.status == Appointment.Status.CONFIRMED:
            ics = appointment_ics(
                appointment, audience=audience_for(appointment, recipient), page_url=page_url
            )
            message.attach(ics_filename(appointment), ics, "text/calendar")
    return message


def message_html(text, *, subject, **context) -> str:
    """The plain text `text` as the HTML part: its escaped paragraphs (text_as_html) in
    Appion's email layout, in the active language. Every HTML email about an
    appointment is this or a template extending the same layout."""
    return render_to_string(
        "scheduling/email/message.html",
        {
            "profile_url": settings.APPION_SITE_URL + reverse("accounts:profile"),
            **context,
            "body": text_as_html(text),
            "subject": escape(subject),
        },
    )


def appointment_url(appointment) -> str:
    """The appointment page's absolute address (settings.APPION_SITE_URL): emails are
    written without a request to take the host from."""
    return settings.APPION_SITE_URL + appointment.get_absolute_url()
