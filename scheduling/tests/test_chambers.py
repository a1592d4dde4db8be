"""A doctor with several chambers: per-chamber slots, serials, fees and time off, the
directory by chamber area, the doctor page, the .ics location and the portal's chamber
pages."""

from datetime import datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from icalendar import Calendar

from accounts.tests.factories import DoctorProfileFactory, PatientFactory
from locations.tests.factories import DistrictFactory, ThanaFactory
from scheduling import services
from scheduling.models import Appointment, Chamber, ChamberHours
from scheduling.selectors import free_slots
from scheduling.tests.factories import (
    AppointmentFactory,
    ChamberFactory,
    ChamberHoursFactory,
    TimeOffFactory,
    first_chamber,
    open_every_day,
)

pytestmark = pytest.mark.django_db

DHAKA = ZoneInfo("Asia/Dhaka")
# Monday 1 June 2026, 07:00 in Dhaka.
NOW = datetime(2026, 6, 1, 7, 0, tzinfo=DHAKA)
TOMORROW = NOW.date() + timedelta(days=1)
MORNING = ((time(9), time(12)),)


def at(day, hour):
    return datetime.combine(day, time(hour), tzinfo=DHAKA)


@pytest.fixture
def clock():
    with time_machine.travel(NOW, tick=False):
        yield


def two_chamber_doctor(name="Dr. Two Chambers", **kwargs):
    """A doctor (fee ৳800) at a hospital 09:00-12:00 and at a diagnostic centre
    15:00-18:00 with its own fee (৳500), every day, in two districts."""
    doctor = DoctorProfileFactory(
        user__full_name=name,
        consultation_fee=Decimal("800"),
        chamber_name="Dhaka Medical College Hospital",
        chamber_thana=kwargs.pop("morning_thana", None) or ThanaFactory(),
        **kwargs,
    )
    open_every_day(doctor, ranges=MORNING)
    evening = ChamberFactory(
        doctor=doctor,
        name="Popular Diagnostic Centre",
        address="House 16, Road 2",
        thana=ThanaFactory(),
        phone="+8801711000000",
        map_url="https://maps.example.com/popular",
        fee=Decimal("500"),
    )
    for weekday in range(7):
        ChamberHoursFactory(chamber=evening, weekday=weekday, start=time(15), end=time(18))
    return doctor


def test_each_chamber_numbers_its_own_serials_from_one():
    doctor = two_chamber_doctor()

    slots = free_slots(doctor, TOMORROW, TOMORROW, now=NOW)[TOMORROW]

    assert [(s.local_start.hour, s.chamber_name, s.serial) for s in slots] == [
        (9, "Dhaka Medical College Hospital", 1),
        (10, "Dhaka Medical College Hospital", 2),
        (11, "Dhaka Medical College Hospital", 3),
        (15, "Popular Diagnostic Centre", 1),
        (16, "Popular Diagnostic Centre", 2),
        (17, "Popular Diagnostic Centre", 3),
    ]


def test_bookings_at_two_chambers_on_one_day_both_get_serial_one_and_their_fee():
    doctor = two_chamber_doctor()
    morning, evening = doctor.chambers.all()

    first = services.book_appointment(
        patient=PatientFactory(), doctor=doctor, start=at(TOMORROW, 9), now=NOW
    )
    second = services.book_appointment(
        patient=PatientFactory(), doctor=doctor, start=at(TOMORROW, 15), now=NOW
    )

    assert (first.chamber, first.serial, first.fee) == (morning, 1, Decimal("800"))
    assert (second.chamber, second.serial, second.fee) == (evening, 1, Decimal("500"))
    # The next free slot at the evening chamber takes the next serial there.
    slots = free_slots(doctor, TOMORROW, TOMORROW, now=NOW)[TOMORROW]
    assert [(s.local_start.hour, s.serial) for s in slots] == [(10, 2), (11, 3), (16, 2), (17, 3)]


def test_time_off_at_one_chamber_closes_only_its_sessions():
    doctor = two_chamber_doctor()
    evening = doctor.chambers.get(name="Popular Diagnostic Centre")
    TimeOffFactory(doctor=doctor, chamber=evening, start_date=TOMORROW, end_date=TOMORROW)

    hours = [s.local_start.hour for s in free_slots(doctor, TOMORROW, TOMORROW, now=NOW)[TOMORROW]]

    assert hours == [9, 10, 11]
    TimeOffFactory(doctor=doctor, start_date=TOMORROW, end_date=TOMORROW)
    assert free_slots(doctor, TOMORROW, TOMORROW, now=NOW) == {}


def test_directory_finds_a_doctor_under_the_district_of_either_chamber_once(client):
    doctor = two_chamber_doctor()
    morning, evening = doctor.chambers.select_related("thana__district")
    # A second chamber in the morning chamber's district must not show the doctor twice.
    ChamberFactory(doctor=doctor, name="Annex", thana=ThanaFactory(district=morning.thana.district))
    DoctorProfileFactory(user__full_name="Dr. Elsewhere", chamber_thana=ThanaFactory())

    for chamber in (morning, evening):
        response = client.get("/doctors/", {"district": chamber.thana.district_id})
        cards = response.context["cards"]
        assert [card.doctor.user.full_name for card in cards] == ["Dr. Two Chambers"]
        assert cards[0].doctor.card_chamber == chamber
        assert chamber.name in response.content.decode()
    by_thana = client.get("/doctors/", {"thana": evening.thana_id})
    assert [card.doctor.pk for card in by_thana.context["cards"]] == [doctor.pk]
    by_division = client.get("/doctors/", {"division": evening.thana.district.division_id})
    assert [card.doctor.pk for card in by_division.context["cards"]] == [doctor.pk]


def test_directory_by_area_runs_a_constant_number_of_queries(client):
    district = DistrictFactory()

    def count():
        with CaptureQueriesContext(connection) as captured:
            assert client.get("/doctors/", {"district": district.pk}).status_code == 200
        return len(captured)

    two_chamber_doctor("Dr. A", morning_thana=ThanaFactory(district=district))
    few = count()
    for n in range(6):
        two_chamber_doctor(f"Dr. B{n}", morning_thana=ThanaFactory(district=district))
    assert count() == few


def test_doctor_page_lists_each_chamber_with_call_and_map_links(client):
    doctor = two_chamber_doctor()
    morning = first_chamber(doctor)
    # A link typed with another scheme is never shown as a link.
    Chamber.objects.filter(pk=morning.pk).update(map_url="javascript:alert(1)")

    html = client.get(f"/doctors/{doctor.pk}/").content.decode()

    assert "Dhaka Medical College Hospital" in html
    assert "Popular Diagnostic Centre" in html
    assert 'href="tel:+8801711000000"' in html
    assert 'href="https://maps.example.com/popular"' in html
    assert 'rel="noopener noreferrer"' in html
    assert "javascript:" not in html
    assert "৳500" in html  # the chamber's own fee
    assert "15:00–18:00" in html and "09:00–12:00" in html


def test_slot_list_names_the_chamber_of_each_slot(client, clock):
    doctor = two_chamber_doctor()

    html = client.get(f"/doctors/{doctor.pk}/slots/", {"date": TOMORROW.isoformat()}).content
    html = html.decode()

    assert "· Dhaka Medical College Hospital" in html
    assert "· Popular Diagnostic Centre" in html


def test_ics_location_is_the_appointments_chamber(client, clock):
    doctor = two_chamber_doctor()
    evening = doctor.chambers.get(name="Popular Diagnostic Centre")
    appointment = AppointmentFactory(
        doctor=doctor, chamber=evening, start=at(TOMORROW, 15), status="confirmed"
    )
    client.force_login(appointment.patient)

    response = client.get(f"/appointments/{appointment.pk}/ics/")

    event = Calendar.from_ical(response.content).walk("VEVENT")[0]
    assert str(event["LOCATION"]).startswith("Popular Diagnostic Centre, House 16, Road 2")


# The portal's chamber pages.


@pytest.fixture
def doctor(client):
    profile = DoctorProfileFactory(chamber_thana=ThanaFactory())
    open_every_day(profile, ranges=MORNING)
    client.force_login(profile.user)
    return profile


def chamber_form(thana, **fields):
    return {
        "name": "Labaid Evening",
        "address": "Road 4, Dhanmondi",
        "division": thana.district.division_id,
        "district": thana.district_id,
        "thana": thana.pk,
        "phone": "01812345678",
        "map_url": "https://maps.example.com/labaid",
        "fee": "600",
        "day_5": "14:00-17:00",
        **fields,
    }


def test_doctor_adds_a_chamber_with_its_sessions(client, doctor):
    thana = ThanaFactory()

    response = client.post("/portal/chambers/new/", chamber_form(thana))

    assert response.status_code == 302
    chamber = doctor.chambers.get(name="Labaid Evening")
    assert (chamber.thana, chamber.phone, chamber.fee) == (thana, "+8801812345678", Decimal(600))
    assert chamber.position == 1
    hours = ChamberHours.objects.filter(chamber=chamber)
    assert [(h.doctor_id, h.weekday, h.start, h.end) for h in hours] == [
        (doctor.pk, 5, time(14), time(17))
    ]
    listing = client.get("/portal/chambers/").content.decode()
    assert "Labaid Evening" in listing and first_chamber(doctor).name in listing


@pytest.mark.parametrize(
    "fields, saved",
    [
        ({}, ("none", None, False)),  # an unticked box posts nothing
        (
            {"advance": "fixed", "advance_amount": "200", "refund_on_patient_cancel": ""},
            ("fixed", Decimal(200), False),
        ),
        (
            {"advance": "full", "advance_amount": "200", "refund_on_patient_cancel": "on"},
            ("full", None, True),
        ),
    ],
)
def test_the_chamber_says_how_its_patients_pay(client, doctor, fields, saved):
    response = client.post("/portal/chambers/new/", chamber_form(ThanaFactory(), **fields))

    assert response.status_code == 302
    chamber = doctor.chambers.get(name="Labaid Evening")
    assert (chamber.advance, chamber.advance_amount, chamber.refund_on_patient_cancel) == saved
    page = client.get(f"/portal/chambers/{chamber.pk}/").content.decode()
    assert f'<option value="{saved[0]}" selected>' in page


def test_chamber_page_shows_the_business_hours_before_typing(client, doctor):
    html = client.get("/portal/chambers/new/").content.decode()
    assert (
        "Sessions must lie between 08:00 and 18:00, the site&#x27;s business hours; the "
        "site&#x27;s administrator sets them." in html
    )


@pytest.mark.parametrize(
    "fields, message",
    [
        ({"phone": "12345"}, "Bangladeshi mobile number"),
        ({"map_url": "javascript:alert(1)"}, "Enter a valid URL."),
        ({"map_url": "ftp://maps.example.com/x"}, "Enter a valid URL."),
        ({"day_0": "10:00-11:00"}, "overlaps your hours at Popular Diagnostic Centre"),
        ({"day_5": "17:00-20:00"}, "The site&#x27;s administrator sets the business hours"),
        ({"quick_hours": "07:00-09:00", "quick_days": [1]}, "outside the business hours"),
        ({"name": "popular diagnostic centre"}, "You already have a chamber with this name."),
        ({"fee": "-1"}, "greater than or equal to 0"),
        ({"advance": "fixed"}, "Enter the advance amount (at least ৳10)."),
        ({"advance": "fixed", "advance_amount": "5"}, "greater than or equal to 10"),
        ({"advance": "later"}, "Select a valid choice."),
    ],
)
def test_bad_chamber_input_is_refused_and_nothing_is_saved(client, doctor, fields, message):
    before = (Chamber.objects.count(), ChamberHours.objects.count())

    response = client.post("/portal/chambers/new/", chamber_form(ThanaFactory(), **fields))

    assert response.status_code == 200
    assert message in response.content.decode()
    assert (Chamber.objects.count(), ChamberHours.objects.count()) == before


def test_overlap_message_names_the_other_chamber_and_its_hours(client, doctor):
    response = client.post(
        "/portal/chambers/new/", chamber_form(ThanaFactory(), day_5="11:00-13:00")
    )

    assert (
        "Saturday 11:00–13:00 overlaps your hours at Popular Diagnostic Centre "
        "(Saturday 09:00–12:00)." in response.content.decode()
    )


def test_the_service_refuses_an_overlap_too():
    doctor = open_every_day(DoctorProfileFactory(), ranges=MORNING)
    data = {"name": "Second", "address": "Road 1", "thana": None}

    with pytest.raises(services.ChamberError, match="overlaps your hours"):
        services.save_chamber(doctor=doctor, data=data, week={0: [(time(11), time(13))]})
    assert doctor.chambers.count() == 1


def test_editing_a_chamber_keeps_its_own_sessions_out_of_the_overlap_check(client, doctor):
    chamber = first_chamber(doctor)

    response = client.post(
        f"/portal/chambers/{chamber.pk}/",
        chamber_form(ThanaFactory(), name=chamber.name, day_5="09:00-12:30"),
    )

    assert response.status_code == 302
    assert ChamberHours.objects.get(chamber=chamber, weekday=5).end == time(12, 30)


def test_another_doctors_chamber_is_a_404(client, doctor):
    other = first_chamber(DoctorProfileFactory())

    assert client.get(f"/portal/chambers/{other.pk}/").status_code == 404
    assert (
        client.post(f"/portal/chambers/{other.pk}/", chamber_form(ThanaFactory())).status_code
        == 404
    )
    assert client.post(f"/portal/chambers/{other.pk}/delete/").status_code == 404
    assert Chamber.objects.filter(pk=other.pk).exists()


def test_delete_is_post_only(client, doctor):
    assert client.get(f"/portal/chambers/{first_chamber(doctor).pk}/delete/").status_code == 405


def test_patients_cannot_open_the_chamber_pages(client):
    client.force_login(PatientFactory())
    assert client.get("/portal/chambers/").status_code == 403


def test_removing_a_chamber_with_future_bookings_is_refused(client, doctor, clock):
    chamber = ChamberFactory(doctor=doctor, name="Evening")
    AppointmentFactory(doctor=doctor, chamber=chamber, start=at(TOMORROW, 15), status="pending")

    response = client.post(f"/portal/chambers/{chamber.pk}/delete/", follow=True)

    assert "Evening has appointments still to come" in response.content.decode()
    assert Chamber.objects.filter(pk=chamber.pk).exists()


def test_removing_an_unused_chamber_deletes_it_with_its_sessions(client, doctor):
    chamber = ChamberFactory(doctor=doctor, name="Evening")
    ChamberHoursFactory(chamber=chamber, weekday=1, start=time(15), end=time(18))

    response = client.post(f"/portal/chambers/{chamber.pk}/delete/")

    assert response.status_code == 302
    assert not Chamber.objects.filter(pk=chamber.pk).exists()
    assert not ChamberHours.objects.filter(chamber_id=chamber.pk).exists()


def test_the_only_chamber_cannot_be_removed(client, doctor):
    chamber = first_chamber(doctor)

    response = client.post(f"/portal/chambers/{chamber.pk}/delete/", follow=True)

    assert "You need at least one chamber." in response.content.decode()
    assert Chamber.objects.filter(pk=chamber.pk).exists()


def test_booking_rules_page_links_to_each_chamber(client, doctor):
    html = client.get("/portal/schedule/").content.decode()
    assert f'href="/portal/chambers/{first_chamber(doctor).pk}/"' in html


def test_time_off_at_one_chamber_lists_only_its_bookings(client, clock):
    doctor = two_chamber_doctor()
    morning, evening = doctor.chambers.all()
    at_evening = AppointmentFactory(
        doctor=doctor, chamber=evening, start=at(TOMORROW, 15), status="pending"
    )
    at_morning = AppointmentFactory(
        doctor=doctor, chamber=morning, start=at(TOMORROW, 9), status="confirmed"
    )
    client.force_login(doctor.user)
    day = TOMORROW.isoformat()

    response = client.post(
        "/portal/time-off/", {"start_date": day, "end_date": day, "chamber": evening.pk}
    )

    leave = doctor.time_off.get()
    assert leave.chamber == evening
    detail = client.get(response.url).content.decode()
    assert at_evening.patient.full_name in detail
    assert at_morning.patient.full_name not in detail
    client.post(response.url, {"message": "Away from the evening chamber."})
    statuses = dict(Appointment.objects.values_list("pk", "status"))
    assert (statuses[at_evening.pk], statuses[at_morning.pk]) == ("cancelled", "confirmed")


def test_time_off_form_refuses_another_doctors_chamber(client, clock):
    doctor = two_chamber_doctor()
    other = first_chamber(DoctorProfileFactory())
    client.force_login(doctor.user)
    day = TOMORROW.isoformat()

    response = client.post(
        "/portal/time-off/", {"start_date": day, "end_date": day, "chamber": other.pk}
    )

    assert response.status_code == 200
    assert "Select a valid choice" in response.content.decode()
    assert not doctor.time_off.exists()


def test_the_business_hours_note_has_bengali_digits_in_bengali(client):
    doctor = DoctorProfileFactory()
    client.force_login(doctor.user)
    client.get("/language/bn/")

    html = client.get("/portal/chambers/new/").content.decode()

    assert "০৮:০০" in html and "১৮:০০" in html
