from datetime import timedelta

import pytest
from django.utils import timezone
from icalendar import Calendar

from accounts.tests.factories import DoctorProfileFactory, UserFactory
from locations.tests.factories import DistrictFactory, ThanaFactory
from scheduling.calendar import appointment_ics, ics_filename
from scheduling.models import Appointment
from scheduling.tests.factories import AppointmentFactory

pytestmark = pytest.mark.django_db


def make_appointment(**kwargs):
    thana = ThanaFactory(name="Dhanmondi", district=DistrictFactory(name="Dhaka"))
    doctor = DoctorProfileFactory(
        user=UserFactory(role="doctor", full_name="Farhana Rahman"),
        chamber_name="Popular Diagnostic Centre",
        chamber_address="House 16, Road 2",
        chamber_thana=thana,
    )
    start = timezone.now().replace(microsecond=0) + timedelta(days=2)
    values = {"doctor": doctor, "start": start, "serial": 3, "status": "confirmed"}
    return AppointmentFactory(**(values | kwargs))


def only_event(ics: bytes):
    calendar = Calendar.from_ical(ics)
    events = calendar.walk("VEVENT")
    assert len(events) == 1
    return calendar, events[0]


def test_ics_describes_the_appointment():
    appointment = make_appointment()

    calendar, event = only_event(appointment_ics(appointment))

    assert str(calendar["PRODID"]) == "-//Appion//Appointments//EN"
    assert str(calendar["VERSION"]) == "2.0"
    assert str(calendar["METHOD"]) == "PUBLISH"
    assert str(event["UID"]) == f"appointment-{appointment.pk}@appion"
    assert event.decoded("DTSTART") == appointment.start
    assert event.decoded("DTEND") == appointment.end
    assert event.decoded("DTSTART").utcoffset() is not None
    assert "DTSTAMP" in event
    summary = str(event["SUMMARY"])
    assert "Dr. Farhana Rahman" in summary
    assert "serial 3" in summary
    location = str(event["LOCATION"])
    for part in ("Popular Diagnostic Centre", "House 16, Road 2", "Dhanmondi", "Dhaka"):
        assert part in location
    description = str(event["DESCRIPTION"])
    assert "Serial: 3" in description
    assert "৳800" in description
    assert "Confirmed" in description


def test_ics_does_not_repeat_the_doctors_title():
    appointment = make_appointment()
    appointment.doctor.user.full_name = "Dr. Farhana Rahman"

    _, event = only_event(appointment_ics(appointment))

    assert "Dr. Dr." not in str(event["SUMMARY"])
    assert "Dr. Farhana Rahman" in str(event["SUMMARY"])


@pytest.mark.parametrize(
    ("status", "ics_status"),
    [
        (Appointment.Status.PENDING, "TENTATIVE"),
        (Appointment.Status.CONFIRMED, "CONFIRMED"),
        (Appointment.Status.COMPLETED, "CONFIRMED"),
        (Appointment.Status.CANCELLED, "CANCELLED"),
    ],
)
def test_ics_status_follows_the_appointment(status, ics_status):
    appointment = make_appointment(status=status)

    _, event = only_event(appointment_ics(appointment))

    assert str(event["STATUS"]) == ics_status


def test_a_later_version_has_a_higher_sequence():
    appointment = make_appointment(status="pending")
    _, first = only_event(appointment_ics(appointment))

    appointment.status = Appointment.Status.CANCELLED
    appointment.updated_at = appointment.created_at + timedelta(minutes=5)
    _, second = only_event(appointment_ics(appointment))

    assert str(second["UID"]) == str(first["UID"])
    assert int(second["SEQUENCE"]) > int(first["SEQUENCE"])


def test_ics_without_a_thana_lists_the_chamber_only():
    appointment = make_appointment()
    appointment.chamber.thana = None

    _, event = only_event(appointment_ics(appointment))

    assert str(event["LOCATION"]) == "Popular Diagnostic Centre, House 16, Road 2"


def test_ics_filename_is_ascii_with_the_local_date():
    appointment = make_appointment()
    day = timezone.localtime(appointment.start).date()

    name = ics_filename(appointment)

    assert name == f"appion-appointment-{appointment.pk}-{day:%Y-%m-%d}.ics"
    assert name.isascii()
