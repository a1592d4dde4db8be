"""Every email the app sends treats what users typed as data: in the HTML part it is
escaped and adds no tag or attribute, in the plain-text part it reads as typed.

The emails are written to the outbox by the change that causes them and sent by the
worker (appion.messaging); the test runs the worker and reads what it sent, so the
stored row and its delivery are both covered. Each email is sent twice, once from a
world whose every user-entered field holds markup and once from a world with harmless
words, in English and in Bengali (each recipient's preferred language, as the app
chooses it). The HTML parts must have the same tags and
attributes in the same order: only the template may write markup."""

from dataclasses import dataclass
from datetime import datetime, time, timedelta
from html.parser import HTMLParser
from io import StringIO
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.conf import settings
from django.core import mail
from django.core.management import call_command
from django.utils.html import escape

from accounts.tests.factories import DoctorProfileFactory, PatientFactory, StaffFactory
from appion.messaging.worker import Worker
from locations.tests.factories import DistrictFactory, ThanaFactory
from scheduling import services
from scheduling.models import Appointment, TimeOff
from scheduling.tests.factories import AppointmentFactory, open_every_day

pytestmark = pytest.mark.django_db

DHAKA = ZoneInfo("Asia/Dhaka")
# A Tuesday morning; the bookings below are for the next day.
NOW = datetime(2026, 3, 10, 8, 0, tzinfo=DHAKA)
TOMORROW = NOW.date() + timedelta(days=1)

MARKUP = '<a href="http://evil.example/">x</a><img src=x onerror=alert(1)> "quotes" & ampersands'


def hostile(field):
    return f"{MARKUP} {field}"


def harmless(field):
    return f"Plain words {field}"


def at(hour):
    return datetime.combine(TOMORROW, time(hour), tzinfo=DHAKA)


@pytest.fixture(autouse=True)
def _frozen_now():
    with time_machine.travel(NOW, tick=False):
        yield


@dataclass
class World:
    """A doctor and a patient whose every typed field is `text(field)`."""

    text: object
    doctor: object
    patient: object
    client: object
    capture: object

    def booked(self, status=Appointment.Status.PENDING):
        appointment = services.book_appointment(
            patient=self.patient,
            doctor=self.doctor,
            start=at(10),
            symptoms=self.text("symptoms"),
            notes=self.text("notes"),
            notify=False,  # the scene, not the scenario: its messages are not the test's
        )
        if status == Appointment.Status.CONFIRMED:
            services.change_status(
                appointment=appointment, to=status, by=self.doctor.user, notify=False
            )
        return appointment


def make_world(text, language, client, capture):
    thana = ThanaFactory(
        name=text("thana"),
        name_bn=text("thana"),
        district=DistrictFactory(name=text("district"), name_bn=text("district")),
    )
    doctor = open_every_day(
        DoctorProfileFactory(
            user__full_name=text("doctor"),
            user__preferred_language=language,
            chamber_name=text("chamber"),
            chamber_address=text("address"),
            chamber_thana=thana,
        )
    )
    patient = PatientFactory(full_name=text("patient"), preferred_language=language)
    return World(text, doctor, patient, client, capture)


# What each scenario does through the public interface; it returns, for each recipient
# of the emails it sends, the fields that recipient's email shows.
CHAMBER = {"patient", "doctor", "chamber", "address"}


def booking(world):
    world.client.force_login(world.patient)
    with world.capture(execute=True):
        response = world.client.post(
            f"/appointments/book/{world.doctor.pk}/?start={at(10).isoformat()}",
            {"symptoms": world.text("symptoms"), "notes": world.text("notes")},
        )
    assert response.status_code == 302
    return {world.patient: CHAMBER, world.doctor.user: {"patient", "symptoms"}}


def confirm(world):
    appointment = world.booked()
    world.client.force_login(world.doctor.user)
    with world.capture(execute=True):
        world.client.post(f"/appointments/{appointment.pk}/status/", {"to": "confirmed"})
    return {world.patient: CHAMBER}


def decline(world):
    appointment = world.booked()
    world.client.force_login(world.doctor.user)
    with world.capture(execute=True):
        world.client.post(
            f"/appointments/{appointment.pk}/status/",
            {"to": "declined", "decline-reason": world.text("reason")},
        )
    return {world.patient: CHAMBER | {"reason"}}


def cancel_by(role):
    def cancel(world):
        appointment = world.booked(Appointment.Status.CONFIRMED)
        by = {"patient": world.patient, "doctor": world.doctor.user, "staff": StaffFactory()}
        world.client.force_login(by[role])
        with world.capture(execute=True):
            world.client.post(
                f"/appointments/{appointment.pk}/cancel/", {"reason": world.text("reason")}
            )
        recipient = world.doctor.user if role == "patient" else world.patient
        return {recipient: CHAMBER | {"reason"}}

    cancel.__name__ = f"cancel_by_{role}"
    return cancel


def reschedule(world):
    appointment = world.booked(Appointment.Status.CONFIRMED)
    world.client.force_login(world.patient)
    with world.capture(execute=True):
        world.client.post(
            f"/appointments/{appointment.pk}/reschedule/", {"start": at(15).isoformat()}
        )
    return {world.patient: CHAMBER, world.doctor.user: CHAMBER}


def reminder(world):
    AppointmentFactory(
        doctor=world.doctor,
        patient=world.patient,
        start=NOW + timedelta(hours=5),
        status=Appointment.Status.CONFIRMED,
        symptoms=world.text("symptoms"),
        notes=world.text("notes"),
    )
    call_command("send_reminders", stdout=StringIO(), stderr=StringIO())
    return {world.patient: CHAMBER | {"thana", "district"}}


def time_off(world):
    world.booked(Appointment.Status.CONFIRMED)
    world.client.force_login(world.doctor.user)
    world.client.post(
        "/portal/time-off/",
        {"start_date": TOMORROW, "end_date": TOMORROW, "reason": world.text("leave")},
    )
    leave = TimeOff.objects.get(doctor=world.doctor)
    with world.capture(execute=True):
        world.client.post(f"/portal/time-off/{leave.pk}/", {"message": world.text("message")})
    return {world.patient: CHAMBER | {"message"}}


def password_reset(world):
    world.client.logout()
    language = world.patient.preferred_language
    world.client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    world.client.post("/accounts/password/reset/", {"email": world.patient.email})
    return {world.patient: {"patient"}}


SCENARIOS = [
    booking,
    confirm,
    decline,
    cancel_by("patient"),
    cancel_by("doctor"),
    cancel_by("staff"),
    reschedule,
    reminder,
    time_off,
    password_reset,
]


class _Markup(HTMLParser):
    """Every tag of a document, in order, with its attributes."""

    def __init__(self, html):
        super().__init__(convert_charrefs=True)
        self.tags = []
        self.feed(html)
        self.close()

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, tuple(attrs)))

    def handle_startendtag(self, tag, attrs):
        self.tags.append((tag, tuple(attrs)))

    def handle_endtag(self, tag):
        self.tags.append((f"/{tag}", ()))


def html_part(message):
    parts = [content for content, mimetype in message.alternatives if mimetype == "text/html"]
    return parts[0] if parts else ""


def send(scenario, text, language, client, capture):
    """The emails `scenario` sends from a world filled with `text`, each with the
    fields its recipient's email shows."""
    world = make_world(text, language, client, capture)
    mail.outbox.clear()
    shown = scenario(world)
    Worker().run_once()  # the outbox's emails go out
    messages = list(mail.outbox)
    assert sorted(m.to[0] for m in messages) == sorted(user.email for user in shown)
    by_email = {user.email: fields for user, fields in shown.items()}
    return [(message, by_email[message.to[0]]) for message in messages]


@pytest.mark.parametrize("language", ["en", "bn"])
@pytest.mark.parametrize("scenario", SCENARIOS, ids=lambda scenario: scenario.__name__)
def test_user_text_in_emails_is_data(
    scenario, language, client, django_capture_on_commit_callbacks
):
    reference = send(scenario, harmless, language, client, django_capture_on_commit_callbacks)
    attacked = send(scenario, hostile, language, client, django_capture_on_commit_callbacks)

    assert len(attacked) == len(reference) > 0
    for (message, fields), (expected, _fields) in zip(attacked, reference, strict=True):
        html = html_part(message)
        # Only the template writes markup: the same tags and attributes as with harmless
        # words, so no link, image or handler of the user's.
        assert _Markup(html).tags == _Markup(html_part(expected)).tags
        assert "evil.example/" not in "".join(str(attrs) for _tag, attrs in _Markup(html).tags)
        for field in fields:
            if html:
                assert escape(hostile(field)) in html, field
            # The plain text reads as typed, not as HTML.
            assert hostile(field) in message.body, field
        assert "&amp;" not in message.body
        assert "&lt;" not in message.body
        assert "&quot;" not in message.body


def test_every_appointment_email_has_an_html_part(client, django_capture_on_commit_callbacks):
    """The check above is not empty: the appointment emails do have an HTML part (the
    password reset email is plain text only)."""
    for scenario in (s for s in SCENARIOS if s is not password_reset):
        for message, _fields in send(
            scenario, hostile, "en", client, django_capture_on_commit_callbacks
        ):
            assert "<p" in html_part(message), scenario.__name__


def test_lines_and_paragraphs_of_typed_text_survive_in_the_html_part(
    client, django_capture_on_commit_callbacks
):
    world = make_world(harmless, "en", client, django_capture_on_commit_callbacks)
    world.client.force_login(world.patient)
    with world.capture(execute=True):
        world.client.post(
            f"/appointments/book/{world.doctor.pk}/?start={at(10).isoformat()}",
            {"symptoms": "Fever <3 days\r\nCough & cold"},
        )
    Worker().run_once()
    [message] = [m for m in mail.outbox if m.to == [world.doctor.user.email]]
    assert "Fever <3 days" in message.body
    assert "Cough & cold" in message.body
    assert "Fever &lt;3 days<br>Cough &amp; cold" in html_part(message)
