"""The API's staff endpoints over HTTP: every appointment, filtered, and a doctor's
report figures."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext

from accounts.tests.api_client import bearer
from accounts.tests.factories import DoctorProfileFactory, PatientFactory, StaffFactory
from scheduling.models import Appointment
from scheduling.tests.factories import AppointmentFactory

pytestmark = pytest.mark.django_db

DHAKA = ZoneInfo("Asia/Dhaka")


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(datetime(2026, 3, 10, 7, 0, tzinfo=DHAKA), tick=False):
        yield


def at(day, hour=10):
    return datetime(2026, 3, day, hour, 0, tzinfo=DHAKA)


@pytest.fixture
def world():
    karim, rina = DoctorProfileFactory(), DoctorProfileFactory()
    patient = PatientFactory()
    return {
        "karim": karim,
        "rina": rina,
        "patient": patient,
        "a": AppointmentFactory(doctor=karim, patient=patient, start=at(2)),
        "b": AppointmentFactory(doctor=karim, start=at(5), status=Appointment.Status.COMPLETED),
        "c": AppointmentFactory(doctor=rina, patient=patient, start=at(5, 14)),
        "d": AppointmentFactory(doctor=rina, start=at(12), status=Appointment.Status.CANCELLED),
    }


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("", ["d", "c", "b", "a"]),
        ("limit=2", ["d", "c"]),
        ("skip=3&limit=2", ["a"]),
        ("status=completed", ["b"]),
        ("doctor_id={karim}", ["b", "a"]),
        ("patient_id={patient}", ["c", "a"]),
        ("start_date=2026-03-05&end_date=2026-03-05", ["c", "b"]),
        ("start_date=2026-03-06", ["d"]),
        ("end_date=2026-03-02", ["a"]),
    ],
)
def test_staff_list_every_appointment_filtered(client, world, query, expected):
    query = query.format(karim=world["karim"].pk, patient=world["patient"].pk)

    response = client.get(f"/api/v1/admin/appointments?{query}", **bearer(StaffFactory()))

    assert response.status_code == 200
    body = response.json()
    assert [item["id"] for item in body["items"]] == [world[key].pk for key in expected]
    if "skip" not in query and "limit" not in query:
        assert body["total"] == len(expected)
    else:
        assert body["total"] == 4


@pytest.mark.parametrize(
    "query",
    [
        "limit=101",
        "skip=-1",
        "status=lost",
        "start_date=2026-03-05&end_date=2026-03-01",
        "start_date=soon",
    ],
)
def test_bad_filters_are_422(client, query):
    response = client.get(f"/api/v1/admin/appointments?{query}", **bearer(StaffFactory()))

    assert response.status_code == 422
    assert response.json()["detail"]


@pytest.mark.parametrize("role", ["patient", "doctor"])
def test_only_staff_list_every_appointment(client, world, role):
    user = world["patient"] if role == "patient" else world["karim"].user

    listing = client.get("/api/v1/admin/appointments", **bearer(user))
    report = client.get(f"/api/v1/admin/reports/doctor/{world['karim'].pk}", **bearer(user))

    assert listing.status_code == 403
    assert listing.json() == {"detail": "Only staff can do this."}
    assert report.status_code == 403


def test_staff_endpoints_need_a_token(client, world):
    assert client.get("/api/v1/admin/appointments").status_code == 401
    assert client.get(f"/api/v1/admin/reports/doctor/{world['karim'].pk}").status_code == 401


def test_the_doctor_report_gives_the_pages_figures(client, world):
    AppointmentFactory(doctor=world["karim"], start=at(6), status=Appointment.Status.NO_SHOW)

    response = client.get(
        f"/api/v1/admin/reports/doctor/{world['karim'].pk}"
        "?start_date=2026-03-01&end_date=2026-03-09",
        **bearer(StaffFactory()),
    )

    assert response.status_code == 200
    body = response.json()
    assert body["start_date"] == "2026-03-01"
    assert body["end_date"] == "2026-03-09"
    assert body["total_appointments"] == 3
    assert body["by_status"] == {
        "pending": 1,
        "confirmed": 0,
        "completed": 1,
        "cancelled": 0,
        "no_show": 1,
    }
    assert body["revenue"] == "800.00"
    assert body["completion_rate"] == 0.5
    assert body["patients"] == 3


def test_the_report_defaults_to_the_last_30_days(client, world):
    response = client.get(
        f"/api/v1/admin/reports/doctor/{world['rina'].pk}", **bearer(StaffFactory())
    )

    body = response.json()
    assert (body["start_date"], body["end_date"]) == ("2026-02-09", "2026-03-10")
    # The cancelled one on 12 March lies after today.
    assert body["total_appointments"] == 1


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("start_date=2026-03-09&end_date=2026-03-01", "The end date is before the start date."),
        ("start_date=March", "Dates must look like 2026-01-31."),
    ],
)
def test_the_report_refuses_a_bad_range(client, world, query, message):
    response = client.get(
        f"/api/v1/admin/reports/doctor/{world['karim'].pk}?{query}", **bearer(StaffFactory())
    )

    assert response.status_code == 422
    assert response.json()["detail"][0]["msg"] == message


def test_the_report_of_an_unknown_doctor_is_404(client):
    response = client.get("/api/v1/admin/reports/doctor/999999", **bearer(StaffFactory()))

    assert response.status_code == 404
    assert response.json() == {"detail": "Not Found"}


@pytest.mark.parametrize(
    ("query", "at_first"),
    [
        ({}, 3),
        (
            {
                "status": "confirmed",
                "start_date": "2026-02-01",
                "end_date": "2026-03-31",
                "skip": 1,
            },
            2,
        ),
    ],
)
def test_the_staff_list_takes_as_many_queries_for_2_as_for_20_appointments(
    client, query, at_first, django_assert_num_queries
):
    headers = bearer(StaffFactory())

    def add(days):
        # Each with its own doctor (and chamber) and patient: their names come with
        # every item.
        for day in days:
            AppointmentFactory(start=at(1) + timedelta(days=day), status="confirmed")

    add(range(3))
    with CaptureQueriesContext(connection) as few:
        first = client.get("/api/v1/admin/appointments", query, **headers).json()
    add(range(3, 30))
    with django_assert_num_queries(len(few)):
        then = client.get("/api/v1/admin/appointments", query, **headers).json()

    assert (len(first["items"]), len(then["items"])) == (at_first, 20)
    assert all(item["doctor_name"] and item["patient_name"] for item in then["items"])
