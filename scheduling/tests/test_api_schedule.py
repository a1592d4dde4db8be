"""A doctor reads and changes their own weekly schedule, fee and specialization through
the API, over HTTP: the chamber page's and the profile page's forms and services."""

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
from locations.tests.factories import ThanaFactory
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
        "verified": True,
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


@pytest.fixture
def doctor():
    """A verified doctor, registered as the form requires (in a thana, and their one
    chamber too), whose chamber is open on Saturday mornings."""
    thana = ThanaFactory()
    doctor = DoctorProfileFactory(
        specialization=SpecializationFactory(name="Cardiology"),
        consultation_fee=Decimal("500.00"),
        chamber_thana=thana,
        user__division=thana.district.division,
        user__district=thana.district,
        user__thana=thana,
    )
    ChamberHoursFactory(doctor=doctor, weekday=5, start=time(9), end=time(12))
    return doctor


def put(client, user, body):
    return client.put(URL, body, content_type="application/json", **bearer(user))


def week_of(doctor):
    """The weekly sessions of the doctor's first chamber: {weekday: [(from, to), ...]}."""
    chamber = doctor.chambers.order_by("position", "pk").first()
    week = {}
    for hours in chamber.hours.order_by("start"):
        week.setdefault(hours.weekday, []).append((hours.start.hour, hours.end.hour))
    return week


def test_a_text_of_ranges_applies_to_saturday_to_thursday(client, doctor):
    response = put(client, doctor.user, {"available_timeslots": "10:00-13:00,15:00-18:00"})

    assert response.status_code == 200
    working = dict.fromkeys(
        ("saturday", "sunday", "monday", "tuesday", "wednesday", "thursday"),
        "10:00-13:00,15:00-18:00",
    )
    assert response.json()["available_timeslots"] == CLOSED_WEEK | working
    assert week_of(doctor) == dict.fromkeys([0, 1, 2, 3, 5, 6], [(10, 13), (15, 18)])
    assert client.get(URL, **bearer(doctor.user)).json() == response.json()


def test_days_choose_where_the_ranges_go_and_the_rest_is_kept(client, doctor):
    response = put(
        client, doctor.user, {"available_timeslots": "14:00-17:00", "days": ["Sunday", "friday"]}
    )

    assert response.status_code == 200
    assert week_of(doctor) == {5: [(9, 12)], 6: [(14, 17)], 4: [(14, 17)]}


def test_an_empty_text_closes_the_days_given(client, doctor):
    response = put(client, doctor.user, {"available_timeslots": "", "days": ["saturday"]})

    assert response.status_code == 200
    assert week_of(doctor) == {}
    assert response.json()["available_timeslots"] == CLOSED_WEEK


def test_what_get_gives_can_be_changed_and_put_back(client, doctor):
    schedule = client.get(URL, **bearer(doctor.user)).json()
    schedule["available_timeslots"]["monday"] = "15:00-18:00"
    schedule["available_timeslots"]["saturday"] = ""

    response = put(client, doctor.user, {"available_timeslots": schedule["available_timeslots"]})

    assert response.status_code == 200
    assert week_of(doctor) == {0: [(15, 18)]}


def test_a_new_fee_keeps_the_verification(client, doctor):
    response = put(client, doctor.user, {"consultation_fee": "750"})

    assert response.status_code == 200
    assert response.json()["consultation_fee"] == "750.00"
    assert response.json()["verified"] is True
    doctor.refresh_from_db()
    assert doctor.consultation_fee == Decimal("750.00")
    assert doctor.is_verified


@pytest.mark.parametrize("by", ["name", "id"])
def test_a_new_specialization_waits_for_staff_to_verify_it(client, doctor, by):
    neurology = SpecializationFactory(name="Neurology")
    value = neurology.name.upper() if by == "name" else neurology.pk

    response = put(client, doctor.user, {"specialization": value})

    assert response.status_code == 200
    assert response.json()["specialization"] == "Neurology"
    assert response.json()["verified"] is False
    doctor.refresh_from_db()
    assert doctor.specialization == neurology
    assert not doctor.is_verified
    listed = client.get("/api/v1/doctors").json()["items"]
    assert doctor.pk not in [item["id"] for item in listed]


@pytest.mark.parametrize(
    "body, loc",
    [
        ({"available_timeslots": "19:00-09:00"}, ["available_timeslots"]),
        ({"available_timeslots": "02:00-04:00"}, ["available_timeslots"]),
        ({"available_timeslots": "nine to five"}, ["available_timeslots"]),
        ({"available_timeslots": {"someday": "09:00-12:00"}}, ["available_timeslots", "someday"]),
        ({"available_timeslots": {"monday": "25:00-26:00"}}, ["available_timeslots", "monday"]),
        ({"available_timeslots": "09:00-12:00", "days": ["caturday"]}, ["days"]),
        ({"available_timeslots": "09:00-12:00", "days": []}, ["days"]),
        ({"days": ["monday"]}, ["days"]),
        ({"consultation_fee": "-5"}, ["consultation_fee"]),
        ({"specialization": "Astrology"}, ["specialization"]),
    ],
)
def test_bad_values_change_nothing(client, doctor, body, loc):
    before = client.get(URL, **bearer(doctor.user)).json()

    response = put(
        client, doctor.user, {**body, "consultation_fee": body.get("consultation_fee", "900")}
    )

    assert response.status_code == 422
    assert loc in [error["loc"] for error in response.json()["detail"]]
    assert client.get(URL, **bearer(doctor.user)).json() == before


def test_fields_it_does_not_change_are_refused(client, doctor):
    response = put(client, doctor.user, {"slot_minutes": 10})

    assert response.status_code == 422
    assert week_of(doctor) == {5: [(9, 12)]}


def test_hours_that_overlap_another_chamber_are_refused_naming_it(client, doctor):
    evening = ChamberFactory(doctor=doctor, name="Evening clinic", position=1)
    ChamberHoursFactory(chamber=evening, weekday=0, start=time(15), end=time(18))

    response = put(client, doctor.user, {"available_timeslots": "16:00-18:00"})

    assert response.status_code == 422
    assert any("Evening clinic" in error["msg"] for error in response.json()["detail"])
    assert week_of(doctor) == {5: [(9, 12)]}


def test_a_doctor_without_a_chamber_is_told_to_add_one(client):
    doctor = DoctorProfileFactory()
    doctor.chambers.all().delete()

    response = put(client, doctor.user, {"available_timeslots": "09:00-12:00"})

    assert response.status_code == 409
    assert response.json() == {"detail": "Add a chamber on the website first."}


@pytest.mark.parametrize("factory", [PatientFactory, StaffFactory])
def test_only_doctors_change_a_schedule(client, factory):
    response = put(client, factory(), {"consultation_fee": "100"})

    assert response.status_code == 403
