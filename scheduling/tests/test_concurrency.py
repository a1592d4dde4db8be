"""The database itself refuses double bookings. PostgreSQL only: real threads, each with
its own connection, race for one slot."""

import threading
from datetime import datetime, time, timedelta

import pytest
import time_machine
from django.db import IntegrityError, connection, connections, transaction
from django.test import Client
from django.utils import timezone

from accounts.models import DoctorProfile
from accounts.tests.api_client import bearer
from accounts.tests.factories import DoctorProfileFactory, PatientFactory
from scheduling import services
from scheduling.models import Appointment
from scheduling.tests.factories import first_chamber, open_every_day

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        connection.vendor != "postgresql", reason="exclusion constraints need PostgreSQL"
    ),
]

DAY = timezone.localdate() + timedelta(days=2)
START = datetime.combine(DAY, time(10), tzinfo=timezone.get_default_timezone())


def race(jobs):
    """Run each job in its own thread, with its own database connection, at the same
    moment; collect outcomes: what each job returned ("booked" for an appointment), a
    refusal ("refused", message) or any other error ("error", repr)."""
    barrier = threading.Barrier(len(jobs))
    outcomes = []
    lock = threading.Lock()

    def run(job):
        try:
            barrier.wait()
            result = job()
            outcome = "booked" if isinstance(result, Appointment) else result
        except services.BookingError as error:
            outcome = ("refused", error.message)
        except Exception as error:  # noqa: BLE001 - any other error fails the test
            outcome = ("error", repr(error))
        finally:
            connections.close_all()
        with lock:
            outcomes.append(outcome)

    threads = [threading.Thread(target=run, args=(job,)) for job in jobs]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return outcomes


def test_twenty_patients_race_for_one_slot():
    doctor = open_every_day(DoctorProfileFactory())
    patients = [PatientFactory() for _ in range(20)]

    outcomes = race(
        [
            lambda p=p: services.book_appointment(patient=p, doctor=doctor, start=START)
            for p in patients
        ]
    )

    assert outcomes.count("booked") == 1
    refusals = [o for o in outcomes if o != "booked"]
    assert len(refusals) == 19
    assert all(kind == "refused" for kind, _message in refusals), refusals
    assert Appointment.objects.filter(doctor=doctor).count() == 1


def test_one_patient_books_two_doctors_at_the_same_time():
    first = open_every_day(DoctorProfileFactory())
    second = open_every_day(DoctorProfileFactory())
    patient = PatientFactory()

    outcomes = race(
        [
            lambda d=d: services.book_appointment(patient=patient, doctor=d, start=START)
            for d in (first, second)
        ]
    )

    assert outcomes.count("booked") == 1
    assert Appointment.objects.filter(patient=patient).count() == 1


def test_the_constraint_refuses_an_overlapping_row_written_directly():
    doctor = DoctorProfileFactory()
    chamber = first_chamber(doctor)
    Appointment.objects.create(
        doctor=doctor,
        chamber=chamber,
        patient=PatientFactory(),
        start=START,
        end=START + timedelta(hours=1),
        serial=1,
        fee=100,
    )
    with pytest.raises(IntegrityError), transaction.atomic():
        Appointment.objects.create(
            doctor=doctor,
            chamber=chamber,
            patient=PatientFactory(),
            start=START + timedelta(minutes=30),
            end=START + timedelta(minutes=90),
            serial=2,
            fee=100,
        )
    # A cancelled appointment does not hold its time.
    Appointment.objects.create(
        doctor=doctor,
        chamber=chamber,
        patient=PatientFactory(),
        start=START,
        end=START + timedelta(hours=1),
        serial=1,
        fee=100,
        status=Appointment.Status.CANCELLED,
    )
    assert Appointment.objects.filter(doctor=doctor).count() == 2


def test_two_patients_reschedule_into_the_same_slot():
    doctor = open_every_day(DoctorProfileFactory())
    first, second = (
        services.book_appointment(
            patient=PatientFactory(), doctor=doctor, start=START + timedelta(hours=hour)
        )
        for hour in (4, 5)  # 14:00 and 15:00
    )

    outcomes = race(
        [
            lambda a=a: services.reschedule_appointment(appointment=a, start=START, by=a.patient)
            for a in (first, second)
        ]
    )

    assert outcomes.count("booked") == 1
    assert all(o == "booked" or o[0] == "refused" for o in outcomes), outcomes
    # Each patient still holds exactly one active appointment.
    for original in (first, second):
        active = Appointment.objects.filter(
            patient=original.patient, status__in=Appointment.ACTIVE_STATUSES
        )
        assert active.count() == 1
    assert Appointment.objects.filter(start=START, status="pending").count() == 1


def test_bookings_racing_for_the_next_free_serial_all_get_distinct_ones():
    """After a change of slot length, bookings whose slot position is held get the serial
    after the day's highest: six patients booking six slots of such a day at once all
    get one, each a different serial."""
    tz = timezone.get_default_timezone()
    day = datetime(2026, 6, 12).date()
    with time_machine.travel(datetime(2026, 6, 10, 8, tzinfo=tz), tick=False):
        doctor = open_every_day(DoctorProfileFactory())
        # On the 60-minute grid the afternoon slots are serials 4, 5 and 6.
        for hour in (14, 15, 16):
            services.book_appointment(
                patient=PatientFactory(),
                doctor=doctor,
                start=datetime.combine(day, time(hour), tzinfo=tz),
                notify=False,
            )
        services.save_schedule(doctor=doctor, slot_minutes=30)
        # On the 30-minute grid 09:00-10:30 are positions 1-3, free; 10:30-11:30 are
        # positions 4-6, held: those three race for 7, 8 and 9.
        starts = [
            datetime.combine(day, time(9), tzinfo=tz) + timedelta(minutes=30 * n) for n in range(6)
        ]
        patients = [PatientFactory() for _ in starts]

        outcomes = race(
            [
                # Each request reads the doctor, and the new slot length, afresh.
                lambda p=p, s=s: services.book_appointment(
                    patient=p,
                    doctor=DoctorProfile.objects.get(pk=doctor.pk),
                    start=s,
                    notify=False,
                )
                for p, s in zip(patients, starts, strict=True)
            ]
        )

    assert outcomes == ["booked"] * 6, outcomes
    serials = sorted(
        Appointment.objects.filter(doctor=doctor, start__in=starts).values_list("serial", flat=True)
    )
    assert serials == [1, 2, 3, 7, 8, 9]


# Through the API: each patient sends from their own test client, with their own bearer
# token, on their own connection (race() gives each job its thread and connection).
API = "/api/v1/appointments"
TAKEN = {"detail": "This slot was just taken — please pick another."}


def api_post(user, path, body):
    """A job for race(): `user`'s client posts `body` as JSON to `path`; the outcome is
    the answer's status and JSON."""
    client, headers = Client(), bearer(user)

    def post():
        response = client.post(path, body, content_type="application/json", **headers)
        return response.status_code, response.json()

    return post


def test_twenty_patients_race_for_one_slot_through_the_api():
    doctor = open_every_day(DoctorProfileFactory())
    patients = [PatientFactory() for _ in range(20)]
    body = {"doctor_id": doctor.pk, "appointment_datetime": START.isoformat()}

    outcomes = race([api_post(patient, f"{API}/", body) for patient in patients])

    statuses = [status for status, _answer in outcomes]
    assert statuses.count(201) == 1, outcomes
    assert statuses.count(409) == 19, outcomes
    assert all(answer == TAKEN for status, answer in outcomes if status == 409)
    (winner,) = [answer for status, answer in outcomes if status == 201]
    active = Appointment.objects.active().filter(doctor=doctor)
    assert [(a.pk, a.start) for a in active] == [(winner["id"], START)]
    assert Appointment.objects.filter(doctor=doctor).count() == 1


def test_two_patients_reschedule_into_the_same_slot_through_the_api():
    doctor = open_every_day(DoctorProfileFactory())
    first, second = (
        services.book_appointment(
            patient=PatientFactory(), doctor=doctor, start=START + timedelta(hours=hour)
        )
        for hour in (4, 5)  # 14:00 and 15:00
    )
    body = {"appointment_datetime": START.isoformat()}

    outcomes = race(
        [api_post(a.patient, f"{API}/{a.pk}/reschedule", body) for a in (first, second)]
    )

    assert sorted(status for status, _answer in outcomes) == [200, 409], outcomes
    assert [answer for status, answer in outcomes if status == 409] == [TAKEN]
    (moved,) = [answer for status, answer in outcomes if status == 200]
    assert Appointment.objects.active().get(doctor=doctor, start=START).pk == moved["id"]
    # Each patient still holds exactly one active appointment: the winner's new one, the
    # loser's old one.
    for original in (first, second):
        assert Appointment.objects.active().filter(patient=original.patient).count() == 1
