"""Two people run one chamber's queue at once (the doctor and the assistant, issue #17):
real threads, each with its own PostgreSQL connection."""

import pytest
from django.db import connection

from accounts.tests.factories import PatientFactory
from scheduling import selectors, services
from scheduling.models import Appointment, QueueState
from scheduling.tests.test_concurrency import race

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        connection.vendor != "postgresql", reason="concurrent writers need PostgreSQL"
    ),
]


def test_two_taps_on_call_next_call_two_patients_one_after_the_other(chamber_day):
    doctor = chamber_day.doctor.user
    patients = [chamber_day.book(serial) for serial in (1, 2, 3)]
    for appointment in patients:
        services.mark_arrived(appointment=appointment, by=doctor)

    outcomes = race(
        [lambda: services.call_next(chamber=chamber_day.chamber, by=doctor) for _tap in range(2)]
    )

    # Each tap returns (those it finished, the one it called): serial 1, then serial 2.
    assert sorted(called.serial for _finished, called in outcomes) == [1, 2]
    states = {
        a.serial: a.queue_state for a in Appointment.objects.filter(chamber=chamber_day.chamber)
    }
    # The first tap called serial 1; the second finished it and called serial 2.
    assert states == {1: QueueState.DONE, 2: QueueState.IN_CONSULTATION, 3: QueueState.ARRIVED}


def test_walk_ins_and_bookings_racing_get_distinct_serials(chamber_day):
    doctor = chamber_day.doctor.user
    free = selectors.free_slots(chamber_day.doctor, chamber_day.day, chamber_day.day)
    slots = free[chamber_day.day][:3]
    patients = [PatientFactory() for _slot in slots]
    jobs = [
        lambda n=n: services.add_walk_in(
            chamber=chamber_day.chamber, by=doctor, name=f"Walk-in {n}", mobile="+8801712345678"
        )
        for n in range(4)
    ] + [
        lambda slot=slot, patient=patient: services.book_appointment(
            patient=patient, doctor=chamber_day.doctor, start=slot.start
        )
        for slot, patient in zip(slots, patients, strict=True)
    ]

    outcomes = race(jobs)

    assert outcomes == ["booked"] * len(jobs)
    serials = list(
        Appointment.objects.filter(chamber=chamber_day.chamber).values_list("serial", flat=True)
    )
    assert len(serials) == len(set(serials)) == 7
    walk_ins = sorted(
        Appointment.objects.filter(patient__isnull=True).values_list("serial", flat=True)
    )
    assert walk_ins == [13, 14, 15, 16]
