"""Every rule of a free slot, each as its own case. `now` is passed explicitly so that
the tests do not depend on the clock."""

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from accounts.tests.factories import DoctorProfileFactory
from scheduling.models import Appointment
from scheduling.selectors import free_slots, free_slots_for_doctors, next_free_slots
from scheduling.tests.factories import AppointmentFactory, TimeOffFactory, open_every_day

pytestmark = pytest.mark.django_db

DHAKA = ZoneInfo("Asia/Dhaka")
# Monday 1 June 2026, 07:00 in Dhaka (01:00 UTC).
NOW = datetime(2026, 6, 1, 7, 0, tzinfo=DHAKA)
TODAY = NOW.date()
TOMORROW = TODAY + timedelta(days=1)


def at(day, hour, minute=0):
    return datetime.combine(day, time(hour, minute), tzinfo=DHAKA)


def starts(doctor, day, now=NOW):
    return [slot.start for slot in free_slots(doctor, day, day, now=now).get(day, [])]


@pytest.fixture
def doctor():
    return open_every_day(DoctorProfileFactory())


def test_slots_fill_the_chamber_hours_on_the_grid(doctor):
    assert starts(doctor, TOMORROW) == [at(TOMORROW, h) for h in (9, 10, 11, 14, 15, 16)]


def test_serial_is_the_position_in_the_day(doctor):
    slots = free_slots(doctor, TOMORROW, TOMORROW, now=NOW)[TOMORROW]
    assert [s.serial for s in slots] == [1, 2, 3, 4, 5, 6]


def test_shorter_slots_and_a_remainder_that_is_not_a_whole_slot():
    doctor = open_every_day(
        DoctorProfileFactory(), ranges=[(time(9), time(10, 50))], slot_minutes=20
    )
    assert starts(doctor, TOMORROW) == [
        at(TOMORROW, 9),
        at(TOMORROW, 9, 20),
        at(TOMORROW, 9, 40),
        at(TOMORROW, 10),
        at(TOMORROW, 10, 20),
    ]


def test_minimum_notice_hides_slots_starting_too_soon(doctor):
    now = at(TODAY, 8, 30)  # notice 2 h: 10:30 is the earliest start
    assert starts(doctor, TODAY, now=now) == [at(TODAY, h) for h in (11, 14, 15, 16)]


def test_past_slots_are_not_free(doctor):
    now = at(TODAY, 15, 0)
    assert starts(doctor, TODAY, now=now) == []
    assert free_slots(doctor, TODAY - timedelta(days=3), TODAY - timedelta(days=1), now=now) == {}


def test_booking_window_limits_how_far_ahead(doctor):
    last = TODAY + timedelta(days=30)
    assert starts(doctor, last)
    assert starts(doctor, last + timedelta(days=1)) == []


def test_time_off_day_has_no_slots(doctor):
    TimeOffFactory(doctor=doctor, start_date=TOMORROW, end_date=TOMORROW + timedelta(days=1))
    assert starts(doctor, TOMORROW) == []
    assert starts(doctor, TOMORROW + timedelta(days=1)) == []
    assert starts(doctor, TOMORROW + timedelta(days=2))


@pytest.mark.parametrize("status", ["pending", "confirmed", "completed"])
def test_active_appointments_take_their_slot(doctor, status):
    AppointmentFactory(doctor=doctor, start=at(TOMORROW, 10), status=status)
    assert at(TOMORROW, 10) not in starts(doctor, TOMORROW)
    assert at(TOMORROW, 9) in starts(doctor, TOMORROW)


@pytest.mark.parametrize("status", ["cancelled", "no_show"])
def test_cancelled_and_no_show_free_the_slot(doctor, status):
    AppointmentFactory(doctor=doctor, start=at(TOMORROW, 10), status=status)
    assert at(TOMORROW, 10) in starts(doctor, TOMORROW)


def test_an_appointment_overlapping_two_slots_takes_both(doctor):
    AppointmentFactory(
        doctor=doctor, start=at(TOMORROW, 9, 30), end=at(TOMORROW, 10, 30), status="confirmed"
    )
    assert starts(doctor, TOMORROW)[:2] == [at(TOMORROW, 11), at(TOMORROW, 14)]


def test_business_hours_clip_chamber_hours(settings):
    settings.APPION_BUSINESS_HOURS = "10:00-16:00"
    doctor = open_every_day(DoctorProfileFactory(), ranges=[(time(9), time(17))])
    assert starts(doctor, TOMORROW) == [at(TOMORROW, h) for h in range(10, 16)]


def test_closed_weekday_has_no_slots():
    doctor = open_every_day(DoctorProfileFactory())
    doctor.chamber_hours.filter(weekday=TOMORROW.weekday()).delete()
    assert starts(doctor, TOMORROW) == []


def test_dhaka_midnight_boundary_belongs_to_the_right_day(doctor):
    # 23:30 UTC on 1 June is 05:30 on 2 June in Dhaka: an appointment the day before in
    # UTC terms must still be seen on the Dhaka day.
    AppointmentFactory(
        doctor=doctor,
        start=datetime(2026, 6, 2, 3, 0, tzinfo=ZoneInfo("UTC")),  # 09:00 Dhaka on 2 June
        status="pending",
    )
    assert at(TOMORROW, 9) not in starts(doctor, TOMORROW)
    assert starts(doctor, TOMORROW)[0] == at(TOMORROW, 10)
    assert starts(doctor, TOMORROW)[0].utcoffset() == timedelta(hours=6)


def test_query_count_does_not_grow_with_appointments(doctor, django_assert_max_num_queries):
    for day in range(1, 20):
        AppointmentFactory(
            doctor=doctor, start=at(TODAY + timedelta(days=day), 9), status="pending"
        )
    with django_assert_max_num_queries(4):
        free_slots(doctor, TODAY, TODAY + timedelta(days=30), now=NOW)


def test_many_doctors_in_a_fixed_number_of_queries(django_assert_max_num_queries):
    doctors = [open_every_day(DoctorProfileFactory()) for _ in range(5)]
    with django_assert_max_num_queries(4):
        result = free_slots_for_doctors(doctors, TODAY, TODAY + timedelta(days=7), now=NOW)
    assert all(result[d.pk] for d in doctors)


def test_next_free_slot_skips_taken_and_leave(doctor):
    TimeOffFactory(doctor=doctor, start_date=TODAY, end_date=TODAY)
    AppointmentFactory(doctor=doctor, start=at(TOMORROW, 9), status=Appointment.Status.CONFIRMED)
    slot = next_free_slots([doctor], now=NOW)[doctor.pk]
    assert slot.start == at(TOMORROW, 10)
    assert slot.serial == 2


def test_doctor_without_hours_has_no_next_slot():
    doctor = DoctorProfileFactory()
    assert next_free_slots([doctor], now=NOW)[doctor.pk] is None
    assert free_slots(doctor, TODAY, date(2026, 6, 30), now=NOW) == {}
