"""Serials: no two active appointments of a doctor share one on a day, also after the
doctor changes the slot length; the database holds the rule."""

from datetime import date, datetime, time, timedelta
from urllib.parse import quote

import pytest
import time_machine
from django.db import IntegrityError, connection, transaction
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

from accounts.models import DoctorProfile
from accounts.tests.factories import (
    DoctorProfileFactory,
    PatientFactory,
    SpecializationFactory,
)
from scheduling import services
from scheduling.models import Appointment
from scheduling.tests.factories import AppointmentFactory, open_every_day

TZ = timezone.get_default_timezone()
# A Wednesday morning in Dhaka; bookings are for the Friday after.
NOW = datetime(2026, 6, 10, 8, 0, tzinfo=TZ)
DAY = date(2026, 6, 12)
WEEK = {f"day_{weekday}": "09:00-12:00,14:00-17:00" for weekday in range(7)}


def at(hour, minute=0, day=DAY):
    return datetime.combine(day, time(hour, minute), tzinfo=TZ)


@pytest.fixture(autouse=True)
def _frozen_clock():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def doctor():
    return open_every_day(DoctorProfileFactory())


def book(doctor, start, patient=None):
    """Book as a request does, with the doctor's settings as they are now stored."""
    return services.book_appointment(
        patient=patient or PatientFactory(),
        doctor=DoctorProfile.objects.get(pk=doctor.pk),
        start=start,
        notify=False,
    )


def change_slot_length(client, doctor, minutes):
    """Change the slot length on the schedule page, as the doctor does."""
    client.force_login(doctor.user)
    rules = {
        "slot_minutes": str(minutes),
        "booking_window_days": "30",
        "min_notice_minutes": "120",
        "cancellation_cutoff_minutes": "180",
    }
    response = client.post("/portal/schedule/", {**rules, **WEEK})
    assert response.status_code == 302


def active_serials(doctor, day=DAY):
    return sorted(
        Appointment.objects.filter(
            doctor=doctor, date=day, status__in=Appointment.ACTIVE_STATUSES
        ).values_list("serial", flat=True)
    )


@pytest.mark.django_db
def test_after_the_slot_length_changes_from_60_to_30_minutes_serials_stay_distinct(client, doctor):
    ten = book(doctor, at(10))
    assert ten.serial == 2
    change_slot_length(client, doctor, 30)

    # 09:30 is the second slot of the 30-minute day, but serial 2 is 10:00's.
    half_past_nine = book(doctor, at(9, 30))
    nine = book(doctor, at(9))
    eleven = book(doctor, at(11))
    half_past_eleven = book(doctor, at(11, 30))

    assert ten.serial == 2  # kept
    assert half_past_nine.serial == 3  # the one after the day's highest
    assert nine.serial == 1  # its position, which nobody holds
    assert (eleven.serial, half_past_eleven.serial) == (5, 6)
    assert active_serials(doctor) == [1, 2, 3, 5, 6]


@pytest.mark.django_db
def test_the_booking_page_shows_the_serial_the_booking_gets(client, doctor):
    book(doctor, at(10))
    change_slot_length(client, doctor, 30)
    client.force_login(PatientFactory())
    url = f"/appointments/book/{doctor.pk}/?start={quote(at(9, 30).isoformat())}"

    page = client.get(url)

    assert page.context["slot"].serial == 3
    response = client.post(url, {"symptoms": "", "notes": ""})
    assert response.status_code == 302
    assert Appointment.objects.get(start=at(9, 30)).serial == 3


@pytest.mark.django_db
def test_a_cancelled_appointment_frees_its_serial(client, doctor):
    ten = book(doctor, at(10))
    change_slot_length(client, doctor, 30)
    services.cancel_appointment(appointment=ten, by=ten.patient)

    assert book(doctor, at(9, 30)).serial == 2


@pytest.mark.django_db
def test_each_day_and_each_doctor_numbers_on_its_own(client, doctor):
    book(doctor, at(10))
    change_slot_length(client, doctor, 30)
    other = open_every_day(DoctorProfileFactory(), slot_minutes=30)

    assert book(doctor, at(9, 30, day=DAY + timedelta(days=1))).serial == 2
    assert book(other, at(9, 30)).serial == 2


@pytest.mark.django_db
def test_the_database_refuses_a_second_active_appointment_with_a_serial(doctor):
    AppointmentFactory(doctor=doctor, start=at(10), serial=2, status="confirmed")

    with pytest.raises(IntegrityError), transaction.atomic():
        AppointmentFactory(doctor=doctor, start=at(9, 30), end=at(10), serial=2)
    # Neither a cancelled one, nor another day or doctor, holds that serial.
    AppointmentFactory(doctor=doctor, start=at(9), end=at(9, 30), serial=2, status="cancelled")
    AppointmentFactory(doctor=doctor, start=at(10, day=DAY + timedelta(days=1)), serial=2)
    AppointmentFactory(start=at(10), serial=2)
    assert Appointment.objects.filter(serial=2).count() == 4


@pytest.mark.django_db
def test_the_stored_date_is_the_day_in_dhaka():
    # 00:30 in Dhaka is 18:30 UTC the day before.
    appointment = AppointmentFactory(start=at(0, 30))
    appointment.refresh_from_db()
    assert appointment.date == DAY
    appointment.start = at(23, 0)
    appointment.end = at(23, 30)
    appointment.save(update_fields=["start", "end"])
    appointment.refresh_from_db()
    assert appointment.date == DAY


def test_the_schedule_form_explains_what_a_new_slot_length_does(client, db):
    doctor = DoctorProfileFactory()
    client.force_login(doctor.user)
    page = client.get("/portal/schedule/").content.decode()
    assert "keep their times and serial numbers" in page
    assert "otherwise the one after the day" in page


def historical_user(apps, role="patient"):
    """A user made with the historical User of a migration state (the factories' models
    may have columns that the tables there do not)."""
    User = apps.get_model("accounts", "User")
    number = User.objects.count() + 1
    return User.objects.create(
        email=f"historical{number}@example.com", full_name="Historical", role=role, password="!"
    )


def historical_doctor(apps, **fields):
    """A doctor made with the historical DoctorProfile and User of a migration state."""
    user = historical_user(apps, role="doctor")
    return apps.get_model("accounts", "DoctorProfile").objects.create(
        user_id=user.pk,
        licence_number=f"H-{user.pk}",
        specialization_id=SpecializationFactory().pk,
        consultation_fee=500,
        **fields,
    )


BEFORE = [("scheduling", "0004_visit_notes_and_reminders")]
AFTER = [("scheduling", "0006_appointment_unique_serial")]


@pytest.mark.django_db(transaction=True)
def test_the_migration_fills_the_date_and_renumbers_repeated_serials():
    executor = MigrationExecutor(connection)
    executor.migrate(BEFORE)
    try:
        apps = executor.loader.project_state(BEFORE).apps
        old = apps.get_model("scheduling", "Appointment")
        doctor, other_doctor = historical_doctor(apps), historical_doctor(apps)

        def add(start, minutes, serial, *, status="confirmed", doctor=doctor):
            return old.objects.create(
                doctor_id=doctor.pk,
                patient_id=historical_user(apps).pk,
                start=start,
                end=start + timedelta(minutes=minutes),
                serial=serial,
                status=status,
                fee=500,
            ).pk

        # Booked on the 60-minute grid, then on the 30-minute one: both serial 2.
        ten = add(at(10), 60, 2)
        half_past_nine = add(at(9, 30), 30, 2, status="pending")
        eleven = add(at(11), 30, 2, status="completed")
        cancelled = add(at(9), 30, 2, status="cancelled")
        other = add(at(10), 60, 2, doctor=other_doctor)
        after_midnight = add(at(0, 30, day=DAY + timedelta(days=1)), 30, 2)

        executor = MigrationExecutor(connection)
        executor.migrate(AFTER)
        new = executor.loader.project_state(AFTER).apps.get_model("scheduling", "Appointment")

        rows = {
            pk: (day, serial) for pk, day, serial in new.objects.values_list("pk", "date", "serial")
        }
        # The first booked keeps its serial; the others get the next after the day's highest.
        assert rows[ten] == (DAY, 2)
        assert rows[half_past_nine] == (DAY, 3)
        assert rows[eleven] == (DAY, 4)
        assert rows[cancelled] == (DAY, 2)
        assert rows[other] == (DAY, 2)
        assert rows[after_midnight] == (DAY + timedelta(days=1), 2)
    finally:
        executor = MigrationExecutor(connection)
        executor.migrate(executor.loader.graph.leaf_nodes())
