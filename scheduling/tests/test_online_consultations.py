"""Online consultations: a doctor's online chamber, the video room each of its
appointments gets, which only the patient and the doctor see and only near the time,
and which appears nowhere else; the directory's "online consultation" filter; the
emails that say how to join."""

import io
import json
import logging
import re
from datetime import datetime, time, timedelta
from decimal import Decimal

import pytest
import time_machine
from django.core import mail
from django.core.management import call_command
from django.db import IntegrityError, connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from icalendar import Calendar

from accounts.models import AuditEntry
from accounts.services import new_calendar_feed
from accounts.tests.api_client import bearer
from accounts.tests.factories import DoctorProfileFactory, PatientFactory, StaffFactory
from locations.tests.factories import ThanaFactory
from scheduling import selectors, services
from scheduling.models import Appointment, Chamber
from scheduling.tests.factories import (
    AppointmentFactory,
    ChamberFactory,
    first_chamber,
    open_every_day,
)

pytestmark = pytest.mark.django_db

DHAKA = timezone.get_default_timezone()
MORNING = ((time(9), time(12)),)
AFTERNOON = ((time(15), time(17)),)


def online_doctor(name="Dr. Farida Yasmin", **kwargs):
    """A doctor seen in person in the mornings and by video in the afternoons, every
    day, with bookings taken at no notice."""
    doctor = DoctorProfileFactory(user__full_name=name, chamber_thana=ThanaFactory(), **kwargs)
    open_every_day(doctor, ranges=MORNING, min_notice_minutes=0)
    online = ChamberFactory(doctor=doctor, name="Video consultations", address="", is_online=True)
    open_every_day(doctor, ranges=AFTERNOON, chamber=online)
    return doctor


def online_chamber(doctor):
    return doctor.chambers.get(is_online=True)


@pytest.fixture
def doctor():
    return online_doctor()


@pytest.fixture
def day():
    return timezone.localdate() + timedelta(days=2)


@pytest.fixture
def consultation(doctor, day):
    """A confirmed online consultation at 15:00 on `day`, booked through the service."""
    patient = PatientFactory(full_name="Rahima Begum")
    start = datetime.combine(day, time(15), tzinfo=DHAKA)
    appointment = services.book_appointment(
        patient=patient, doctor=doctor, start=start, notify=False
    )
    return services.change_status(
        appointment=appointment, to=Appointment.Status.CONFIRMED, by=doctor.user
    )


def room_url(appointment):
    return f"https://meet.jit.si/{appointment.video_room}"


# The room and where it appears.


def test_a_booking_at_an_online_chamber_gets_its_own_unguessable_room(doctor, day):
    patient = PatientFactory()
    morning = services.book_appointment(
        patient=patient, doctor=doctor, start=datetime.combine(day, time(9), tzinfo=DHAKA)
    )
    online = [
        services.book_appointment(
            patient=PatientFactory(),
            doctor=doctor,
            start=datetime.combine(day, time(hour), tzinfo=DHAKA),
        )
        for hour in (15, 16)
    ]

    assert morning.video_room == "" and not morning.is_online
    rooms = [appointment.video_room for appointment in online]
    assert all(re.fullmatch(r"Appion-[A-Za-z0-9_-]{22}", room) for room in rooms)
    assert rooms[0] != rooms[1]
    assert all(appointment.chamber.is_online for appointment in online)


def test_a_rescheduled_consultation_gets_a_new_room(consultation, day):
    moved = services.reschedule_appointment(
        appointment=consultation,
        start=datetime.combine(day, time(16), tzinfo=DHAKA),
        by=consultation.patient,
    )

    assert moved.is_online and moved.video_room != consultation.video_room


ROLES = ("patient", "doctor", "other_patient", "other_doctor", "staff", "anonymous")


def user_for(role, appointment):
    return {
        "patient": appointment.patient,
        "doctor": appointment.doctor.user,
        "other_patient": PatientFactory(),
        "other_doctor": online_doctor("Dr. Other").user,
        "staff": StaffFactory(),
        "anonymous": None,
    }[role]


# Minutes from the 15:00 start, and whether the room is open then.
MOMENTS = {
    "16 minutes before": (-16, False),
    "15 minutes before": (-15, True),
    "during": (30, True),
    "late that evening": (8 * 60 + 59, True),  # 23:59
    "the next day": (9 * 60, False),  # 00:00
}


@pytest.mark.parametrize("moment", MOMENTS)
@pytest.mark.parametrize("role", ROLES)
def test_the_room_is_shown_to_the_two_parties_near_the_time_only(consultation, role, moment):
    user = user_for(role, consultation)
    minutes, open_then = MOMENTS[moment]
    client = Client()
    if user is not None:
        client.force_login(user)

    with time_machine.travel(consultation.start + timedelta(minutes=minutes), tick=False):
        response = client.get(f"/appointments/{consultation.pk}/")
        link = selectors.video_link(consultation, user)

    party = role in ("patient", "doctor")
    html = response.content.decode()
    if role in ("other_patient", "other_doctor"):
        assert response.status_code == 404
    elif role == "anonymous":
        assert response.status_code == 302
    else:
        assert response.status_code == 200
    assert (link == room_url(consultation)) == (party and open_then)
    assert (link is None) == (not (party and open_then))
    assert (consultation.video_room in html) == (party and open_then)
    assert (">Join the video consultation</a>" in html) == (party and open_then)
    if party and not open_then and minutes < 0:
        assert "appears here 15 minutes before the start, at 14:45" in html
    if party and not open_then and minutes > 0:
        assert "This video consultation is over." in html
    if role == "staff":
        assert "Only the patient and the doctor see the link" in html


def test_the_join_button_opens_the_room_in_a_new_tab(client, consultation):
    client.force_login(consultation.patient)

    with time_machine.travel(consultation.start, tick=False):
        html = client.get(f"/appointments/{consultation.pk}/").content.decode()

    assert (
        f'<a class="btn btn-success btn-lg" href="{room_url(consultation)}" target="_blank" '
        'rel="noopener noreferrer">Join the video consultation</a>' in html
    )


@pytest.mark.parametrize("status", ["pending", "completed", "no_show", "cancelled"])
def test_the_room_is_shown_for_a_confirmed_consultation_only(client, doctor, day, status):
    appointment = AppointmentFactory(
        doctor=doctor,
        chamber=online_chamber(doctor),
        start=datetime.combine(day, time(15), tzinfo=DHAKA),
        status=status,
        video_room="Appion-NotYetOrNoMore1234",
    )
    client.force_login(appointment.patient)

    with time_machine.travel(appointment.start, tick=False):
        html = client.get(f"/appointments/{appointment.pk}/").content.decode()
        assert selectors.video_link(appointment, appointment.patient) is None

    assert appointment.video_room not in html
    if status == "pending":
        assert "once the chamber has confirmed the appointment" in html


def test_the_room_base_comes_from_the_settings(consultation, settings):
    settings.APPION_VIDEO_BASE_URL = "https://video.example.org/meet"

    link = selectors.video_link(consultation, consultation.patient, now=consultation.start)

    assert link == f"https://video.example.org/meet/{consultation.video_room}"


def test_a_visit_in_person_shows_no_video_section(client, doctor, day):
    appointment = AppointmentFactory(
        doctor=doctor, start=datetime.combine(day, time(9), tzinfo=DHAKA), status="confirmed"
    )
    client.force_login(appointment.patient)

    with time_machine.travel(appointment.start, tick=False):
        html = client.get(f"/appointments/{appointment.pk}/").content.decode()

    assert "video" not in html.lower()
    assert "Pay the fee at the chamber." in html


def test_the_api_gives_the_room_to_the_parties_near_the_time_only(client, consultation):
    url = f"/api/v1/appointments/{consultation.pk}"
    staff = StaffFactory()

    with time_machine.travel(consultation.start, tick=False):
        as_patient = client.get(url, **bearer(consultation.patient)).json()
        as_doctor = client.get(url, **bearer(consultation.doctor.user)).json()
        as_staff = client.get(url, **bearer(staff))
        staff_list = client.get("/api/v1/admin/appointments", **bearer(staff))
        others = client.get(url, **bearer(PatientFactory()))
        dashboard = client.get("/api/v1/dashboard", **bearer(consultation.patient))
    with time_machine.travel(consultation.start - timedelta(hours=1), tick=False):
        early = client.get(url, **bearer(consultation.patient)).json()

    assert as_patient["online"] is True
    assert as_patient["video_url"] == as_doctor["video_url"] == room_url(consultation)
    assert early["video_url"] is None
    assert as_staff.json()["video_url"] is None and as_staff.json()["online"] is True
    for response in (as_staff, staff_list, others):
        assert consultation.video_room not in response.content.decode()
    assert others.status_code == 404
    assert dashboard.json()["upcoming"][0]["video_url"] == room_url(consultation)


def test_the_room_is_in_no_report_csv_export_data_download_or_feed(client, consultation):
    day = consultation.start.date().isoformat()
    staff = StaffFactory()
    room = consultation.video_room
    texts = {}

    with time_machine.travel(consultation.start, tick=False):
        client.force_login(staff)
        for name, url in {
            "report": f"/reports/doctor/{consultation.doctor_id}/?start_date={day}&end_date={day}",
            "report csv": f"/reports/doctor/{consultation.doctor_id}/?start_date={day}"
            f"&end_date={day}&format=csv",
            "admin page": f"/admin/scheduling/appointment/{consultation.pk}/change/",
            "admin list": "/admin/scheduling/appointment/",
        }.items():
            texts[name] = client.get(url)
        texts["admin csv"] = client.post(
            "/admin/scheduling/appointment/",
            {"action": "export_csv", "_selected_action": [consultation.pk]},
        )
        client.force_login(consultation.doctor.user)
        texts["doctor's report csv"] = client.get(
            f"/portal/report/?start_date={day}&end_date={day}&format=csv"
        )
        texts["doctor's data"] = client.get("/accounts/profile/data/")
        texts["agenda"] = client.get(f"/portal/agenda/?date={day}")
        client.force_login(consultation.patient)
        texts["patient's data"] = client.get("/accounts/profile/data/")
        texts["my appointments"] = client.get("/appointments/")
        texts["ics"] = client.get(f"/appointments/{consultation.pk}/ics/")
        for user in (consultation.patient, consultation.doctor.user):
            feed = new_calendar_feed(user=user)
            texts[f"feed of {user.role}"] = Client().get(f"/calendar/{feed.secret}.ics")

    for name, response in texts.items():
        assert response.status_code == 200, name
        body = (
            b"".join(response.streaming_content) if response.streaming else response.content
        ).decode()
        assert room not in body, name
        assert "Appion-" not in body, name
    data = json.loads(texts["patient's data"].content)
    assert data["appointments"][0]["online"] is True


def test_the_feed_and_the_ics_say_how_to_join_with_the_page_link(client, consultation):
    feed = new_calendar_feed(user=consultation.patient)

    response = client.get(f"/calendar/{feed.secret}.ics")

    [event] = Calendar.from_ical(response.content).walk("VEVENT")
    page = f"http://testserver/appointments/{consultation.pk}/"
    assert str(event["LOCATION"]) == "Online consultation (video)"
    assert f"Online consultation — join from your Appion appointment page: {page}" in str(
        event["DESCRIPTION"]
    )
    assert str(event["URL"]) == page


def test_the_room_never_reaches_the_logs(client, doctor, day, caplog, settings):
    for name in (None, "appion", "django"):
        caplog.set_level(logging.DEBUG, logger=name)
    connection.force_debug_cursor = True
    try:
        patient = PatientFactory()
        client.force_login(patient)
        start = datetime.combine(day, time(15), tzinfo=DHAKA)
        client.post(f"/appointments/book/{doctor.pk}/?start={start.isoformat()}", {})
        appointment = Appointment.objects.get(patient=patient)
        client.force_login(doctor.user)
        client.post(f"/appointments/{appointment.pk}/status/", {"to": "confirmed"})
        with time_machine.travel(appointment.start, tick=False):
            client.get(f"/appointments/{appointment.pk}/")
            client.get(f"/api/v1/appointments/{appointment.pk}", **bearer(doctor.user))
            client.force_login(patient)
            client.get(f"/appointments/{appointment.pk}/")
    finally:
        connection.force_debug_cursor = False

    appointment.refresh_from_db()
    assert appointment.video_room
    logged = "\n".join(f"{record.getMessage()} {record.__dict__!r}" for record in caplog.records)
    assert appointment.video_room not in logged
    assert appointment.video_room not in repr(list(AuditEntry.objects.values()))


# Emails say how to join: the appointment page, never the room.


def test_the_booking_and_confirmation_emails_say_how_to_join(
    client, doctor, day, settings, django_capture_on_commit_callbacks, send_outbox
):
    settings.APPION_SITE_URL = "https://appion.example.com"
    patient = PatientFactory(full_name="Rahima Begum")
    client.force_login(patient)
    start = datetime.combine(day, time(15), tzinfo=DHAKA)

    with django_capture_on_commit_callbacks(execute=True):
        client.post(f"/appointments/book/{doctor.pk}/?start={start.isoformat()}", {})
    appointment = Appointment.objects.get(patient=patient)
    client.force_login(doctor.user)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(f"/appointments/{appointment.pk}/status/", {"to": "confirmed"})

    page = f"https://appion.example.com/appointments/{appointment.pk}/"
    send_outbox()
    booked_patient, booked_doctor, confirmed = mail.outbox
    for message in (booked_patient, booked_doctor, confirmed):
        assert "join the video call from the appointment page in Appion" in message.body
        assert page in message.body
        assert appointment.video_room not in message.body
        for alternative, _type in message.alternatives:
            assert appointment.video_room not in alternative
    assert "Online consultation (video)" in booked_patient.body
    [(_name, ics, _type)] = confirmed.attachments
    ics = ics if isinstance(ics, str) else ics.decode()
    assert appointment.video_room not in ics
    assert page in ics.replace("\r\n ", "")  # unfolded


def test_the_reminder_says_how_to_join(consultation, settings, send_outbox):
    settings.APPION_SITE_URL = "https://appion.example.com"

    with time_machine.travel(consultation.start - timedelta(hours=3), tick=False):
        call_command("send_reminders", stdout=io.StringIO())
        send_outbox()

    # The outbox also held the confirmation written when the fixture booked it.
    [reminder] = [m for m in mail.outbox if m.subject.startswith("Reminder")]
    page = f"https://appion.example.com/appointments/{consultation.pk}/"
    assert page in reminder.body
    assert "Please arrive" not in reminder.body
    [(html, _type)] = reminder.alternatives
    assert f'<a href="{page}">{page}</a>' in html
    attached = [a[1] if isinstance(a[1], str) else a[1].decode() for a in reminder.attachments]
    for text in (reminder.body, html, *attached):
        assert consultation.video_room not in text


# The directory finds doctors who hold online consultations.


@pytest.fixture
def in_person_doctor():
    return open_every_day(DoctorProfileFactory(user__full_name="Dr. Kamal Hossain"))


def test_the_directory_filters_online_consultations(client, doctor, in_person_doctor):
    everyone = client.get("/doctors/").content.decode()
    online = client.get("/doctors/?online=1").content.decode()

    assert "Dr. Farida Yasmin" in online and "Dr. Kamal Hossain" not in online
    assert "Dr. Kamal Hossain" in everyone
    assert everyone.count("Online consultation available") == 1
    assert 'name="online" value="1" checked' in online
    assert 'name="online" value="1" checked' not in everyone


def test_a_filter_value_the_directory_cannot_read_is_named_and_left_out(
    client, doctor, in_person_doctor
):
    html = client.get("/doctors/?online=maybe").content.decode()

    assert "were not understood and were ignored" in html and "“Online consultation”" in html
    assert "Dr. Kamal Hossain" in html and "Dr. Farida Yasmin" in html


def test_an_online_chamber_without_sessions_offers_nothing(client, in_person_doctor):
    ChamberFactory(doctor=in_person_doctor, name="Video", address="", is_online=True)

    assert "Dr. Kamal Hossain" not in client.get("/doctors/?online=1").content.decode()


def test_the_api_directory_filters_online_consultations(client, doctor, in_person_doctor):
    found = client.get("/api/v1/doctors", {"online": "1"}).json()
    everyone = client.get("/api/v1/doctors").json()
    refused = client.get("/api/v1/doctors", {"online": "maybe"})
    one = client.get(f"/api/v1/doctors/{doctor.pk}").json()

    assert [item["full_name"] for item in found["items"]] == ["Dr. Farida Yasmin"]
    assert found["items"][0]["online_consultation"] is True
    assert {item["full_name"]: item["online_consultation"] for item in everyone["items"]} == {
        "Dr. Farida Yasmin": True,
        "Dr. Kamal Hossain": False,
    }
    assert refused.status_code == 422
    assert refused.json()["detail"][0]["loc"] == ["online"]
    assert one["online_consultation"] is True


def test_the_doctor_page_says_online_consultation_is_available(client, doctor):
    html = client.get(f"/doctors/{doctor.pk}/").content.decode()

    assert "Online consultation available" in html
    assert "Online consultation (video): you join from your appointment page" in html


def test_the_directory_takes_no_query_per_doctor_for_the_online_badge(client):
    def queries():
        with CaptureQueriesContext(connection) as captured:
            html = client.get("/doctors/").content.decode()
        return len(captured), html.count("Online consultation available")

    online_doctor("Dr. Online 0")
    client.get("/doctors/")  # the first request's one-off queries
    few = queries()
    for n in range(1, 6):
        online_doctor(f"Dr. Online {n}")

    assert few == (few[0], 1)
    assert queries() == (few[0], 6)


# The doctor's online chamber.


@pytest.fixture
def doctor_client(client):
    profile = DoctorProfileFactory(chamber_thana=ThanaFactory())
    open_every_day(profile, ranges=MORNING)
    client.force_login(profile.user)
    return client, profile


def chamber_form(**fields):
    return {"name": "Video consultations", "day_5": "15:00-17:00", **fields}


def test_an_online_chamber_needs_no_address(doctor_client):
    client, doctor = doctor_client

    response = client.post("/portal/chambers/new/", chamber_form(is_online="on"))

    assert response.status_code == 302
    chamber = doctor.chambers.get(name="Video consultations")
    assert (chamber.is_online, chamber.address, chamber.thana, chamber.map_url) == (
        True,
        "",
        None,
        "",
    )
    listing = client.get("/portal/chambers/").content.decode()
    assert "Online consultation (video)" in listing


def test_an_online_chamber_keeps_no_address_typed_into_it(doctor_client):
    client, doctor = doctor_client
    thana = ThanaFactory()

    response = client.post(
        "/portal/chambers/new/",
        chamber_form(
            is_online="on",
            address="Road 4",
            division=thana.district.division_id,
            district=thana.district_id,
            thana=thana.pk,
            map_url="javascript:alert(1)",
            fee="400",
        ),
    )

    assert response.status_code == 302
    chamber = doctor.chambers.get(name="Video consultations")
    assert (chamber.address, chamber.thana, chamber.map_url, chamber.fee) == (
        "",
        None,
        "",
        Decimal(400),
    )


def test_a_chamber_in_person_needs_its_address(doctor_client):
    client, doctor = doctor_client

    response = client.post("/portal/chambers/new/", chamber_form())

    assert response.status_code == 200
    assert "Enter the chamber&#x27;s address, or tick “Online consultations”" in (
        response.content.decode()
    )
    assert not doctor.chambers.filter(name="Video consultations").exists()


def test_a_chamber_with_appointments_to_come_does_not_change_kind(doctor_client):
    client, doctor = doctor_client
    chamber = first_chamber(doctor)
    AppointmentFactory(
        doctor=doctor,
        start=timezone.now() + timedelta(days=3),
        status="confirmed",
    )
    thana = chamber.thana

    response = client.post(
        f"/portal/chambers/{chamber.pk}/",
        {
            "name": chamber.name,
            "is_online": "on",
            "address": chamber.address,
            "division": thana.district.division_id,
            "district": thana.district_id,
            "thana": thana.pk,
            "day_5": "09:00-12:00",
        },
    )

    assert response.status_code == 200
    assert "Add a separate chamber for online consultations" in response.content.decode()
    chamber.refresh_from_db()
    assert not chamber.is_online and chamber.address


def test_the_chamber_page_shows_an_online_chamber_ticked(doctor_client):
    client, doctor = doctor_client
    chamber = ChamberFactory(doctor=doctor, name="Video", address="", is_online=True)

    html = client.get(f"/portal/chambers/{chamber.pk}/").content.decode()

    assert re.search(r'<input[^>]*name="is_online"[^>]*checked', html)


def test_the_database_refuses_an_online_chamber_with_an_address():
    doctor = DoctorProfileFactory()

    with pytest.raises(IntegrityError):
        Chamber.objects.create(doctor=doctor, name="Video", is_online=True, address="Road 1")


def test_a_search_for_online_consultations_shows_the_online_chamber(client, doctor):
    everyone = client.get("/doctors/").content.decode()
    online = client.get("/doctors/?online=1").content.decode()

    in_person = first_chamber(doctor).name
    assert in_person in everyone and "Video consultations" not in everyone
    assert "Video consultations · Online consultation (video)" in online
    assert in_person not in online


def test_the_booking_page_says_the_slot_is_an_online_consultation(client, doctor, day):
    client.force_login(PatientFactory())
    start = datetime.combine(day, time(15), tzinfo=DHAKA)

    html = client.get(f"/appointments/book/{doctor.pk}/", {"start": start.isoformat()})

    assert "Video consultations · Online consultation (video)" in html.content.decode()
