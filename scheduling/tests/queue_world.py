"""A chamber's day for the queue tests (issue #17): today at 10:00 in Dhaka, sessions
09:00–12:00 and 14:00–17:00 of 30-minute slots (serials 1–12), and helpers to book
its serials."""

from dataclasses import dataclass
from datetime import time, timedelta

import pytest
import time_machine

from accounts.tests.factories import DoctorProfileFactory
from appion import clinic_calendar
from scheduling.models import Appointment, AppointmentEvent
from scheduling.tests.factories import AppointmentFactory, first_chamber, open_every_day

SESSIONS = ((time(9), time(12)), (time(14), time(17)))
SLOT_MINUTES = 30


def slot_start(day, serial):
    """The start of `serial`'s slot on `day` (1–6 mornings, 7–12 afternoons)."""
    if serial <= 6:
        return clinic_calendar.at(day, time(9)) + timedelta(minutes=30 * (serial - 1))
    return clinic_calendar.at(day, time(14)) + timedelta(minutes=30 * (serial - 7))


@dataclass
class ChamberDay:
    doctor: object
    chamber: object
    day: object

    def book(self, serial, status=Appointment.Status.CONFIRMED, **fields):
        """A booked appointment holding `serial` today, with its creation event."""
        start = slot_start(self.day, serial)
        appointment = AppointmentFactory(
            doctor=self.doctor,
            chamber=self.chamber,
            start=start,
            end=start + timedelta(minutes=SLOT_MINUTES),
            serial=serial,
            status=status,
            **fields,
        )
        AppointmentEvent.objects.create(
            appointment=appointment, actor=appointment.patient, from_status="", to_status=status
        )
        return appointment


@pytest.fixture
def ten_oclock():
    """Today at 10:00 in Dhaka, the clock standing still: whatever instant the run
    starts at (APPION_TEST_NOW), the morning session is on."""
    day = clinic_calendar.today()
    with time_machine.travel(clinic_calendar.at(day, time(10)), tick=False) as traveller:
        yield traveller


@pytest.fixture
def chamber_day(ten_oclock):
    doctor = open_every_day(
        DoctorProfileFactory(), ranges=SESSIONS, slot_minutes=SLOT_MINUTES, min_notice_minutes=0
    )
    return ChamberDay(doctor=doctor, chamber=first_chamber(doctor), day=clinic_calendar.today())
