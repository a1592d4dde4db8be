"""The private calendar feed, /calendar/<secret>.ics: what a subscribed calendar reads
(parsed back with icalendar), who can read it, how the address is replaced, and that
every fetch is counted and recorded without the secret."""

import secrets
from datetime import datetime, time, timedelta

import pytest
import time_machine
from django.utils import timezone
from icalendar import Calendar

from accounts.models import AuditEntry, CalendarFeed
from accounts.services import new_calendar_feed
from accounts.tests.factories import DoctorProfileFactory, PatientFactory, StaffFactory
from locations.tests.factories import DistrictFactory, ThanaFactory
from scheduling import services
from scheduling.calendar import first_name
from scheduling.models import Appointment
from scheduling.tests.factories import AppointmentFactory, ChamberFactory

pytestmark = pytest.mark.django_db


def at(days, hour=10):
    day = timezone.localdate() + timedelta(days=days)
    return datetime.combine(day, time(hour), tzinfo=timezone.get_default_timezone())


@pytest.fixture
def doctor():
    return DoctorProfileFactory(
        user__full_name="Dr. Nasima Akter",
        chamber_name="Popular Diagnostic Centre",
        chamber_address="House 16, Road 2",
        chamber_thana=ThanaFactory(name="Dhanmondi", district=DistrictFactory(name="Dhaka")),
    )


@pytest.fixture
def patient():
    return PatientFactory(full_name="Md. Rahima Begum", mobile="+8801712345678")


def fetch(client, feed_or_secret, **headers):
    secret = getattr(feed_or_secret, "secret", feed_or_secret)
    return client.get(f"/calendar/{secret}.ics", **headers)


def events(response):
    assert response.status_code == 200, response.status_code
    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    calendar = Calendar.from_ical(response.content)
    return {str(event["UID"]): event for event in calendar.walk("VEVENT")}


def uid(appointment):
    return f"appointment-{appointment.pk}@appion"


def test_a_patients_feed_holds_their_upcoming_and_recent_appointments(client, doctor, patient):
    upcoming = AppointmentFactory(
        doctor=doctor, patient=patient, start=at(2), serial=3, status="confirmed"
    )
    recent = AppointmentFactory(
        doctor=doctor, patient=patient, start=at(-3), serial=1, status="completed"
    )
    AppointmentFactory(doctor=doctor, patient=patient, start=at(-45), status="completed")
    AppointmentFactory(doctor=doctor, start=at(2, 11), status="confirmed")  # someone else's
    feed = new_calendar_feed(user=patient)

    response = fetch(client, feed)

    found = events(response)
    assert set(found) == {uid(upcoming), uid(recent)}
    event = found[uid(upcoming)]
    assert event.decoded("DTSTART") == upcoming.start
    assert event.decoded("DTEND") == upcoming.end
    assert str(event["SUMMARY"]) == "Appointment with Dr. Nasima Akter (serial 3)"
    assert str(event["LOCATION"]) == "Popular Diagnostic Centre, House 16, Road 2, Dhanmondi, Dhaka"
    assert str(event["STATUS"]) == "CONFIRMED"
    assert str(event["URL"]) == f"http://testserver/appointments/{upcoming.pk}/"
    assert event.decoded("LAST-MODIFIED") == upcoming.updated_at.replace(microsecond=0)
    calendar = Calendar.from_ical(response.content)
    assert str(calendar["X-WR-CALNAME"]) == "Appion: my appointments"
    assert "private" in response["Cache-Control"]
    assert response["X-Robots-Tag"] == "noindex, nofollow"


def test_uids_stay_the_same_and_a_change_raises_the_sequence(client, doctor, patient):
    appointment = AppointmentFactory(doctor=doctor, patient=patient, start=at(2))
    feed = new_calendar_feed(user=patient)
    first = events(fetch(client, feed))[uid(appointment)]

    with time_machine.travel(timezone.now() + timedelta(minutes=5)):
        services.change_status(
            appointment=appointment, to=Appointment.Status.CONFIRMED, by=doctor.user
        )
    second_fetch = events(fetch(client, feed))
    third_fetch = events(fetch(client, feed))

    assert set(second_fetch) == set(third_fetch) == {uid(appointment)}
    second = second_fetch[uid(appointment)]
    assert str(first["STATUS"]) == "TENTATIVE" and str(second["STATUS"]) == "CONFIRMED"
    assert int(second["SEQUENCE"]) > int(first["SEQUENCE"])
    assert second.decoded("LAST-MODIFIED") > first.decoded("LAST-MODIFIED")
    assert int(third_fetch[uid(appointment)]["SEQUENCE"]) == int(second["SEQUENCE"])


def test_a_cancelled_appointment_stays_in_the_feed_as_cancelled_for_a_while(
    client, doctor, patient
):
    appointment = AppointmentFactory(
        doctor=doctor, patient=patient, start=at(60), status="confirmed"
    )
    feed = new_calendar_feed(user=patient)
    services.cancel_appointment(appointment=appointment, by=patient, reason="Travelling")

    event = events(fetch(client, feed))[uid(appointment)]

    assert str(event["STATUS"]) == "CANCELLED"
    assert str(event["TRANSP"]) == "TRANSPARENT"
    assert "Travelling" not in fetch(client, feed).content.decode()
    with time_machine.travel(timezone.now() + timedelta(days=31)):
        assert events(fetch(client, feed)) == {}


def test_a_doctors_feed_names_patients_by_first_name_only(client, doctor, patient):
    appointment = AppointmentFactory(
        doctor=doctor,
        patient=patient,
        start=at(1),
        serial=4,
        status="confirmed",
        symptoms="Chest pain since Monday",
        notes="Allergic to penicillin",
    )
    other_chamber = ChamberFactory(doctor=doctor, name="Evening chamber")
    later = AppointmentFactory(
        doctor=doctor,
        chamber=other_chamber,
        patient=PatientFactory(full_name="Karim Uddin Ahmed"),
        start=at(1, 16),
        serial=1,
    )
    feed = new_calendar_feed(user=doctor.user)

    response = fetch(client, feed)

    found = events(response)
    assert str(found[uid(appointment)]["SUMMARY"]) == "Serial 4 · Rahima"
    assert str(found[uid(later)]["SUMMARY"]) == "Serial 1 · Karim"
    assert "Patient: Rahima" in str(found[uid(appointment)]["DESCRIPTION"])
    assert str(found[uid(later)]["LOCATION"]) == "Evening chamber, House 1, Road 1"
    text = response.content.decode()
    for private in ("Begum", "Uddin", "Chest pain", "penicillin", "1712345678", patient.email):
        assert private not in text
    assert str(Calendar.from_ical(response.content)["X-WR-CALNAME"]) == "Appion: my agenda"


@pytest.mark.parametrize(
    ("full_name", "first"),
    [
        ("Rahima Begum", "Rahima"),
        ("Md. Rahim Uddin", "Rahim"),
        ("Mst Shahana Parvin", "Shahana"),
        ("মোঃ করিম উদ্দিন", "করিম"),
        ("Dr.", "Dr."),
        ("", ""),
    ],
)
def test_first_name_skips_abbreviated_titles(full_name, first):
    assert first_name(full_name) == first


def test_a_new_address_ends_the_old_one(client, patient):
    AppointmentFactory(patient=patient, start=at(2))
    client.force_login(patient)

    made = client.post("/accounts/profile/calendar/")
    old = CalendarFeed.objects.get(user=patient).secret
    asked = client.get("/accounts/profile/calendar/")
    renewed = client.post("/accounts/profile/calendar/")
    new = CalendarFeed.objects.get(user=patient).secret

    assert made.status_code == renewed.status_code == 302
    assert renewed.url == "/accounts/profile/#calendar"
    assert "stops working at once" in asked.content.decode()
    assert new != old and len(new) == 43
    anyone = client.__class__()
    assert fetch(anyone, old).status_code == 404
    assert len(events(fetch(anyone, new))) == 1
    entries = AuditEntry.objects.filter(action=AuditEntry.Action.CALENDAR_FEED_NEW)
    assert [entry.detail for entry in entries.order_by("pk")] == [
        {"renewed": False},
        {"renewed": True},
    ]
    assert old not in repr(list(AuditEntry.objects.values()))


def test_asking_for_the_page_makes_no_address(client, patient):
    client.force_login(patient)

    page = client.get("/accounts/profile/calendar/")

    assert page.status_code == 200
    assert not CalendarFeed.objects.exists()


@pytest.mark.parametrize(
    "secret",
    [
        "guess",
        secrets.token_urlsafe(32),
        "A" * 43,
        "A" * 100,
        "../../etc/passwd",
        "%00",
    ],
)
def test_a_guessed_address_is_not_found(client, patient, secret):
    new_calendar_feed(user=patient)

    assert client.get(f"/calendar/{secret}.ics").status_code == 404


def test_an_address_with_the_right_start_and_a_wrong_rest_is_not_found(client, patient):
    feed = new_calendar_feed(user=patient)

    def other(char):
        return "A" if char != "A" else "B"

    for wrong in (
        feed.selector + other(feed.secret[12]) + feed.secret[13:],
        feed.secret[:-1] + other(feed.secret[-1]),
    ):
        assert fetch(client, wrong).status_code == 404
    assert fetch(client, feed).status_code == 200


def test_a_deactivated_account_has_no_feed(client, patient):
    feed = new_calendar_feed(user=patient)
    patient.is_active = False
    patient.save()

    assert fetch(client, feed).status_code == 404


def test_staff_and_visitors_cannot_make_an_address(client):
    staff = StaffFactory()
    client.force_login(staff)
    assert client.post("/accounts/profile/calendar/").status_code == 403
    client.logout()
    visitor = client.post("/accounts/profile/calendar/")
    assert visitor.status_code == 302 and visitor.url.startswith("/accounts/login/")
    assert not CalendarFeed.objects.exists()


def test_fetches_are_counted_and_recorded_without_the_secret(client, patient):
    AppointmentFactory(patient=patient, start=at(2))
    feed = new_calendar_feed(user=patient)

    fetch(client, feed, REMOTE_ADDR="203.0.113.7")
    fetch(client, feed, REMOTE_ADDR="203.0.113.7")  # the same app polling again
    fetch(client, feed, REMOTE_ADDR="198.51.100.2")  # somewhere else
    with time_machine.travel(timezone.now() + timedelta(minutes=61)):
        fetch(client, feed, REMOTE_ADDR="198.51.100.2")

    feed.refresh_from_db()
    assert feed.fetch_count == 4
    assert feed.last_fetched_from == "198.51.100.2"
    fetched = AuditEntry.objects.filter(action=AuditEntry.Action.CALENDAR_FEED_FETCH)
    assert [(e.ip_address, e.user_id, e.detail) for e in fetched.order_by("pk")] == [
        ("203.0.113.7", patient.pk, {"events": 1}),
        ("198.51.100.2", patient.pk, {"events": 1}),
        ("198.51.100.2", patient.pk, {"events": 1}),
    ]
    assert feed.secret not in repr(list(AuditEntry.objects.values()))
    assert feed.selector not in repr(list(AuditEntry.objects.values()))


def test_the_profile_shows_when_a_calendar_app_last_read_the_feed(client, patient):
    feed = new_calendar_feed(user=patient)
    client.force_login(patient)
    assert "No calendar app has read it yet." in client.get("/accounts/profile/").content.decode()

    fetch(client.__class__(), feed)

    assert "A calendar app last read it on" in client.get("/accounts/profile/").content.decode()


def test_the_feed_takes_the_same_queries_for_few_and_many_appointments(
    client, doctor, patient, django_assert_num_queries
):
    feed = new_calendar_feed(user=patient)
    for days in (1, 2):
        AppointmentFactory(doctor=doctor, patient=patient, start=at(days))
    # The feed and its user; the appointments; the counter; the audit entry.
    with django_assert_num_queries(4):
        assert len(events(fetch(client, feed))) == 2
    for days in range(3, 11):
        AppointmentFactory(
            doctor=DoctorProfileFactory(), patient=patient, start=at(days), status="confirmed"
        )
    with django_assert_num_queries(3):  # within the hour: no second audit entry
        assert len(events(fetch(client, feed))) == 10


def test_a_doctors_feed_takes_the_same_queries_for_many_patients(
    client, doctor, django_assert_num_queries
):
    feed = new_calendar_feed(user=doctor.user)
    for hour in range(9, 17):
        AppointmentFactory(doctor=doctor, start=at(1, hour))
    with django_assert_num_queries(4):
        assert len(events(fetch(client, feed))) == 8


def test_fetches_from_one_address_are_limited(client, patient, settings):
    settings.APPION_RATE_CALENDAR_FEED = "3/h"
    feed = new_calendar_feed(user=patient)

    statuses = [fetch(client, feed).status_code for _ in range(3)]
    refused = fetch(client, feed)
    elsewhere = fetch(client, feed, REMOTE_ADDR="198.51.100.9")

    assert statuses == [200, 200, 200]
    assert refused.status_code == 429 and "Retry-After" in refused
    assert elsewhere.status_code == 200


def test_the_feed_answers_get_and_head_only(client, patient):
    feed = new_calendar_feed(user=patient)

    assert client.head(f"/calendar/{feed.secret}.ics").status_code == 200
    assert client.post(f"/calendar/{feed.secret}.ics").status_code == 405


def test_the_profile_shows_both_addresses_to_copy(client, patient):
    client.force_login(patient)
    before = client.get("/accounts/profile/").content.decode()
    assert "Make my calendar address" in before

    client.post("/accounts/profile/calendar/")
    page = client.get("/accounts/profile/").content.decode()

    secret = CalendarFeed.objects.get(user=patient).secret
    assert f'value="webcal://testserver/calendar/{secret}.ics"' in page
    assert f'value="http://testserver/calendar/{secret}.ics"' in page
    assert f'href="webcal://testserver/calendar/{secret}.ics"' in page
    assert "Get a new address" in page


def test_a_doctor_can_subscribe_to_their_agenda(client, doctor):
    client.force_login(doctor.user)

    client.post("/accounts/profile/calendar/")

    feed = CalendarFeed.objects.get(user=doctor.user)
    assert "Subscribe to your agenda" in client.get("/accounts/profile/").content.decode()
    assert fetch(client.__class__(), feed).status_code == 200
