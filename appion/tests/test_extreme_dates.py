"""Dates at the ends of the calendar (year 1 and year 9999) are refused with a message,
never a server error: every page that does arithmetic on a date from a form or a query."""

from urllib.parse import quote

import pytest

from accounts.tests.api_client import bearer
from appion.tests.world import build_world
from scheduling.models import Appointment, TimeOff

pytestmark = pytest.mark.django_db

EXTREME_DATES = ["0001-01-01", "0001-01-02", "9999-12-30", "9999-12-31"]
EXTREME_STARTS = [
    "0001-01-01T00:00:00",
    "0001-01-01T00:00:00-23:59",
    "9999-12-31T23:59:59+14:00",
    "9999-12-31T23:00:00",
]


@pytest.fixture
def world():
    return build_world()


@pytest.mark.parametrize("day", EXTREME_DATES)
def test_extreme_dates_in_query_strings(client, world, day):
    client.force_login(world.doctor.user)
    for url in (
        f"/portal/agenda/?date={day}",
        f"/portal/agenda/?date={day}&view=week",
        f"/portal/report/?start_date={day}&end_date={day}",
        f"/portal/report/?start_date={day}",
        f"/portal/report/?end_date={day}",
        f"/portal/report/?start_date={day}&end_date={day}&format=csv",
        f"/doctors/?date={day}",
        f"/doctors/{world.doctor.pk}/?date={day}",
        f"/doctors/{world.doctor.pk}/slots/?date={day}",
    ):
        assert client.get(url).status_code < 500, url
    agenda = client.get(f"/portal/agenda/?date={day}", follow=True).content.decode()
    assert "Pick a day within ten years of today; showing today." in agenda
    client.force_login(world.staff)
    report = client.get(f"/reports/?start_date={day}&end_date={day}")
    assert report.status_code == 200
    assert "Dates must lie within ten years of today." in report.content.decode()
    client.force_login(world.patient)
    url = f"/appointments/{world.pending.pk}/reschedule/?date={day}"
    assert client.get(url).status_code < 500


@pytest.mark.parametrize("day", EXTREME_DATES)
def test_extreme_dates_in_forms(client, world, day):
    client.force_login(world.doctor.user)
    response = client.post("/portal/time-off/", {"start_date": day, "end_date": day})
    assert response.status_code == 200
    assert list(TimeOff.objects.all()) == [world.time_off]
    response = client.post(
        f"/portal/appointments/{world.completed.pk}/notes/", {"notes-follow_up_date": day}
    )
    assert response.status_code < 500
    client.force_login(world.patient)
    response = client.post("/accounts/profile/", {"full_name": "Rahima", "date_of_birth": day})
    assert response.status_code < 500


@pytest.mark.parametrize("start", EXTREME_STARTS)
def test_extreme_starts(client, world, start):
    booked = Appointment.objects.count()
    client.force_login(world.patient)
    booked = Appointment.objects.count()
    url = f"/appointments/book/{world.doctor.pk}/?start={quote(start)}"
    assert client.get(url).status_code < 500
    assert client.post(url).status_code < 500
    response = client.post(f"/appointments/{world.pending.pk}/reschedule/", {"start": start})
    assert response.status_code < 500
    assert Appointment.objects.count() == booked  # nothing booked, nothing moved
    world.pending.refresh_from_db()
    assert world.pending.status == "pending"


@pytest.mark.parametrize("day", EXTREME_DATES)
def test_extreme_dates_in_the_api(client, world, day):
    """Found by Schemathesis: the staff's appointment list answered 500 for 0001-01-01."""
    staff = bearer(world.staff)
    doctor = world.doctor.pk
    for url in (
        f"/api/v1/doctors?date={day}",
        f"/api/v1/doctors/{doctor}/slots?date={day}",
        f"/api/v1/admin/appointments?start_date={day}",
        f"/api/v1/admin/appointments?end_date={day}",
        f"/api/v1/admin/appointments?start_date={day}&end_date={day}",
        f"/api/v1/admin/reports/overview?start_date={day}&end_date={day}",
        f"/api/v1/admin/reports/doctor/{doctor}?start_date={day}&end_date={day}",
    ):
        assert client.get(url, **staff).status_code in (200, 422), url


@pytest.mark.parametrize("start", EXTREME_STARTS)
def test_extreme_starts_in_the_api(client, world, start):
    patient = bearer(world.patient)
    before = Appointment.objects.count()
    booking = {"doctor_id": world.doctor.pk, "appointment_datetime": start}
    moving = {"appointment_datetime": start}
    for url, body in (
        ("/api/v1/appointments/", booking),
        (f"/api/v1/appointments/{world.pending.pk}/reschedule", moving),
    ):
        response = client.post(url, body, content_type="application/json", **patient)
        assert response.status_code in (409, 422), url
    assert Appointment.objects.count() == before
