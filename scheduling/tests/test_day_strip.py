"""Finding the right day: the strip of the next fourteen days above every slot list, the
taken slots greyed in place, and a "next free day" link wherever a day has none."""

from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext

from accounts.tests.factories import DoctorProfileFactory, PatientFactory
from scheduling.models import ChamberHours
from scheduling.selectors import day_strip
from scheduling.tests.factories import AppointmentFactory, TimeOffFactory, open_every_day

pytestmark = pytest.mark.django_db

DHAKA = ZoneInfo("Asia/Dhaka")
# Tuesday 1 December 2026, 07:00 in Dhaka: today's 09:00 is still bookable.
NOW = datetime(2026, 12, 1, 7, 0, tzinfo=DHAKA)
TODAY = NOW.date()


@pytest.fixture(autouse=True)
def _clock():
    with time_machine.travel(NOW, tick=False):
        yield


def at(day, hour):
    return datetime.combine(day, time(hour), tzinfo=DHAKA)


@pytest.fixture
def doctor():
    """Open 09:00–12:00 every day but Friday (hourly: 3 slots), booking 10 days ahead."""
    doctor = open_every_day(
        DoctorProfileFactory(), ranges=[(time(9), time(12))], booking_window_days=10
    )
    ChamberHours.objects.filter(doctor=doctor, weekday=4).delete()  # Friday closed
    return doctor


def test_the_strip_counts_free_slots_and_says_why_a_day_has_none(doctor):
    tomorrow = TODAY + timedelta(days=1)
    for hour in (9, 10, 11):  # Wednesday full
        AppointmentFactory(doctor=doctor, start=at(tomorrow, hour), status="confirmed")
    TimeOffFactory(
        doctor=doctor, start_date=TODAY + timedelta(days=2), end_date=TODAY + timedelta(days=2)
    )

    strip = day_strip(doctor, TODAY)

    assert [day.day for day in strip] == [TODAY + timedelta(days=n) for n in range(14)]
    states = {day.day: (day.state, day.free) for day in strip}
    assert states[TODAY] == ("free", 3)
    assert states[tomorrow] == ("full", 0)
    assert states[TODAY + timedelta(days=2)] == ("leave", 0)  # Thursday off
    assert states[TODAY + timedelta(days=3)] == ("closed", 0)  # Friday
    assert states[TODAY + timedelta(days=4)] == ("free", 3)
    assert states[TODAY + timedelta(days=11)] == ("beyond", 0)  # past the 10 days


def test_the_strip_costs_the_same_queries_whatever_the_bookings(doctor):
    quiet = open_every_day(DoctorProfileFactory())

    def count(who):
        with CaptureQueriesContext(connection) as captured:
            day_strip(who, TODAY)
        return len(captured)

    empty = count(quiet)
    for n in range(30):  # every slot of the ten bookable days
        AppointmentFactory(
            doctor=doctor, start=at(TODAY + timedelta(days=n % 10), 9 + n % 3), status="pending"
        )
    assert count(doctor) == empty <= 5


def test_the_doctor_page_shows_the_strip_and_greys_taken_slots(client, doctor):
    AppointmentFactory(doctor=doctor, start=at(TODAY, 10), status="confirmed")

    html = client.get(f"/doctors/{doctor.pk}/", {"date": TODAY.isoformat()}).content.decode()

    assert html.count('class="day-strip-day') == 14
    assert 'aria-current="date"' in html
    assert html.count('class="btn btn-outline-primary" href="/appointments/book/') == 2
    taken = html.split("slot-taken", 1)[1].split("</span></span>", 1)[0]
    assert "<s>10:00</s>" in taken


def test_a_day_without_free_slots_offers_the_next_free_day(client, doctor):
    friday = TODAY + timedelta(days=3)

    html = client.get(f"/doctors/{doctor.pk}/slots/", {"date": friday.isoformat()}).content.decode()

    saturday = friday + timedelta(days=1)
    assert "No free slots on" in html
    assert f'class="next-free-day" href="?date={saturday.isoformat()}"' in html


def test_the_doctor_page_opens_on_the_searched_day_or_the_first_free_one(client, doctor):
    for hour in (9, 10, 11):
        AppointmentFactory(doctor=doctor, start=at(TODAY, hour), status="confirmed")
    searched = TODAY + timedelta(days=5)

    assert client.get(f"/doctors/{doctor.pk}/").context["day"] == TODAY + timedelta(days=1)
    assert client.get(f"/doctors/{doctor.pk}/", {"date": searched}).context["day"] == searched


def test_the_reschedule_page_opens_on_the_next_free_day_not_a_full_today(client, doctor):
    patient = PatientFactory()
    appointment = AppointmentFactory(
        doctor=doctor, patient=patient, start=at(TODAY + timedelta(days=4), 9)
    )
    for hour in (10, 11):
        AppointmentFactory(doctor=doctor, start=at(TODAY, hour), status="confirmed")
    AppointmentFactory(doctor=doctor, start=at(TODAY, 9), status="confirmed")
    client.force_login(patient)

    response = client.get(f"/appointments/{appointment.pk}/reschedule/")

    assert response.context["day"] == TODAY + timedelta(days=1)
    html = response.content.decode()
    assert html.count('class="day-strip-day') == 14
    assert 'name="start"' in html


def test_directory_cards_link_to_the_doctor_on_the_searched_day(client, doctor):
    searched = TODAY + timedelta(days=4)

    html = client.get("/doctors/", {"date": searched.isoformat()}).content.decode()

    assert f'href="/doctors/{doctor.pk}/?date={searched.isoformat()}"' in html
