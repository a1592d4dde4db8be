"""GET /api/v1/dashboard over HTTP: each role's landing figures, the same as its page."""

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine

from accounts.tests.api_client import bearer
from accounts.tests.factories import DoctorProfileFactory, PatientFactory, StaffFactory
from scheduling.models import Appointment
from scheduling.tests.factories import AppointmentFactory

pytestmark = pytest.mark.django_db

DHAKA = ZoneInfo("Asia/Dhaka")
URL = "/api/v1/dashboard"
Status = Appointment.Status


@pytest.fixture(autouse=True)
def frozen():
    # Tuesday 10 March 2026, 11:30 in Dhaka.
    with time_machine.travel(datetime(2026, 3, 10, 11, 30, tzinfo=DHAKA), tick=False):
        yield


def at(day, hour=10):
    return datetime(2026, 3, day, hour, 0, tzinfo=DHAKA)


@pytest.fixture
def world():
    karim = DoctorProfileFactory()
    amina = PatientFactory()
    made = {
        "past": AppointmentFactory(
            doctor=karim, patient=amina, start=at(2), status=Status.COMPLETED
        ),
        "today_done": AppointmentFactory(
            doctor=karim, patient=amina, start=at(10, 9), status=Status.COMPLETED
        ),
        "today_on": AppointmentFactory(doctor=karim, start=at(10, 15), status=Status.CONFIRMED),
        "pending": AppointmentFactory(doctor=karim, patient=amina, start=at(12)),
        "cancelled": AppointmentFactory(
            doctor=karim, patient=amina, start=at(13), status=Status.CANCELLED
        ),
        "later": AppointmentFactory(
            doctor=karim, patient=amina, start=at(20), status=Status.CONFIRMED
        ),
    }
    return {"karim": karim, "amina": amina, **made}


def test_a_patients_dashboard_is_their_upcoming_appointments(client, world):
    response = client.get(URL, **bearer(world["amina"]))

    assert response.status_code == 200
    body = response.json()
    assert body["role"] == "patient"
    assert [item["id"] for item in body["upcoming"]] == [world["pending"].pk, world["later"].pk]
    assert body["upcoming_total"] == 2
    assert body["history_total"] == 3  # the two completed visits and the cancelled one
    # The same list as their appointments page.
    client.force_login(world["amina"])
    page = client.get("/appointments/")
    assert [a.pk for a in page.context["upcoming"]] == [item["id"] for item in body["upcoming"]]


def test_a_doctors_dashboard_is_the_portals_figures(client, world):
    user = world["karim"].user

    body = client.get(URL, **bearer(user)).json()

    assert body["role"] == "doctor"
    assert body["today"] == "2026-03-10"
    assert [item["id"] for item in body["agenda"]] == [
        world["today_done"].pk,
        world["today_on"].pk,
    ]
    assert [item["id"] for item in body["pending"]] == [world["pending"].pk]
    assert body["pending_total"] == 1
    client.force_login(user)
    counts = client.get("/portal/").context["counts"]
    assert body["counts"] == {
        "week": counts["week"],
        "month": counts["month"],
        "completed_month": counts["completed_month"],
        "week_first": counts["week_first"].isoformat(),
        "week_last": counts["week_last"].isoformat(),
        "month_first": "2026-03-01",
        "month_last": "2026-03-31",
    }
    assert (counts["month"], counts["completed_month"]) == (5, 2)


def test_staffs_dashboard_is_the_overview_of_the_last_30_days(client, world):
    staff = bearer(StaffFactory())

    body = client.get(URL, **staff).json()

    assert body["role"] == "staff"
    assert body["overview"] == client.get("/api/v1/admin/reports/overview", **staff).json()
    assert body["overview"]["total_appointments"] == 3


def test_the_dashboards_cost_the_same_for_many_appointments(
    client, world, django_assert_max_num_queries
):
    """The doctor's and the patient's dashboards read a fixed number of queries, however
    many appointments they show."""
    karim, amina = world["karim"], world["amina"]
    doctor_headers, patient_headers = bearer(karim.user), bearer(amina)
    with django_assert_max_num_queries(12) as few_doctor:
        client.get(URL, **doctor_headers)
    with django_assert_max_num_queries(12) as few_patient:
        client.get(URL, **patient_headers)
    for day in range(14, 19):
        AppointmentFactory(doctor=karim, patient=amina, start=at(day))
        AppointmentFactory(doctor=karim, start=at(10, 16 + day - 14), status=Status.CONFIRMED)

    with django_assert_max_num_queries(len(few_doctor)) as many_doctor:
        doctor_body = client.get(URL, **doctor_headers).json()
    with django_assert_max_num_queries(len(few_patient)):
        patient_body = client.get(URL, **patient_headers).json()

    assert len(doctor_body["agenda"]) == 7 and len(doctor_body["pending"]) == 6
    assert len(patient_body["upcoming"]) == 7
    assert len(many_doctor) == len(few_doctor)


def test_the_dashboard_needs_a_token(client):
    assert client.get(URL).status_code == 401
