"""Appointment emails, built one way: in the recipient's language, plain text and HTML,
with the calendar file attached when the appointment is confirmed."""

from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.utils import translation

from scheduling.calendar import appointment_ics, ics_filename
from scheduling.models import Appointment


def appointment_email(appointment, recipient, *, template, subject, html_template=None, **context):
    """The email to `recipient` about `appointment`. `subject` is called with the
    appointment while the recipient's language is active; the HTML part is
    `html_template`, or else the text wrapped in a plain HTML page."""
    context = {"appointment": appointment, "recipient": recipient, **context}
    with translation.override(recipient.preferred_language or "en"):
        text = render_to_string(template, context)
        title = subject(appointment)
        html = render_to_string(
            html_template or "scheduling/email/message.html",
            {**context, "text": text, "subject": title},
        )
        message = EmailMultiAlternatives(title, text, to=[recipient.email])
        message.attach_alternative(html, "text/html")
        if appointment.status == Appointment.Status.CONFIRMED:
            message.attach(ics_filename(appointment), appointment_ics(appointment), "text/calendar")
    return message
