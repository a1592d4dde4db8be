import html
import re
from datetime import datetime, timedelta
from decimal import Decimal
from io import StringIO
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.management import call_command
from django.utils import timezone

from accounts.tests.factories import (
    DoctorProfileFactory,
    PatientFactory,
    SpecializationFactory,
    UserFactory,
)
from locations.tests.factories import DistrictFactory, ThanaFactory
from scheduling.tests.factories import AppointmentFactory, TimeOffFactory, open_every_day

pytestmark = pytest.mark.django_db

URL = "/doctors/"


def names(response):
    return [card.doctor.user.full_name for card in response.context["cards"]]


def listed(name, **kwargs):
    return open_every_day(DoctorProfileFactory(user__full_name=name, **kwargs))


def test_only_verified_active_doctors_are_listed(client):
    listed("Dr. Verified")
    listed("Dr. Waiting", verified_at=None)
    listed("Dr. Gone", user=UserFactory(role="doctor", is_active=False, full_name="Dr. Gone"))

    assert names(client.get(URL)) == ["Dr. Verified"]


def test_q_matches_name_and_specialization_in_both_languages(client):
    heart = SpecializationFactory(name="Cardiology", name_bn="কার্ডিওলজি (হৃদরোগ)")
    listed("Dr. Kamal Hossain", specialization=heart)
    listed("Dr. Nasrin Akter")

    assert names(client.get(URL, {"q": "kamal"})) == ["Dr. Kamal Hossain"]
    assert names(client.get(URL, {"q": "cardio"})) == ["Dr. Kamal Hossain"]
    assert names(client.get(URL, {"q": "হৃদরোগ"})) == ["Dr. Kamal Hossain"]


def test_specialization_and_fee_filters(client):
    skin = SpecializationFactory(name="Dermatology")
    listed("Dr. Cheap Skin", specialization=skin, consultation_fee=Decimal("500"))
    listed("Dr. Dear Skin", specialization=skin, consultation_fee=Decimal("1500"))
    listed("Dr. Other", consultation_fee=Decimal("300"))

    assert names(client.get(URL, {"specialization": skin.pk, "max_fee": "1000"})) == [
        "Dr. Cheap Skin"
    ]


def test_location_filters_narrow_by_division_district_and_thana(client):
    dhanmondi = ThanaFactory(name="Dhanmondi")
    mirpur = ThanaFactory(name="Mirpur", district=dhanmondi.district)
    elsewhere = ThanaFactory(district=DistrictFactory())
    listed("Dr. Dhanmondi", chamber_thana=dhanmondi)
    listed("Dr. Mirpur", chamber_thana=mirpur)
    listed("Dr. Elsewhere", chamber_thana=elsewhere)

    assert names(client.get(URL, {"thana": dhanmondi.pk})) == ["Dr. Dhanmondi"]
    by_district = names(client.get(URL, {"district": dhanmondi.district_id, "sort": "fee"}))
    assert sorted(by_district) == ["Dr. Dhanmondi", "Dr. Mirpur"]
    by_division = client.get(URL, {"division": elsewhere.district.division_id})
    assert names(by_division) == ["Dr. Elsewhere"]


def test_date_filter_keeps_doctors_with_a_free_slot_that_day(client):
    day = timezone.localdate() + timedelta(days=3)
    free = listed("Dr. Free")
    away = listed("Dr. Away")
    TimeOffFactory(doctor=away, start_date=day, end_date=day)

    assert names(client.get(URL, {"date": day.isoformat()})) == [free.user.full_name]


def test_sorts(client):
    tomorrow = timezone.localdate() + timedelta(days=1)
    busy = listed("Dr. Busy", consultation_fee=Decimal("300"), experience_years=5)
    listed("Dr. Free", consultation_fee=Decimal("900"), experience_years=30)
    # Busy is on leave for a week: its next free slot comes later.
    TimeOffFactory(doctor=busy, start_date=timezone.localdate(), end_date=tomorrow + timedelta(6))
    # The order by next free slot comes from the stored value that the refresh_next_free
    # command keeps current (and every booking or schedule change).
    call_command("refresh_next_free", stdout=StringIO())

    assert names(client.get(URL)) == ["Dr. Free", "Dr. Busy"]
    assert names(client.get(URL, {"sort": "fee"})) == ["Dr. Busy", "Dr. Free"]
    assert names(client.get(URL, {"sort": "experience"})) == ["Dr. Free", "Dr. Busy"]


@pytest.mark.parametrize(
    "params, ignored",
    [
        ({"specialization": "abc"}, "specialization"),
        ({"division": "-1"}, "division"),
        ({"district": "99999999"}, "district"),
        ({"thana": "1;DROP TABLE"}, "thana"),
        ({"max_fee": "lots"}, "max_fee"),
        ({"max_fee": "NaN"}, "max_fee"),
        ({"max_fee": "-5"}, "max_fee"),
        ({"date": "2026-13-45"}, "date"),
        ({"date": "2001-01-01"}, "date"),
        ({"sort": "price; DROP"}, "sort"),
        ({"page": "last"}, None),
        ({"page": "999"}, None),
    ],
)
def test_invalid_filters_are_ignored_with_a_note(client, params, ignored):
    listed("Dr. Still Here")
    response = client.get(URL, params)

    assert response.status_code == 200
    assert names(response) == ["Dr. Still Here"]
    if ignored:
        assert ignored in response.context["ignored"]
        assert "were not understood" in response.content.decode()


ALL_WRONG = {
    "specialization": "abc",
    "division": "-1",
    "district": "99999999",
    "thana": "0",
    "max_fee": "lots",
    "date": "2026-13-45",
    "sort": "cheapest",
}


def _note(response):
    page = html.unescape(response.content.decode())
    return page.split('<div class="alert alert-warning"', 1)[1].split("</div>", 1)[0]


def test_the_note_names_the_ignored_filters_by_their_labels(client):
    note = _note(client.get(URL, ALL_WRONG))
    for label in (
        "Specialization",
        "Division",
        "District",
        "Thana / upazila",
        "Maximum fee (৳)",
        "Available on",
        "Sort",
    ):
        assert f"“{label}”" in note
    assert not re.search(r"specialization|division|district|thana|max_fee|date|sort", note)


def test_the_note_names_the_ignored_filters_in_bengali(client):
    note = _note(client.get(URL, {"max_fee": "lots"}, HTTP_ACCEPT_LANGUAGE="bn"))
    assert "“সর্বোচ্চ ফি (৳)”" in note
    assert "max_fee" not in note


def test_pagination_keeps_the_filters(client):
    for n in range(23):
        listed(f"Dr. Page {n:02d}", consultation_fee=Decimal("400"))
    first = client.get(URL, {"max_fee": "500", "sort": "fee"})
    assert len(first.context["cards"]) == 20
    assert "max_fee=500&amp;sort=fee&amp;page=2" in first.content.decode()
    second = client.get(URL, {"max_fee": "500", "sort": "fee", "page": "2"})
    assert len(second.context["cards"]) == 3


def test_card_shows_next_free_slot_or_none(client):
    listed("Dr. Open")
    DoctorProfileFactory(user__full_name="Dr. No Hours")
    html = client.get(URL).content.decode()
    assert "Next free slot" in html
    assert "No free slot in the next 30 days" in html


@pytest.mark.parametrize("sort", ["next", "fee"])
def test_query_count_is_constant_in_the_number_of_doctors(client, sort, django_assert_num_queries):
    def count_queries():
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        client.get(URL, {"sort": sort})  # fills the caches
        with CaptureQueriesContext(connection) as captured:
            assert client.get(URL, {"sort": sort}).status_code == 200
        return len(captured)

    for n in range(2):
        doctor = listed(f"Dr. Few {n}")
        AppointmentFactory(
            doctor=doctor,
            start=timezone.now().replace(microsecond=0) + timedelta(days=2),
            status="pending",
        )
    few = count_queries()
    for n in range(25):
        doctor = listed(f"Dr. Many {n}")
        for day in range(1, 4):
            start = timezone.localtime() + timedelta(days=day)
            AppointmentFactory(
                doctor=doctor,
                start=start.replace(hour=9, minute=0, second=0, microsecond=0),
                status="confirmed",
            )
    assert count_queries() == few
    with django_assert_num_queries(few):
        client.get(URL, {"sort": sort})


def test_a_stale_stored_slot_is_shown_fresh_and_corrected_by_the_refresh_command(client):
    # The page shows the slot computed now; a GET writes nothing. The stored one, by
    # which the directory sorts, is corrected by refresh_next_free (cron).
    from scheduling.models import ScheduleSettings

    doctor = listed("Dr. Stale")
    ScheduleSettings.objects.filter(doctor=doctor).update(next_free_at=None)
    response = client.get(URL)
    shown = response.context["cards"][0].slot
    assert shown is not None
    assert ScheduleSettings.objects.get(doctor=doctor).next_free_at is None

    call_command("refresh_next_free", stdout=StringIO())
    assert ScheduleSettings.objects.get(doctor=doctor).next_free_at == shown.start


def test_booking_refreshes_the_stored_next_free_slot(django_capture_on_commit_callbacks):
    from accounts.tests.factories import PatientFactory
    from scheduling import services
    from scheduling.models import ScheduleSettings

    doctor = listed("Dr. Booked")
    services.refresh_next_free()
    first = ScheduleSettings.objects.get(doctor=doctor).next_free_at
    with django_capture_on_commit_callbacks(execute=True):
        services.book_appointment(patient=PatientFactory(), doctor=doctor, start=first)
    assert ScheduleSettings.objects.get(doctor=doctor).next_free_at > first


@pytest.mark.django_db
@pytest.mark.parametrize("q", ["\x00", "Karim\x00", "\x00" * 200])
def test_a_search_with_nul_characters_is_not_a_server_error(client, q):
    # PostgreSQL refused the NUL byte in the query ("text fields cannot contain NUL").
    doctor = DoctorProfileFactory(user__full_name="Karim Uddin")
    assert client.get("/doctors/", {"q": q}).status_code == 200
    client.force_login(PatientFactory())
    assert client.get("/appointments/", {"q": q}).status_code == 200
    assert doctor.user.full_name in client.get("/doctors/", {"q": "Kar\x00im"}).content.decode()


# A Tuesday, 10:00 in Dhaka.
DHAKA_NOW = datetime(2026, 3, 10, 10, 0, tzinfo=ZoneInfo("Asia/Dhaka"))


def booking_links(page):
    return re.findall(r'href="(/appointments/book/\d+/\?start=[^"]+)"', page)


def test_cards_offer_three_free_times_of_the_first_free_day_to_book(client):
    with time_machine.travel(DHAKA_NOW, tick=False):
        doctor = listed("Dr. Open")  # 09:00-12:00 and 14:00-17:00 every day, 60 minutes
        AppointmentFactory(doctor=doctor, start=DHAKA_NOW.replace(hour=14), status="confirmed")
        page = client.get(URL).content.decode()

    # Today: 11:00 is inside the two hours' notice, 14:00 is taken.
    assert booking_links(page) == [
        f"/appointments/book/{doctor.pk}/?start=2026-03-10T15%3A00%3A00%2B06%3A00",
        f"/appointments/book/{doctor.pk}/?start=2026-03-10T16%3A00%3A00%2B06%3A00",
    ]
    assert "Book 15:00" in page and "Free times on Tue 10 Mar" in page


def test_cards_offer_the_searched_dates_free_times(client):
    with time_machine.travel(DHAKA_NOW, tick=False):
        doctor = listed("Dr. Open")
        page = client.get(URL, {"date": "2026-03-12"}).content.decode()
        booked = client.get(booking_links(page)[0])

    assert [link.split("start=")[1][:19] for link in booking_links(page)] == [
        "2026-03-12T09%3A00%",
        "2026-03-12T10%3A00%",
        "2026-03-12T11%3A00%",
    ]
    assert "Free times on Thu 12 Mar" in page
    assert booked.status_code == 200 and booked.context["slot"].serial == 1
    assert booked.context["doctor"] == doctor


@pytest.mark.parametrize("query", [{}, {"date": "2026-03-12"}])
def test_the_cards_times_keep_the_query_count_constant(client, query, django_assert_num_queries):
    def count_queries():
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        with CaptureQueriesContext(connection) as captured:
            page = client.get(URL, query)
        assert page.status_code == 200
        return len(captured), len(booking_links(page.content.decode()))

    with time_machine.travel(DHAKA_NOW, tick=False):
        for n in range(2):
            listed(f"Dr. Few {n}")
        client.get(URL, query)  # fills the caches
        few, links = count_queries()
        for n in range(12):
            doctor = listed(f"Dr. Many {n}")
            AppointmentFactory(
                doctor=doctor, start=DHAKA_NOW.replace(day=12, hour=9), status="confirmed"
            )
        many, more_links = count_queries()
    assert (links, more_links) == (2 * 3, 14 * 3)
    assert many == few


def test_the_filters_fold_away_after_a_search_and_stay_open_before(client):
    before = client.get("/doctors/").content.decode()
    after = client.get("/doctors/", {"q": "heart"}).content.decode()
    sorted_only = client.get("/doctors/", {"sort": "fee"}).content.decode()

    assert '<details class="search-panel mb-3" open>' in before
    assert '<details class="search-panel mb-3">' in after
    assert '<details class="search-panel mb-3" open>' in sorted_only


def test_when_nothing_matches_the_page_says_which_filter_to_relax(client):
    cardiology = SpecializationFactory(name="Cardiology")
    open_every_day(
        DoctorProfileFactory(
            specialization=cardiology, consultation_fee=900, user__full_name="Dr. Heart"
        )
    )
    open_every_day(DoctorProfileFactory(consultation_fee=300))

    response = client.get("/doctors/", {"specialization": cardiology.pk, "max_fee": 500})

    page = html.unescape(response.content.decode())
    assert "No doctor matches these filters." in page
    # Without the fee limit the cardiologist is found; without the specialization, the
    # other doctor would be too: both are offered, each with its count.
    relax = {label: (n, url) for label, n, url in response.context["relax"]}
    assert relax.keys() == {"Maximum fee (৳)", "Specialization"}
    assert relax["Maximum fee (৳)"][0] == 1
    assert "Without “Maximum fee (৳)”: 1 doctor" in page
    assert names(client.get("/doctors/" + relax["Maximum fee (৳)"][1])) == ["Dr. Heart"]


def test_results_offer_no_relaxing(client):
    open_every_day(DoctorProfileFactory())
    assert client.get("/doctors/", {"max_fee": 100000}).context["relax"] == []


def test_a_doctor_unlisted_while_the_page_loads_is_left_out(client):
    """The page reads its doctors' ids first, then their rows: a doctor deactivated in
    between is left out of the page rather than failing it."""
    from django.db import connection

    from accounts.models import User

    listed("Dr. Stays")
    leaving = listed("Dr. Leaves")
    unlisted = []

    def unlist_after_the_ids(execute, sql, params, many, context):
        result = execute(sql, params, many, context)
        if not unlisted and sql.startswith('SELECT "accounts_doctorprofile"."id" AS "pk"'):
            unlisted.append(True)
            User.objects.filter(pk=leaving.user_id).update(is_active=False)
        return result

    with connection.execute_wrapper(unlist_after_the_ids):
        response = client.get(URL)

    assert unlisted, "the ids query was not seen"
    assert response.status_code == 200
    assert names(response) == ["Dr. Stays"]
