"""The API's overview for staff over HTTP: the overview page's figures for a range."""

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine

from accounts.models import User
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
    karim, rina = DoctorProfileFactory(), DoctorProfileFactory(verified_at=None)
    AppointmentFactory(doctor=karim, start=at(2))
    AppointmentFactory(doctor=karim, start=at(5), status=Appointment.Status.COMPLETED)
    AppointmentFactory(doctor=karim, start=at(6), status=Appointment.Status.NO_SHOW)
    AppointmentFactory(doctor=karim, start=at(12), status=Appointment.Status.CANCELLED)
    return {"karim": karim, "rina": rina}


def test_the_overview_gives_the_pages_figures(client, world):
    response = client.get(
        "/api/v1/admin/reports/overview?start_date=2026-03-01&end_date=2026-03-09",
        **bearer(StaffFactory()),
    )

    assert response.status_code == 200
    body = response.json()
    assert (body["start_date"], body["end_date"]) == ("2026-03-01", "2026-03-09")
    assert body["total_appointments"] == 3
    assert body["by_status"] == {
        "pending": 1,
        "confirmed": 0,
        "completed": 1,
        "cancelled": 0,
        "no_show": 1,
    }
    assert body["revenue"] == "800.00"
    assert (body["completion_rate"], body["no_show_rate"]) == (0.5, 0.5)
    assert body["cancellation_rate"] == 0.0
    assert body["awaiting_verification"] == 1
    # Every account here was created today, 10 March, outside the range.
    assert (body["new_patients"], body["new_doctors"]) == (0, 0)


def test_the_overview_defaults_to_the_last_30_days(client, world):
    PatientFactory()

    body = client.get("/api/v1/admin/reports/overview", **bearer(StaffFactory())).json()

    assert (body["start_date"], body["end_date"]) == ("2026-02-09", "2026-03-10")
    assert body["total_appointments"] == 3  # the cancelled one on 12 March lies after today
    assert body["new_doctors"] == 2
    # Every patient, all registered today: the ones booked above and this one.
    assert body["new_patients"] == User.objects.filter(role=User.Role.PATIENT).count() == 5


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("start_date=2026-03-09&end_date=2026-03-01", "The end date is before the start date."),
        ("end_date=tomorrow", "Dates must look like 2026-01-31."),
    ],
)
def test_the_overview_refuses_a_bad_range(client, query, message):
    response = client.get(f"/api/v1/admin/reports/overview?{query}", **bearer(StaffFactory()))

    assert response.status_code == 422
    assert response.json()["detail"][0]["msg"] == message


def test_only_staff_see_the_overview(client, world):
    assert client.get("/api/v1/admin/reports/overview").status_code == 401
    for user in (PatientFactory(), world["karim"].user):
        response = client.get("/api/v1/admin/reports/overview", **bearer(user))
        assert response.status_code == 403
        assert response.json() == {"detail": "Only staff can do this."}
