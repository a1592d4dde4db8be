"""Wherever a number meets a noun, one of it is singular and two are plural: each message
and label goes through ngettext or {% blocktranslate count %}, in English and (through
the catalogue's two plural forms) in Bengali."""

import re
from datetime import datetime, time, timedelta
from io import StringIO
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.core.management import call_command

from accounts.tests.factories import DoctorProfileFactory, PatientFactory, StaffFactory
from scheduling.hours import check_ranges
from scheduling.models import Appointment
from scheduling.tests.factories import AppointmentFactory, TimeOffFactory, open_every_day

DHAKA = ZoneInfo("Asia/Dhaka")
NOW = datetime(2026, 3, 10, 10, 0, tzinfo=DHAKA)
TODAY = NOW.date()

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _frozen():
    with time_machine.travel(NOW, tick=False):
        yield


def at(day, hour):
    return datetime.combine(day, time(hour), tzinfo=DHAKA)


def text(response):
    """The page as a person reads it: tags removed, white space collapsed."""
    return " ".join(re.sub(r"<[^>]+>", " ", response.content.decode()).split())


@pytest.fixture
def doctor(client):
    doctor = open_every_day(DoctorProfileFactory())
    client.force_login(doctor.user)
    return doctor


def book(doctor, day, hours, status=Appointment.Status.CONFIRMED, **kwargs):
    return [
        AppointmentFactory(doctor=doctor, start=at(day, h), status=status, **kwargs) for h in hours
    ]


@pytest.mark.parametrize(
    ("hours", "message"),
    [
        ([9], "1 booked appointment falls on these days. Review it below."),
        ([9, 10], "2 booked appointments fall on these days. Review them below."),
    ],
)
def test_time_off_counts_the_booked_appointments_it_falls_on(client, doctor, hours, message):
    day = TODAY + timedelta(days=5)
    book(doctor, day, hours)
    response = client.post(
        "/portal/time-off/", {"start_date": day, "end_date": day, "reason": ""}, follow=True
    )
    assert message in text(response)


@pytest.mark.parametrize(
    ("hours", "message"),
    [([9], "1 appointment was cancelled."), ([9, 10], "2 appointments were cancelled.")],
)
def test_cancelling_for_time_off_counts_the_appointments(client, doctor, hours, message):
    day = TODAY + timedelta(days=5)
    book(doctor, day, hours)
    leave = TimeOffFactory(doctor=doctor, start_date=day, end_date=day)
    response = client.post(
        f"/portal/time-off/{leave.pk}/", {"message": "Sorry, I am away."}, follow=True
    )
    assert message in text(response)


def test_a_range_shorter_than_a_slot_names_the_minutes():
    with pytest.raises(ValidationError) as one:
        check_ranges([(time(9), time(9, 0, 30))], 1)
    assert one.value.messages == ["09:00-09:00 is shorter than one slot (1 minute)."]
    with pytest.raises(ValidationError) as many:
        check_ranges([(time(9), time(9, 20))], 30)
    assert many.value.messages == ["09:00-09:20 is shorter than one slot (30 minutes)."]


def run(command, *args):
    out, err = StringIO(), StringIO()
    call_command(command, *args, stdout=out, stderr=err)
    return out.getvalue().strip(), err.getvalue().strip()


@pytest.mark.parametrize(
    ("count", "queued", "would_send"),
    [
        (1, "Queued 1 reminder.", "Would send 1 reminder."),
        (2, "Queued 2 reminders.", "Would send 2 reminders."),
    ],
)
def test_reminders_are_counted(count, queued, would_send):
    for hour in range(count):
        AppointmentFactory(start=NOW + timedelta(hours=hour + 2), status="confirmed")
    assert run("send_reminders", "--dry-run") == (would_send, "")
    assert run("send_reminders") == (queued, "")


@pytest.mark.parametrize(
    ("count", "message"),
    [
        (1, "1 message will be sent again by the worker."),
        (2, "2 messages will be sent again by the worker."),
    ],
)
def test_messages_retried_from_the_admin_are_counted(admin_client, count, message):
    from appion.messaging.services import queue_sms

    ids = [queue_sms(to=f"+88017123456{n:02d}", text="x").pk for n in range(count)]
    response = admin_client.post(
        "/admin/messaging/outboxmessage/",
        {"action": "retry_now", "_selected_action": ids},
        follow=True,
    )
    assert message in response.content.decode()


@pytest.mark.parametrize(
    ("count", "message"),
    [
        (1, "Refreshed the next free slot of 1 doctor."),
        (2, "Refreshed the next free slot of 2 doctors."),
    ],
)
def test_refreshing_the_next_free_slots_counts_the_doctors(count, message):
    for _n in range(count):
        open_every_day(DoctorProfileFactory())
    assert run("refresh_next_free") == (message, "")


@pytest.mark.parametrize(
    ("days", "message"), [(1, "Summarised 1 day in"), (2, "Summarised 2 days in")]
)
def test_summarising_the_reports_counts_the_days(days, message):
    doctor = open_every_day(DoctorProfileFactory())
    for n in range(days):
        book(doctor, TODAY - timedelta(days=n + 1), [9], status="completed")
    out, _err = run("summarise_reports")
    assert out.startswith(message)


def test_the_demo_data_is_counted_without_a_wrong_plural():
    out, _err = run("seed_demo", "--doctors=1", "--patients=1", "--appointments=1")
    assert "1 doctors" not in out and "1 patients" not in out and "1 appointments" not in out
    assert "doctors: 1, patients: 1, appointments:" in out


@pytest.mark.parametrize("count", [1, 2])
def test_the_overview_counts_new_users_and_doctors_awaiting_verification(client, count):
    client.force_login(StaffFactory())
    for _n in range(count):
        PatientFactory()
        DoctorProfileFactory(verified_at=None)
    page = text(client.get("/reports/"))
    if count == 1:
        assert "1 new patient " in page and "1 new doctor " in page
        assert "1 doctor awaiting verification" in page
    else:
        assert "2 new patients" in page and "2 new doctors" in page
        assert "2 doctors awaiting verification" in page
    bengali = client.get("/reports/", HTTP_ACCEPT_LANGUAGE="bn").content.decode()
    digit = "১২"[count - 1]
    assert f"<strong>{digit}</strong> জন নতুন রোগী" in bengali


@pytest.mark.parametrize("count", [1, 2])
def test_a_doctor_report_counts_appointments_patients_and_days(client, doctor, count):
    day = TODAY - timedelta(days=3)
    returning = PatientFactory()
    book(doctor, TODAY - timedelta(days=60), [9], status="completed", patient=returning)
    with time_machine.travel(at(day, 8) - timedelta(days=count), tick=False):
        # Booked `count` days ahead of the visit.
        for hour in range(count):
            book(doctor, day, [9 + hour], status="completed", patient=PatientFactory())
            book(doctor, day, [14 + hour], status="completed", patient=returning)
    page = text(client.get("/portal/report/", {"start_date": TODAY - timedelta(days=30)}))
    if count == 1:
        assert "1 new patient " in page
        assert "Average time from booking to visit: 1 day " in page
    else:
        assert "2 new patients" in page
        assert "Average time from booking to visit: 2 days" in page
    assert "1 returning patient " in page
    total = 2 * count
    assert f"{total} appointments" in page


def test_one_appointment_in_a_report_is_singular(client, doctor):
    book(doctor, TODAY - timedelta(days=3), [9], status="completed")
    page = text(client.get("/portal/report/"))
    assert "1 appointment " in page and "1 appointments" not in page
