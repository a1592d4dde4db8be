"""The "Add to Google Calendar" and "Add to Outlook" links beside the .ics download:
the services' URL formats, every value encoded, names with markup escaped in the page,
and no health details in them."""

import re
from datetime import UTC, datetime, time, timedelta
from html import unescape
from urllib.parse import parse_qs, urlsplit

import pytest
from django.utils import timezone

from accounts.tests.factories import DoctorProfileFactory, PatientFactory
from scheduling.tests.factories import AppointmentFactory

pytestmark = pytest.mark.django_db

MARKUP = '<script>alert("x")</script>'


@pytest.fixture
def appointment():
    day = timezone.localdate() + timedelta(days=3)
    return AppointmentFactory(
        doctor=DoctorProfileFactory(
            user__full_name=f"Dr. Nasima {MARKUP} & Sons",
            chamber_name="Popular <b>Diagnostic</b> Centre",
            chamber_address="House 16, Road 2 & 3",
        ),
        patient=PatientFactory(full_name=f"Rahim {MARKUP} Uddin"),
        start=datetime.combine(day, time(9), tzinfo=timezone.get_default_timezone()),
        serial=3,
        symptoms="Chest pain since Monday",
        notes="Allergic to penicillin",
    )


def hrefs(html, prefix):
    return [
        unescape(h) for h in re.findall(r'href="([^"]+)"', html) if unescape(h).startswith(prefix)
    ]


def query(url):
    parts = urlsplit(url)
    return parts, {name: values[0] for name, values in parse_qs(parts.query).items()}


def page(client, user, appointment):
    client.force_login(user)
    response = client.get(f"/appointments/{appointment.pk}/")
    assert response.status_code == 200
    return response.content.decode()


def test_the_google_link_is_filled_in_as_the_ics_is(client, appointment):
    html = page(client, appointment.patient, appointment)

    [google] = hrefs(html, "https://calendar.google.com/")
    parts, values = query(google)
    start = appointment.start.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")
    end = appointment.end.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")
    assert f"{parts.scheme}://{parts.netloc}{parts.path}" == (
        "https://calendar.google.com/calendar/render"
    )
    assert values["action"] == "TEMPLATE"
    assert values["dates"] == f"{start}/{end}"
    assert values["text"] == f"Appointment with Dr. Nasima {MARKUP} & Sons (serial 3)"
    assert values["location"] == "Popular <b>Diagnostic</b> Centre, House 16, Road 2 & 3"
    assert values["details"].splitlines() == ["Serial: 3", "Fee: ৳800", "Status: Pending"]


def test_the_outlook_link_is_filled_in_as_the_ics_is(client, appointment):
    html = page(client, appointment.patient, appointment)

    [outlook] = hrefs(html, "https://outlook.live.com/")
    parts, values = query(outlook)
    assert f"{parts.scheme}://{parts.netloc}{parts.path}" == (
        "https://outlook.live.com/calendar/0/deeplink/compose"
    )
    assert values["path"] == "/calendar/action/compose"
    assert values["rru"] == "addevent"
    assert values["startdt"] == appointment.start.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    assert values["enddt"] == appointment.end.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    assert values["startdt"].endswith("T03:00:00Z")  # 09:00 in Dhaka
    assert values["subject"] == f"Appointment with Dr. Nasima {MARKUP} & Sons (serial 3)"
    assert values["location"] == "Popular <b>Diagnostic</b> Centre, House 16, Road 2 & 3"
    assert "Serial: 3" in values["body"]


def test_every_value_is_encoded_and_the_page_escapes_the_links(client, appointment):
    html = page(client, appointment.patient, appointment)

    assert MARKUP not in html
    assert "<b>Diagnostic</b>" not in html
    for link in hrefs(html, "https://calendar.google.com/") + hrefs(html, "https://outlook."):
        query_string = urlsplit(link).query
        # Spaces, ampersands, angle brackets and quotes never appear raw in the address.
        assert not set(' <>"') & set(query_string)
        assert "%26%20Sons" in query_string
        assert query_string.count("&") == len(parse_qs(query_string)) - 1


def test_the_links_carry_no_health_or_personal_details(client, appointment):
    html = page(client, appointment.patient, appointment)

    for link in hrefs(html, "https://calendar.google.com/") + hrefs(html, "https://outlook."):
        text = str(query(link)[1])
        for private in ("Chest pain", "penicillin", "Rahim", appointment.patient.email):
            assert private not in text


def test_the_doctor_gets_links_for_their_own_calendar(client, appointment):
    html = page(client, appointment.doctor.user, appointment)

    [google] = hrefs(html, "https://calendar.google.com/")
    [outlook] = hrefs(html, "https://outlook.live.com/")
    assert query(google)[1]["text"] == "Serial 3 · Rahim"
    assert query(outlook)[1]["subject"] == "Serial 3 · Rahim"
    for link in (google, outlook):
        assert "Uddin" not in link and "Chest" not in link
    # The share links are the patient's.
    assert not hrefs(html, "https://wa.me/")


def test_the_ics_download_sits_beside_the_links(client, appointment):
    html = page(client, appointment.patient, appointment)

    ics = html.index(f'href="/appointments/{appointment.pk}/ics/"')
    assert ics < html.index("Add to Google Calendar") < html.index("Add to Outlook")
