"""The states of the pages (issue #20): each appointment status in its one colour and
icon with its name; error summaries that link to the fields."""

import html
import re
from datetime import datetime, timedelta
from urllib.parse import quote
from zoneinfo import ZoneInfo

import pytest
import time_machine

from accounts.tests.factories import DoctorProfileFactory, PatientFactory
from scheduling.models import Appointment
from scheduling.tests.factories import AppointmentFactory, open_every_day

pytestmark = pytest.mark.django_db

DHAKA = ZoneInfo("Asia/Dhaka")
NOW = datetime(2026, 3, 10, 10, 0, tzinfo=DHAKA)  # a Tuesday morning
Status = Appointment.Status


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def doctor():
    return open_every_day(DoctorProfileFactory(user__full_name="Dr. Nusrat Jahan"))


def badge(page, status):
    """The text of the status badge of `status` on the page, or None."""
    found = re.search(
        rf'<span class="badge status-badge status-{status}"><svg [^>]*aria-hidden="true"'
        r"[^>]*>.*?</svg>(?P<label>[^<]+)</span>",
        page,
    )
    return html.unescape(found["label"]) if found else None


def one_of_each_status(doctor, patient):
    appointments = {}
    for day, status in enumerate(Status.values, start=1):
        past = status in {"completed", "no_show"}
        start = NOW.replace(hour=9) + timedelta(days=-day if past else day)
        appointments[status] = AppointmentFactory(
            doctor=doctor,
            patient=patient,
            start=start,
            status=status,
            hold_until=NOW + timedelta(minutes=10) if status == "awaiting_payment" else None,
        )
    return appointments


def test_each_status_shows_its_colour_icon_and_name_on_the_list_and_the_detail(client, doctor):
    patient = PatientFactory()
    appointments = one_of_each_status(doctor, patient)
    client.force_login(patient)

    listed = client.get("/appointments/").content.decode()
    for status, appointment in appointments.items():
        assert badge(listed, status) == appointment.get_status_display(), status
        detail = client.get(f"/appointments/{appointment.pk}/").content.decode()
        assert badge(detail, status) == appointment.get_status_display(), status


def test_the_statuses_speak_bengali_in_bengali(client, doctor):
    patient = PatientFactory()
    one_of_each_status(doctor, patient)
    client.force_login(patient)
    client.cookies["django_language"] = "bn"

    listed = client.get("/appointments/", headers={"Accept-Language": "bn"}).content.decode()

    assert badge(listed, "confirmed") == "নিশ্চিত"
    assert badge(listed, "cancelled") == "বাতিল"


def test_the_doctor_sees_the_same_badges_in_the_agenda_and_the_history(client, doctor):
    pending = AppointmentFactory(doctor=doctor, start=NOW.replace(hour=14), status="pending")
    AppointmentFactory(doctor=doctor, start=NOW.replace(hour=15), status="confirmed")
    client.force_login(doctor.user)

    agenda = client.get("/portal/agenda/?date=2026-03-10").content.decode()
    assert badge(agenda, "pending") == "Pending"
    assert badge(agenda, "confirmed") == "Confirmed"

    client.post(f"/appointments/{pending.pk}/status/", {"to": "confirmed"})
    detail = client.get(f"/portal/appointments/{pending.pk}/").content.decode()
    history = detail[detail.index("History") :]
    assert badge(history, "pending") == "Pending"
    assert badge(history, "confirmed") == "Confirmed"


def test_a_bad_registration_lists_each_error_as_a_link_to_its_field(client):
    response = client.post(
        "/accounts/register/patient/",
        {"full_name": "", "email": "not an address", "mobile": "01712345678"},
    )

    page = html.unescape(response.content.decode())
    summary = page[page.index('class="alert alert-danger error-summary" role="alert"') :]
    summary = summary[: summary.index("</div>")]
    assert "Please correct the errors below." in summary
    assert '<a href="#id_full_name">Full name: This field is required.</a>' in summary
    assert '<a href="#id_email">Email address: Enter a valid email address.</a>' in summary
    for target in re.findall(r'href="#([^"]+)"', summary):
        assert f'id="{target}"' in page


def test_a_bad_booking_lists_the_errors_of_the_visit_and_the_account(client, doctor):
    start = datetime(2026, 3, 12, 10, 0, tzinfo=DHAKA)
    response = client.post(
        f"/appointments/book/{doctor.pk}/?start={quote(start.isoformat())}",
        {
            "start": start.isoformat(),
            "account": "new",
            "full_name": "Rahima Begum",
            "email": "rahima@example.com",
            "mobile": "12345",
            "password1": "Dhaka#Sky42",
            "password2": "Dhaka#Sky42",
            "symptoms": "x" * 1001,
        },
    )

    assert response.status_code == 200
    assert not Appointment.objects.exists()
    page = html.unescape(response.content.decode())
    assert page.count("error-summary") == 1
    summary = page[page.index("error-summary") :]
    summary = summary[: summary.index("</div>")]
    links = re.findall(r'<a href="#([^"]+)">', summary)
    assert links == ["id_symptoms", "id_mobile"]
    for target in links:
        assert f'id="{target}"' in page


def test_a_form_without_errors_has_no_summary(client):
    assert "error-summary" not in client.get("/accounts/register/patient/").content.decode()
