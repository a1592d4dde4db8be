"""A doctor reads their own weekly schedule through the API, over HTTP."""

from datetime import time
from decimal import Decimal

import pytest

from accounts.tests.api_client import bearer
from accounts.tests.factories import (
    DoctorProfileFactory,
    PatientFactory,
    SpecializationFactory,
    StaffFactory,
)
from scheduling.tests.factories import ChamberFactory, ChamberHoursFactory

pytestmark = pytest.mark.django_db

URL = "/api/v1/doctors/schedule"
CLOSED_WEEK = dict.fromkeys(
    ("saturday", "sunday", "monday", "tuesday", "wednesday", "thursday", "friday"), ""
)


def test_a_doctor_reads_the_sessions_of_their_first_chamber(client):
    doctor = DoctorProfileFactory(
        specialization=SpecializationFactory(name="Cardiology"),
        consultation_fee=Decimal("650.00"),
        chamber_name="Popular Diagnostic Centre",
    )
    for weekday, start, end in ((5, 9, 12), (5, 14, 17), (0, 10, 13)):
        ChamberHoursFactory(doctor=doctor, weekday=weekday, start=time(start), end=time(end))
    evening = ChamberFactory(doctor=doctor, name="Evening clinic")
    ChamberHoursFactory(chamber=evening, weekday=1, start=time(18), end=time(21))

    response = client.get(URL, **bearer(doctor.user))

    assert response.status_code == 200
    body = response.json()
    first = doctor.chambers.get(name="Popular Diagnostic Centre")
    assert body == {
        "consultation_fee": "650.00",
        "specialization_id": doctor.specialization_id,
        "specialization": "Cardiology",
        "chamber": {"id": first.pk, "name": "Popular Diagnostic Centre"},
        "available_timeslots": CLOSED_WEEK
        | {"saturday": "09:00-12:00,14:00-17:00", "monday": "10:00-13:00"},
    }
    assert list(body["available_timeslots"])[0] == "saturday"


def test_a_doctor_without_a_chamber_has_a_closed_week(client):
    doctor = DoctorProfileFactory()
    doctor.chambers.all().delete()

    response = client.get(URL, **bearer(doctor.user))

    assert response.status_code == 200
    assert response.json()["chamber"] is None
    assert response.json()["available_timeslots"] == CLOSED_WEEK


@pytest.mark.parametrize("factory", [PatientFactory, StaffFactory])
def test_only_doctors_have_a_schedule(client, factory):
    response = client.get(URL, **bearer(factory()))

    assert response.status_code == 403
    assert response.json() == {"detail": "Only doctors have a schedule."}


@pytest.mark.parametrize("headers", [{}, {"HTTP_AUTHORIZATION": "Bearer not-a-token"}])
def test_the_schedule_needs_a_token(client, headers):
    response = client.get(URL, **headers)

    assert response.status_code == 401
    assert response.json() == {"detail": "Unauthorized"}


def test_the_schedule_takes_no_writes_yet(client):
    doctor = DoctorProfileFactory()

    response = client.put(URL, {}, content_type="application/json", **bearer(doctor.user))

    assert response.status_code == 405
    assert response.json() == {"detail": "Method Not Allowed"}
