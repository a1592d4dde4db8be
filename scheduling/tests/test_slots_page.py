from datetime import timedelta

import pytest
from django.utils import timezone

from accounts.tests.factories import DoctorProfileFactory
from scheduling.tests.factories import AppointmentFactory, open_every_day

pytestmark = pytest.mark.django_db


@pytest.fixture
def doctor():
    return open_every_day(DoctorProfileFactory())


def slots_url(doctor, day):
    return f"/doctors/{doctor.pk}/slots/?date={day}"


def test_doctor_page_shows_profile_hours_and_todays_slots(client, doctor):
    response = client.get(f"/doctors/{doctor.pk}/")
    html = response.content.decode()
    assert response.status_code == 200
    assert doctor.user.full_name in html
    assert "09:00–12:00, 14:00–17:00" in html
    assert f'hx-get="/doctors/{doctor.pk}/slots/"' in html


def test_doctor_page_opens_on_the_day_of_the_next_free_slot(client, doctor):
    from scheduling.services import refresh_next_free

    today = timezone.localdate()
    doctor.schedule_settings.min_notice_minutes = 24 * 60 * 2  # nothing today or tomorrow
    doctor.schedule_settings.save()
    refresh_next_free(doctor_ids=[doctor.pk])
    doctor.schedule_settings.refresh_from_db()
    next_day = timezone.localtime(doctor.schedule_settings.next_free_at).date()
    assert next_day >= today + timedelta(days=2)

    response = client.get(f"/doctors/{doctor.pk}/")
    assert response.context["day"] == next_day
    assert response.context["slots"]
    asked = client.get(f"/doctors/{doctor.pk}/", {"date": today.isoformat()})
    assert (asked.context["day"], asked.context["slots"]) == (today, [])  # as asked


def test_unverified_or_unknown_doctor_page_is_404(client):
    waiting = open_every_day(DoctorProfileFactory(verified_at=None))
    assert client.get(f"/doctors/{waiting.pk}/").status_code == 404
    assert client.get("/doctors/999999/").status_code == 404
    assert client.get(slots_url(waiting, timezone.localdate())).status_code == 404


def test_slots_partial_for_htmx_and_full_page_without(client, doctor):
    day = timezone.localdate() + timedelta(days=2)
    partial = client.get(slots_url(doctor, day), HTTP_HX_REQUEST="true")
    full = client.get(slots_url(doctor, day))

    assert "<html" not in partial.content.decode()
    assert "<html" in full.content.decode()
    assert len(partial.context["slots"]) == 6
    assert f"/appointments/book/{doctor.pk}/?start=" in partial.content.decode()


@pytest.mark.parametrize(
    "value, message",
    [
        ("yesterday", "not a date"),
        ("2026-02-30", "not a date"),
        ("", None),
        ("1999-01-01", "in the past"),
        ("2999-01-01", "takes bookings up to"),
    ],
)
def test_bad_dates_get_a_clear_message(client, doctor, value, message):
    if value == "1999-01-01":
        value = (timezone.localdate() - timedelta(days=1)).isoformat()
    response = client.get(f"/doctors/{doctor.pk}/slots/", {"date": value})
    if message is None:
        assert response.status_code == 200
        return
    assert response.status_code == 400
    assert message in response.content.decode()
    htmx = client.get(f"/doctors/{doctor.pk}/slots/", {"date": value}, HTTP_HX_REQUEST="true")
    assert htmx.status_code == 200
    assert message in htmx.content.decode()


def test_slots_query_count_is_constant(client, django_assert_num_queries):
    day = timezone.localdate() + timedelta(days=2)
    quiet = open_every_day(DoctorProfileFactory())
    busy = open_every_day(DoctorProfileFactory())
    for hour in (9, 10, 11, 14, 15):
        start = timezone.make_aware(
            timezone.datetime.combine(day, timezone.datetime.min.time()).replace(hour=hour)
        )
        AppointmentFactory(doctor=busy, start=start, status="confirmed")
    for n in range(30):
        AppointmentFactory(
            doctor=busy,
            start=timezone.now() + timedelta(days=3, hours=n),
            status="completed",
        )

    # The doctor (with their settings); the strip of fourteen days (sessions, time off,
    # appointments), which also holds the day shown.
    with django_assert_num_queries(4) as quiet_queries:
        client.get(slots_url(quiet, day), HTTP_HX_REQUEST="true")
    with django_assert_num_queries(len(quiet_queries)):
        response = client.get(slots_url(busy, day), HTTP_HX_REQUEST="true")
    assert len(response.context["slots"]) == 1


def test_cached_slot_list_is_replaced_by_a_booking(
    client, doctor, settings, django_assert_num_queries, django_capture_on_commit_callbacks
):
    from django.core.cache import cache

    from accounts.tests.factories import PatientFactory
    from scheduling import services

    settings.APPION_SLOTS_CACHE_SECONDS = 30
    cache.clear()
    day = timezone.localdate() + timedelta(days=2)
    first = client.get(slots_url(doctor, day), HTTP_HX_REQUEST="true").content.decode()
    with django_assert_num_queries(0):  # the list comes from the cache
        again = client.get(slots_url(doctor, day), HTTP_HX_REQUEST="true").content.decode()
    assert again == first
    assert first.count("/appointments/book/") == 6

    start = timezone.make_aware(timezone.datetime.combine(day, timezone.datetime.min.time()))
    with django_capture_on_commit_callbacks(execute=True):
        services.book_appointment(
            patient=PatientFactory(), doctor=doctor, start=start.replace(hour=9)
        )

    after = client.get(slots_url(doctor, day), HTTP_HX_REQUEST="true").content.decode()
    assert after.count("/appointments/book/") == 5


@pytest.mark.parametrize("bad", ["{day}x", "{day}T09:00", "soon"])
def test_a_bad_date_does_not_stand_in_the_cache_for_a_good_one(client, doctor, settings, bad):
    from django.core.cache import cache

    settings.APPION_SLOTS_CACHE_SECONDS = 30
    cache.clear()
    day = timezone.localdate() + timedelta(days=2)

    refused = client.get(slots_url(doctor, bad.format(day=day)), HTTP_HX_REQUEST="true")
    shown = client.get(slots_url(doctor, day), HTTP_HX_REQUEST="true").content.decode()
    again = client.get(slots_url(doctor, bad.format(day=day)), HTTP_HX_REQUEST="true")

    assert "/appointments/book/" not in refused.content.decode()
    assert shown.count("/appointments/book/") == 6
    assert again.content == refused.content
