"""The API's public reads: locations, specializations, the directory, a doctor's page
and free slots."""

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine

from accounts.tests.factories import DoctorProfileFactory, SpecializationFactory
from locations.tests.factories import DistrictFactory, DivisionFactory, ThanaFactory
from scheduling.tests.factories import AppointmentFactory, open_every_day

pytestmark = pytest.mark.django_db

DHAKA = ZoneInfo("Asia/Dhaka")


@pytest.fixture(autouse=True)
def frozen():
    # A Tuesday morning in Dhaka.
    with time_machine.travel(datetime(2026, 3, 10, 7, 0, tzinfo=DHAKA), tick=False):
        yield


def test_location_tree(client):
    division = DivisionFactory(name="Sylhet")
    district = DistrictFactory(division=division, name="Moulvibazar")
    ThanaFactory(district=district, name="Sreemangal")
    DistrictFactory(name="Elsewhere")

    divisions = client.get("/api/v1/locations/divisions").json()
    districts = client.get(f"/api/v1/locations/districts?division_id={division.pk}").json()
    thanas = client.get(f"/api/v1/locations/thanas?district_id={district.pk}").json()

    assert "Sylhet" in [d["name"] for d in divisions]
    assert [d["name"] for d in districts] == ["Moulvibazar"]
    assert [t["name"] for t in thanas] == ["Sreemangal"]


def test_districts_need_a_numeric_division(client):
    assert client.get("/api/v1/locations/districts").status_code == 422
    assert client.get("/api/v1/locations/districts?division_id=abc").status_code == 422


def test_specializations(client):
    SpecializationFactory(name="Cardiology")

    response = client.get("/api/v1/specializations")

    assert response.status_code == 200
    assert "Cardiology" in [s["name"] for s in response.json()]


def test_directory_lists_verified_doctors_with_filters(client):
    cardiology = SpecializationFactory(name="Cardiology")
    heart = open_every_day(DoctorProfileFactory(specialization=cardiology, user__full_name="Dr A"))
    open_every_day(DoctorProfileFactory(user__full_name="Dr B"))
    DoctorProfileFactory(verified_at=None, specialization=cardiology)

    everyone = client.get("/api/v1/doctors").json()
    found = client.get(f"/api/v1/doctors?specialization={cardiology.pk}").json()

    assert everyone["total"] == 2
    assert found["total"] == 1
    item = found["items"][0]
    assert item["id"] == heart.pk
    assert item["consultation_fee"] == "800.00"
    # 07:00 now with two hours' notice: the 09:00 slot is the first free one.
    assert item["next_free_slot"]["start"] == "2026-03-10T09:00:00+06:00"
    assert item["next_free_slot"]["serial"] == 1


@pytest.mark.parametrize("query", ["specialization=abc", "sort=price", "date=2020-01-01"])
def test_directory_refuses_what_it_cannot_understand(client, query):
    response = client.get(f"/api/v1/doctors?{query}")

    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"]


def test_doctor_detail_and_404_for_an_unverified_or_unknown_id(client):
    doctor = open_every_day(DoctorProfileFactory(bio="Heart specialist"))
    pending = DoctorProfileFactory(verified_at=None)

    response = client.get(f"/api/v1/doctors/{doctor.pk}")

    assert response.status_code == 200
    assert response.json()["bio"] == "Heart specialist"
    for missing in (pending.pk, 999999):
        refused = client.get(f"/api/v1/doctors/{missing}")
        assert refused.status_code == 404
        assert refused.json() == {"detail": "Not Found"}


def test_slots_of_a_day_leave_out_the_taken_one(client):
    doctor = open_every_day(DoctorProfileFactory())
    AppointmentFactory(doctor=doctor, start=datetime(2026, 3, 11, 10, 0, tzinfo=DHAKA))

    response = client.get(f"/api/v1/doctors/{doctor.pk}/slots?date=2026-03-11")

    assert response.status_code == 200
    slots = response.json()
    starts = [slot["start"] for slot in slots]
    assert starts[0] == "2026-03-11T09:00:00+06:00"
    assert "2026-03-11T10:00:00+06:00" not in starts
    assert slots[0]["end"] == "2026-03-11T10:00:00+06:00"
    assert slots[0]["serial"] == 1
    assert slots[0]["chamber"]
    assert len(slots) == 5


@pytest.mark.parametrize("day", ["2026-03-09", "2026-06-01", "not-a-date"])
def test_slots_refuse_a_day_outside_the_window(client, day):
    doctor = open_every_day(DoctorProfileFactory())

    response = client.get(f"/api/v1/doctors/{doctor.pk}/slots?date={day}")

    assert response.status_code == 422
    assert isinstance(response.json()["detail"], list)


def test_slots_of_an_unlisted_doctor_are_404(client):
    doctor = DoctorProfileFactory(verified_at=None)

    assert client.get(f"/api/v1/doctors/{doctor.pk}/slots").status_code == 404


def count_queries(client, url, query=None):
    """The queries of one GET of `url` (which must answer 200), and its JSON."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as captured:
        response = client.get(url, query or {})
    assert response.status_code == 200, response.content
    return len(captured), response.json()


def busy_doctor(specialization, n):
    """A listed doctor with bookings on the next days, some of which take free slots."""
    doctor = open_every_day(
        DoctorProfileFactory(specialization=specialization, user__full_name=f"Dr {n:02d}")
    )
    for day, hour in ((10, 9), (11, 10), (12, 14)):
        AppointmentFactory(
            doctor=doctor, start=datetime(2026, 3, day, hour, 0, tzinfo=DHAKA), status="confirmed"
        )
    return doctor


@pytest.mark.parametrize(
    ("query", "before"),
    [
        ({}, 0),
        ({"sort": "fee", "max_fee": "5000", "q": "Dr"}, 0),
        ({"date": "2026-03-12", "sort": "experience"}, 0),
        ({"page": "2", "sort": "next"}, 20),  # page 2: the first twenty are on page 1
    ],
)
def test_directory_query_count_is_the_same_for_2_and_for_20_doctors_on_the_page(
    client, query, before, django_assert_num_queries
):
    cardiology = SpecializationFactory(name="Cardiology")
    query = {"specialization": cardiology.pk, **query}
    SpecializationFactory(name="Dermatology")  # and a doctor the filter leaves out
    busy_doctor(SpecializationFactory(name="Neurology"), 99)
    for n in range(before + 2):
        busy_doctor(cardiology, n)
    few, page = count_queries(client, "/api/v1/doctors", query)
    assert len(page["items"]) == 2

    for n in range(before + 2, before + 20):
        busy_doctor(cardiology, n)
    with django_assert_num_queries(few):
        page = client.get("/api/v1/doctors", query).json()
    assert len(page["items"]) == 20
    assert page["total"] == before + 20
    assert all(item["next_free_slot"] for item in page["items"])


def test_slots_query_count_does_not_grow_with_bookings(client, django_assert_num_queries):
    quiet = open_every_day(DoctorProfileFactory())
    busy = open_every_day(DoctorProfileFactory())
    for hour in (9, 10, 11, 14, 15):
        AppointmentFactory(doctor=busy, start=datetime(2026, 3, 11, hour, 0, tzinfo=DHAKA))
    for day in range(12, 20):
        AppointmentFactory(doctor=busy, start=datetime(2026, 3, day, 9, 0, tzinfo=DHAKA))

    # The doctor with their booking rules; their sessions, leave and appointments.
    with django_assert_num_queries(4):
        slots = client.get(f"/api/v1/doctors/{quiet.pk}/slots", {"date": "2026-03-11"}).json()
    assert len(slots) == 6
    with django_assert_num_queries(4):
        slots = client.get(f"/api/v1/doctors/{busy.pk}/slots", {"date": "2026-03-11"}).json()
    assert [slot["start"] for slot in slots] == ["2026-03-11T16:00:00+06:00"]


def test_the_slot_list_is_cached_until_a_booking_replaces_it(
    client, settings, django_assert_num_queries, django_capture_on_commit_callbacks
):
    from django.core.cache import cache

    from accounts.tests.factories import PatientFactory
    from scheduling import services

    settings.APPION_SLOTS_CACHE_SECONDS = 30
    cache.clear()
    doctor = open_every_day(DoctorProfileFactory())
    url = f"/api/v1/doctors/{doctor.pk}/slots?date=2026-03-11"
    computed = client.get(url)
    with django_assert_num_queries(0):  # the list comes from the cache
        kept = client.get(url)
    assert (kept.content, kept["Content-Type"]) == (computed.content, computed["Content-Type"])
    first = computed.json()
    assert len(first) == 6

    with django_capture_on_commit_callbacks(execute=True):
        services.book_appointment(
            patient=PatientFactory(), doctor=doctor, start=datetime(2026, 3, 11, 9, tzinfo=DHAKA)
        )

    after = client.get(url).json()
    assert [slot["start"] for slot in after] == [slot["start"] for slot in first[1:]]


def test_the_directory_is_cached_for_a_short_while(client, settings, django_assert_num_queries):
    from django.core.cache import cache

    settings.APPION_PAGE_CACHE_SECONDS = 30
    cache.clear()
    open_every_day(DoctorProfileFactory(user__full_name="Dr A"))
    first = client.get("/api/v1/doctors").json()
    open_every_day(DoctorProfileFactory(user__full_name="Dr B"))

    with django_assert_num_queries(0):
        again = client.get("/api/v1/doctors").json()
    by_fee = client.get("/api/v1/doctors?sort=fee").json()  # another address: computed

    assert [d["full_name"] for d in first["items"]] == ["Dr A"]
    assert again == first  # Dr B shows up within APPION_PAGE_CACHE_SECONDS
    assert sorted(d["full_name"] for d in by_fee["items"]) == ["Dr A", "Dr B"]
