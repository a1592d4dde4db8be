"""The appointment page after booking: what happens next, and the links that take the
booking to a calendar or to a relative, without health details."""

import re
from datetime import UTC, datetime, time, timedelta
from html import unescape
from urllib.parse import parse_qs, unquote, urlsplit

import pytest
from django.utils import timezone

from accounts.tests.factories import DoctorProfileFactory, PatientFactory
from scheduling.tests.factories import AppointmentFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def appointment():
    day = timezone.localdate() + timedelta(days=3)
    return AppointmentFactory(
        doctor=DoctorProfileFactory(user__full_name="Dr. Nasima Akter"),
        patient=PatientFactory(full_name="Rahim Uddin"),
        start=datetime.combine(day, time(9), tzinfo=timezone.get_default_timezone()),
        serial=3,
        symptoms="Chest pain since Monday",
    )


def links(html):
    return {unescape(href) for href in re.findall(r'href="([^"]+)"', html)}


def test_the_patient_can_add_the_booking_to_google_calendar(client, appointment):
    client.force_login(appointment.patient)

    html = client.get(f"/appointments/{appointment.pk}/").content.decode()

    [google] = [link for link in links(html) if link.startswith("https://calendar.google.com/")]
    query = parse_qs(urlsplit(google).query)
    start = appointment.start.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")
    end = appointment.end.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")
    assert query["action"] == ["TEMPLATE"]
    assert query["dates"] == [f"{start}/{end}"]
    assert "Nasima Akter" in query["text"][0] and "serial 3" in query["text"][0]
    assert "Chest pain" not in google


def test_the_share_links_carry_the_booking_but_no_health_or_personal_details(client, appointment):
    client.force_login(appointment.patient)

    html = client.get(f"/appointments/{appointment.pk}/").content.decode()

    shared = [unquote(link) for link in links(html) if link.startswith(("sms:", "https://wa.me/"))]
    assert len(shared) == 2
    for message in shared:
        assert "Nasima Akter" in message and "serial 3" in message
        assert "09:00" in message
        assert "Chest pain" not in message and "Rahim" not in message


def test_a_pending_booking_says_what_happens_next(client, appointment):
    client.force_login(appointment.patient)

    html = client.get(f"/appointments/{appointment.pk}/").content.decode()

    assert "What happens next" in html
    assert "we tell you as soon as it does" in html
    assert "Pay the fee at the chamber." in html
    assert "arrive 15 minutes before your time" in html


def test_a_confirmed_booking_says_the_chamber_expects_the_patient(client, appointment):
    appointment.status = "confirmed"
    appointment.save()
    client.force_login(appointment.patient)

    html = client.get(f"/appointments/{appointment.pk}/").content.decode()

    assert "Your serial is confirmed" in html
    assert "we tell you as soon as it does" not in html


def test_the_doctor_gets_no_share_links_or_patient_advice(client, appointment):
    client.force_login(appointment.doctor.user)

    html = client.get(f"/appointments/{appointment.pk}/").content.decode()

    assert "What happens next" not in html
    assert not [link for link in links(html) if link.startswith(("sms:", "https://wa.me/"))]


def test_the_appointment_page_has_the_chamber_call_button_and_map(client, appointment):
    chamber = appointment.chamber
    chamber.phone = "+8801712345678"
    chamber.map_url = "https://maps.example.com/popular"
    chamber.save()
    client.force_login(appointment.patient)

    html = client.get(f"/appointments/{appointment.pk}/").content.decode()

    assert 'href="tel:+8801712345678"' in html
    assert 'href="https://maps.example.com/popular"' in html
