"""The database itself refuses double bookings. PostgreSQL only: real threads, each with
its own connection, race for one slot."""

import threading
from datetime import datetime, time, timedelta

import pytest
from django.db import IntegrityError, connection, connections, transaction
from django.utils import timezone

from accounts.tests.factories import DoctorProfileFactory, PatientFactory
from scheduling import services
from scheduling.models import Appointment
from scheduling.tests.factories import open_every_day

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        connection.vendor != "postgresql", reason="exclusion constraints need PostgreSQL"
    ),
]

DAY = timezone.localdate() + timedelta(days=2)
START = datetime.combine(DAY, time(10), tzinfo=timezone.get_default_timezone())


def race(jobs):
    """Run each job in its own thread at the same moment; collect outcomes."""
    barrier = threading.Barrier(len(jobs))
    outcomes = []
    lock = threading.Lock()

    def run(job):
        try:
            barrier.wait()
            job()
            outcome = "booked"
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
    Appointment.objects.create(
        doctor=doctor,
        patient=PatientFactory(),
        start=START,
        end=START + timedelta(hours=1),
        serial=1,
        fee=100,
    )
    with pytest.raises(IntegrityError), transaction.atomic():
        Appointment.objects.create(
            doctor=doctor,
            patient=PatientFactory(),
            start=START + timedelta(minutes=30),
            end=START + timedelta(minutes=90),
            serial=2,
            fee=100,
        )
    # A cancelled appointment does not hold its time.
    Appointment.objects.create(
        doctor=doctor,
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
