"""The states of the pages (issue #20): each appointment status in its one colour and
icon with its name; error summaries that link to the fields."""

import html
import re
from datetime import datetime, timedelta
from urllib.parse import quote
from zoneinfo import ZoneInfo

import pytest
import time_machine

from accounts.tests.factories import DoctorProfileFactory, PatientFactory, StaffFactory
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


# Empty lists say what to do next: a link or button to the next step.


def empty_state(page):
    """(text, link) of each empty state of the page."""
    return [
        (html.unescape(" ".join(text.split())), link)
        for text, link in re.findall(
            r'<div class="empty-state">\s*<p class="empty-state-text">(.*?)</p>\s*'
            r'<a class="btn btn-sm btn-outline-primary" href="([^"]+)">',
            page,
            re.S,
        )
    ]


def test_a_new_patient_is_sent_to_find_a_doctor(client):
    client.force_login(PatientFactory())

    states = empty_state(client.get("/appointments/").content.decode())

    assert [link for _text, link in states] == ["/doctors/", "/doctors/"]
    assert states[0][0].startswith("No upcoming appointments.")


def test_a_doctor_with_an_empty_day_is_sent_to_the_chambers_and_rules(client, doctor):
    client.force_login(doctor.user)

    portal = empty_state(client.get("/portal/").content.decode())
    assert [link for _text, link in portal] == ["/portal/chambers/", "/portal/schedule/"]
    agenda = empty_state(client.get("/portal/agenda/?date=2026-03-10").content.decode())
    assert agenda[0][0].startswith("No appointments.")
    assert agenda[0][1] == "/portal/chambers/"


def test_an_empty_queue_points_to_the_walk_in_form(client, doctor):
    client.force_login(doctor.user)

    page = client.get("/portal/queue/").content.decode()

    assert empty_state(page) == [("No patients today yet.", "#walk-in")]
    assert 'id="walk-in"' in page


def test_no_time_off_points_to_its_form(client, doctor):
    client.force_login(doctor.user)

    page = client.get("/portal/time-off/").content.decode()

    assert empty_state(page) == [("No time off planned.", "#id_start_date")]
    assert 'id="id_start_date"' in page


def test_a_doctor_without_a_chamber_is_asked_to_add_one(client, doctor):
    doctor.chambers.all().delete()
    client.force_login(doctor.user)

    for path in ("/portal/chambers/", "/portal/schedule/"):
        [(text, link)] = empty_state(client.get(path).content.decode())
        assert text.startswith("You have no chamber yet.")
        assert link == "/portal/chambers/new/"


def test_no_notifications_leads_to_the_appointments(client):
    client.force_login(PatientFactory())

    [(text, link)] = empty_state(client.get("/notifications/").content.decode())

    assert text.startswith("You have no notifications yet.")
    assert link == "/appointments/"


def test_an_empty_report_offers_other_dates(client, doctor):
    client.force_login(StaffFactory())

    page = client.get(f"/reports/doctor/{doctor.pk}/").content.decode()

    assert "No appointments in this range." in page
    assert 'href="#report-start">Change the dates</a>' in page
    assert 'id="report-start"' in page


# Long actions show progress (static/js/appion.js: a spinner on the button, a second tap
# sends nothing); the pages mark them, and work as plain forms and links without it.


def test_the_booking_form_and_the_csv_export_are_marked_as_long_actions(client, doctor):
    start = datetime(2026, 3, 12, 10, 0, tzinfo=DHAKA)
    client.force_login(PatientFactory())
    booking = client.get(f"/appointments/book/{doctor.pk}/?start={quote(start.isoformat())}")
    assert re.search(
        r'<form method="post" action="[^"]+"[^>]* data-busy="[^"]+"', booking.content.decode()
    )

    client.force_login(StaffFactory())
    report = client.get(f"/reports/doctor/{doctor.pk}/").content.decode()
    assert re.search(r'href="[^"]*format=csv" data-busy="[^"]+"', report)
