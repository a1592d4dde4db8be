from datetime import datetime, time, timedelta

import pytest
from django.core import mail
from django.utils import timezone

from accounts.tests.factories import DoctorProfileFactory, PatientFactory
from locations.tests.factories import ThanaFactory
from scheduling.models import Appointment, AppointmentEvent, ChamberHours, TimeOff
from scheduling.tests.factories import AppointmentFactory, first_chamber, open_every_day

pytestmark = pytest.mark.django_db

URL = "/portal/schedule/"
RULES = {
    "slot_minutes": "30",
    "booking_window_days": "30",
    "min_notice_minutes": "120",
    "cancellation_cutoff_minutes": "180",
}


@pytest.fixture
def doctor(client):
    profile = DoctorProfileFactory(chamber_thana=ThanaFactory())
    client.force_login(profile.user)
    return profile


def chamber_url(doctor):
    return f"/portal/chambers/{first_chamber(doctor).pk}/"


def chamber_post(doctor, **week):
    """The doctor's first chamber as its page posts it, with the weekly grid `week`."""
    chamber = first_chamber(doctor)
    thana = chamber.thana
    return {
        "name": chamber.name,
        "address": chamber.address,
        "division": thana.district.division_id,
        "district": thana.district_id,
        "thana": thana.pk,
        **week,
    }


def hours(doctor):
    return sorted(
        (h.weekday, h.start.strftime("%H:%M"), h.end.strftime("%H:%M"))
        for h in ChamberHours.objects.filter(doctor=doctor)
    )


def test_only_doctors_open_the_portal(client):
    assert client.get(URL).status_code == 302
    client.force_login(PatientFactory())
    assert client.get(URL).status_code == 403


def test_weekly_grid_saves_ranges_and_rules(client, doctor):
    response = client.post(URL, RULES)
    assert response.status_code == 302
    response = client.post(
        chamber_url(doctor),
        chamber_post(doctor, day_5="09:00-12:00, 14:00-17:00", day_6="10:00-11:00"),
    )

    assert response.status_code == 302
    assert hours(doctor) == [
        (5, "09:00", "12:00"),
        (5, "14:00", "17:00"),
        (6, "10:00", "11:00"),
    ]
    doctor.schedule_settings.refresh_from_db()
    assert doctor.schedule_settings.slot_minutes == 30
    page = client.get(chamber_url(doctor)).content.decode()
    assert 'value="09:00-12:00,14:00-17:00"' in page


def test_quick_entry_applies_to_chosen_weekdays(client, doctor):
    client.post(
        chamber_url(doctor),
        chamber_post(doctor, quick_hours="09:00-12:00,14:00-17:00", quick_days=[5, 0]),
    )
    assert hours(doctor) == [
        (0, "09:00", "12:00"),
        (0, "14:00", "17:00"),
        (5, "09:00", "12:00"),
        (5, "14:00", "17:00"),
    ]


@pytest.mark.parametrize(
    "value, message",
    [
        ("9-12", "is not a time range"),
        ("12:00-09:00", "end is not after the start"),
        ("25:00-26:00", "impossible time"),
        ("09:00-12:00,11:00-13:00", "overlap"),
        ("06:00-09:00", "outside the business hours"),
        ("09:00-09:20", "shorter than one slot"),
    ],
)
def test_bad_hours_are_refused_with_a_clear_message(client, doctor, value, message):
    open_every_day(doctor)
    before = hours(doctor)

    response = client.post(chamber_url(doctor), chamber_post(doctor, day_0=value))

    assert response.status_code == 200
    assert message in response.content.decode()
    assert hours(doctor) == before


def test_quick_entry_needs_weekdays(client, doctor):
    response = client.post(chamber_url(doctor), chamber_post(doctor, quick_hours="09:00-12:00"))
    assert "Choose the weekdays" in response.content.decode()
    assert hours(doctor) == []


def test_slot_length_out_of_range_is_refused(client, doctor):
    response = client.post(URL, {**RULES, "slot_minutes": "5", "day_0": "09:00-12:00"})
    assert "slot_minutes" in response.context["form"].errors
    assert hours(doctor) == []


def test_evening_chamber_needs_wider_business_hours(client, doctor, settings):
    refused = client.post(chamber_url(doctor), chamber_post(doctor, day_0="18:00-21:00"))
    assert "outside the business hours" in refused.content.decode()
    settings.APPION_BUSINESS_HOURS = "08:00-22:00"
    accepted = client.post(chamber_url(doctor), chamber_post(doctor, day_0="18:00-21:00"))
    assert accepted.status_code == 302


def test_time_off_with_bookings_lists_them_and_cancels_all_with_a_message(
    client, doctor, django_capture_on_commit_callbacks, send_outbox
):
    open_every_day(doctor)
    day = timezone.localdate() + timedelta(days=5)
    tz = timezone.get_default_timezone()
    booked = [
        AppointmentFactory(
            doctor=doctor, start=datetime.combine(day, time(h), tzinfo=tz), status=status
        )
        for h, status in ((9, "pending"), (10, "confirmed"))
    ]
    other_day = AppointmentFactory(
        doctor=doctor,
        start=datetime.combine(day + timedelta(days=1), time(9), tzinfo=tz),
        status="pending",
    )

    response = client.post(
        "/portal/time-off/", {"start_date": day, "end_date": day, "reason": "Conference"}
    )
    leave = TimeOff.objects.get()
    assert response.url == f"/portal/time-off/{leave.pk}/"
    detail = client.get(response.url).content.decode()
    for appointment in booked:
        assert appointment.patient.full_name in detail

    with django_capture_on_commit_callbacks(execute=True):
        client.post(response.url, {"message": "Sorry, I am away at a conference."})

    statuses = {a.pk: a.status for a in Appointment.objects.all()}
    assert [statuses[a.pk] for a in booked] == ["cancelled", "cancelled"]
    assert statuses[other_day.pk] == "pending"
    events = AppointmentEvent.objects.filter(to_status="cancelled")
    assert {e.reason for e in events} == {"Sorry, I am away at a conference."}
    send_outbox()
    assert sorted(m.to[0] for m in mail.outbox) == sorted(a.patient.email for a in booked)


def test_time_off_in_the_past_or_backwards_is_refused(client, doctor):
    today = timezone.localdate()
    backwards = client.post(
        "/portal/time-off/", {"start_date": today + timedelta(2), "end_date": today}
    )
    past = client.post("/portal/time-off/", {"start_date": today - timedelta(2), "end_date": today})
    assert "last day cannot be before" in backwards.content.decode()
    assert "cannot start in the past" in past.content.decode()
    assert not TimeOff.objects.exists()


def test_other_doctors_time_off_is_404(client, doctor):
    other = TimeOff.objects.create(
        doctor=DoctorProfileFactory(),
        start_date=timezone.localdate(),
        end_date=timezone.localdate(),
    )
    assert client.get(f"/portal/time-off/{other.pk}/").status_code == 404
    assert client.post(f"/portal/time-off/{other.pk}/delete/").status_code == 404
    assert TimeOff.objects.count() == 1
