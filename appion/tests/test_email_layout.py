"""Every HTML email wears Appion's layout (the name mark on the teal, the message, a footer
that says why the reader got it), in the reader's language, beside its plain-text part;
what people typed stays text in it."""

import re
from datetime import datetime, timedelta

import pytest
import time_machine
from django.core import mail
from django.utils import timezone, translation

from accounts import services as accounts
from accounts.tests.factories import DoctorProfileFactory, PatientFactory
from appion.messaging.worker import Worker
from scheduling import notifications
from scheduling.models import Appointment
from scheduling.tests.factories import AppointmentFactory

pytestmark = pytest.mark.django_db

TZ = timezone.get_default_timezone()
NOW = datetime(2026, 6, 17, 8, 0, tzinfo=TZ)  # a Wednesday
# Typed by people: markup in a name, a chamber and a reason must stay text.
PATIENT = 'Rahim <img src="x"> & Sons'
DOCTOR = "Dr. <b>Karim</b>"
CHAMBER = "<script>alert(1)</script> Chamber"
BENGALI = re.compile("[\u0980-\u09ff]")

ACCOUNT_FOOTER = "You get this email because it concerns your Appion account."
APPOINTMENT_FOOTER = "You get this email because you have an appointment through Appion."
NEW_ADDRESS_FOOTER = (
    "You get this email because someone asked to use this address for an Appion account."
)


@pytest.fixture(autouse=True)
def _at_now():
    with time_machine.travel(NOW, tick=False):
        yield


def html_of(message):
    [(html, mimetype)] = message.alternatives
    assert mimetype == "text/html"
    return html


def assert_layout(message, language, footer):
    """The layout's marks, in `language`, with the plain-text part kept."""
    html = html_of(message)
    assert html.startswith("<!DOCTYPE html>")
    assert f'<html lang="{language}">' in html
    assert re.search(
        r'id="appion-email-header" style="background-color: #0f766e;[^"]*">Appion<', html
    )
    with translation.override(language):
        assert translation.gettext(footer) in html
    assert html.count("<body") == 1 and html.count("</html>") == 1
    # The plain-text part stays plain text (what was typed in it, as typed).
    assert message.body.strip() and "<!DOCTYPE" not in message.body
    assert "appion-email-header" not in message.body
    if language == "bn":
        # Bengali in the message itself (not only in names, which are Latin here).
        assert BENGALI.search(html.split('id="appion-email-header"')[1])
    return html


def assert_typed_text_escaped(html):
    for typed in (PATIENT, DOCTOR, CHAMBER):
        assert typed not in html
    assert "<img" not in html and "<script" not in html and "<b>" not in html


def people(language):
    patient = PatientFactory(full_name=PATIENT, preferred_language=language, notify_by="email")
    doctor = DoctorProfileFactory(
        user__full_name=DOCTOR, user__preferred_language=language, user__notify_by="email"
    )
    return patient, doctor


def appointment_for(patient, doctor, *, hours=5, status=Appointment.Status.CONFIRMED):
    appointment = AppointmentFactory(
        patient=patient,
        doctor=doctor,
        start=timezone.now() + timedelta(hours=hours),
        status=status,
    )
    appointment.chamber.name = CHAMBER
    appointment.chamber.save(update_fields=["name"])
    return appointment


def sent():
    """What the worker sends (the locmem backend's outbox), emptied for the next step."""
    Worker().run_once()
    messages = list(mail.outbox)
    mail.outbox.clear()
    return messages


@pytest.mark.parametrize("language", ["en", "bn"])
def test_every_appointment_email_wears_the_layout_in_the_readers_language(language):
    patient, doctor = people(language)
    appointment = appointment_for(patient, doctor)

    notifications.booked(appointment)
    booked = sent()
    assert {tuple(m.to) for m in booked} == {(patient.email,), (doctor.user.email,)}

    notifications.status_changed(appointment, by=doctor.user)
    confirmed = sent()

    notifications.reminder(appointment)
    reminded = sent()

    later = appointment_for(patient, doctor, hours=30)
    notifications.rescheduled(appointment, later)
    rescheduled = sent()

    notifications.serial_near(later, now_serving=1)
    near = sent()

    emails = [*booked, *confirmed, *reminded, *rescheduled, *near]
    assert len(emails) == 7
    for message in emails:
        html = assert_layout(message, language, APPOINTMENT_FOOTER)
        assert_typed_text_escaped(html)
        assert "/accounts/profile/" in html  # where to choose how Appion tells you
    # The reminder's own template and the text-as-HTML messages alike.
    [reminder] = reminded
    assert "&lt;script&gt;alert(1)&lt;/script&gt; Chamber" in html_of(reminder)
    assert "Rahim &lt;img src=&quot;x&quot;&gt; &amp; Sons" in html_of(reminder)


@pytest.mark.parametrize("language", ["en", "bn"])
def test_account_emails_wear_the_layout_in_the_account_holders_language(
    language, django_capture_on_commit_callbacks
):
    user = PatientFactory(full_name=PATIENT, preferred_language=language)
    new = "rahim.new@example.com"

    with django_capture_on_commit_callbacks(execute=True):
        accounts.request_email_change(user=user, email=new, base_url="https://appion.test")
    confirm, notice = sorted(mail.outbox, key=lambda m: m.to != [new])
    token = accounts.email_change_token(user=user, email=new)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        accounts.confirm_email_change(user=user, token=token)
    [changed] = mail.outbox

    assert_layout(confirm, language, NEW_ADDRESS_FOOTER)
    for message in (notice, changed):
        html = assert_layout(message, language, ACCOUNT_FOOTER)
        assert "Rahim &lt;img src=&quot;x&quot;&gt; &amp; Sons" in html
        assert_typed_text_escaped(html)
