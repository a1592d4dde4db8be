import html
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from urllib.parse import quote
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core import mail
from django.utils import timezone

from accounts.models import DoctorProfile
from accounts.tests.factories import DoctorProfileFactory, PatientFactory
from scheduling import services
from scheduling.models import Appointment, AppointmentEvent
from scheduling.tests.factories import (
    AppointmentFactory,
    TimeOffFactory,
    first_chamber,
    open_every_day,
)

pytestmark = pytest.mark.django_db

DAY = timezone.localdate() + timedelta(days=2)


def at(hour, minute=0, day=DAY):
    return datetime.combine(day, time(hour, minute), tzinfo=timezone.get_default_timezone())


def book_url(doctor, start):
    return f"/appointments/book/{doctor.pk}/?start={quote(start.isoformat())}"


@pytest.fixture
def doctor():
    return open_every_day(DoctorProfileFactory(consultation_fee=Decimal("700")))


@pytest.fixture
def patient(client):
    user = PatientFactory()
    client.force_login(user)
    return user


def test_patient_books_a_slot(
    client, doctor, patient, django_capture_on_commit_callbacks, send_outbox
):
    assert client.get(book_url(doctor, at(10))).status_code == 200
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(book_url(doctor, at(10)), {"symptoms": "Fever", "notes": ""})

    appointment = Appointment.objects.get()
    assert response.url == f"/appointments/{appointment.pk}/"
    assert (appointment.doctor, appointment.patient) == (doctor, patient)
    assert (appointment.start, appointment.end) == (at(10), at(11))
    assert appointment.status == "pending"
    assert appointment.serial == 2
    assert appointment.fee == Decimal("700")
    assert appointment.symptoms == "Fever"
    event = AppointmentEvent.objects.get()
    assert (event.actor, event.from_status, event.to_status) == (patient, "", "pending")
    send_outbox()
    assert sorted(m.to[0] for m in mail.outbox) == sorted([patient.email, doctor.user.email])

    page = client.get(response.url).content.decode()
    assert "Serial 2" in page
    assert first_chamber(doctor).address in page


def test_auto_confirm_books_confirmed(client, patient):
    doctor = open_every_day(DoctorProfileFactory(), auto_confirm=True)
    client.post(book_url(doctor, at(9)))
    assert Appointment.objects.get().status == "confirmed"


def test_later_fee_change_does_not_rewrite_the_booking(client, doctor, patient):
    client.post(book_url(doctor, at(9)))
    doctor.consultation_fee = Decimal("1500")
    doctor.save()
    assert Appointment.objects.get().fee == Decimal("700")


DHAKA = ZoneInfo("Asia/Dhaka")
# A Tuesday, 10:00 in Dhaka: today's 11:00 slot is inside the two hours' notice.
FROZEN = datetime(2026, 3, 10, 10, 0, tzinfo=DHAKA)
NOT_A_SLOT = "This time is not one of the doctor's slots. Please pick another."
NO_LONGER_FREE = "That time is not a free slot any more. Please pick another."


def dhaka(day, hour, minute=0):
    return datetime(2026, 3, day, hour, minute, tzinfo=DHAKA)


@pytest.mark.parametrize(
    ("start", "wording"),
    [
        pytest.param(dhaka(12, 9, 30), NOT_A_SLOT, id="not-on-the-grid"),
        pytest.param(dhaka(12, 12), NOT_A_SLOT, id="outside-chamber-hours"),
        pytest.param(dhaka(12, 7), NOT_A_SLOT, id="before-business-hours"),
        pytest.param(dhaka(31, 10) + timedelta(days=11), NOT_A_SLOT, id="beyond-the-window"),
        pytest.param(dhaka(9, 10), NO_LONGER_FREE, id="past"),
        pytest.param(dhaka(10, 11), NO_LONGER_FREE, id="inside-notice"),
        pytest.param(dhaka(20, 10), NO_LONGER_FREE, id="on-leave"),
    ],
)
@pytest.mark.parametrize("method", ["get", "post"])
def test_a_start_that_is_not_a_free_slot_is_refused_saying_why(
    client, doctor, patient, start, wording, method
):
    TimeOffFactory(doctor=doctor, start_date=date(2026, 3, 20), end_date=date(2026, 3, 20))
    with time_machine.travel(FROZEN, tick=False):
        response = getattr(client, method)(book_url(doctor, start), follow=True)
    assert wording in html.unescape(response.content.decode())
    assert not Appointment.objects.exists()


def test_a_slot_overlapped_after_a_change_of_slot_length_is_no_longer_free(client, doctor, patient):
    with time_machine.travel(FROZEN, tick=False):
        AppointmentFactory(doctor=doctor, start=dhaka(12, 10), status="confirmed")
        doctor.schedule_settings.slot_minutes = 30
        doctor.schedule_settings.save()
        response = client.post(book_url(doctor, dhaka(12, 10, 30)), follow=True)
    assert NO_LONGER_FREE in html.unescape(response.content.decode())
    assert Appointment.objects.count() == 1


@pytest.mark.parametrize("raw", ["", "tomorrow"])
def test_a_missing_or_malformed_start_is_not_a_slot(client, doctor, patient, raw):
    response = client.get(f"/appointments/book/{doctor.pk}/?start={raw}", follow=True)
    assert NOT_A_SLOT in html.unescape(response.content.decode())


def test_the_booking_service_says_when_a_time_never_was_a_slot(doctor):
    patient = PatientFactory()
    with time_machine.travel(FROZEN, tick=False):
        with pytest.raises(services.BookingError) as never:
            services.book_appointment(patient=patient, doctor=doctor, start=dhaka(12, 9, 30))
        with pytest.raises(services.BookingError) as gone:
            services.book_appointment(patient=patient, doctor=doctor, start=dhaka(10, 11))
    assert str(never.value.message) == NOT_A_SLOT
    assert str(gone.value.message) == NO_LONGER_FREE


def test_rescheduling_to_a_time_that_is_not_a_slot_says_so(client, doctor, patient):
    with time_machine.travel(FROZEN, tick=False):
        appointment = AppointmentFactory(doctor=doctor, patient=patient, start=dhaka(12, 10))
        response = client.post(
            f"/appointments/{appointment.pk}/reschedule/",
            {"start": dhaka(12, 10, 15).isoformat()},
            follow=True,
        )
    assert NOT_A_SLOT in html.unescape(response.content.decode())
    appointment.refresh_from_db()
    assert appointment.status == "pending"


def test_taken_slot_is_refused(client, doctor, patient):
    AppointmentFactory(doctor=doctor, start=at(10), status="confirmed")
    response = client.post(book_url(doctor, at(10)), follow=True)
    assert "This slot was just taken" in response.content.decode()
    assert Appointment.objects.count() == 1


def test_slot_on_leave_is_refused(client, doctor, patient):
    TimeOffFactory(doctor=doctor, start_date=DAY, end_date=DAY)
    client.post(book_url(doctor, at(10)))
    assert not Appointment.objects.exists()


@pytest.mark.parametrize("raw", ["tomorrow", "2026-99-99T10:00", "", "10:00"])
def test_malformed_start_is_refused_without_error(client, doctor, patient, raw):
    response = client.post(f"/appointments/book/{doctor.pk}/?start={quote(raw)}")
    assert response.status_code == 302
    assert not Appointment.objects.exists()


def test_doctors_cannot_book(client, doctor):
    client.force_login(DoctorProfileFactory().user)
    response = client.post(book_url(doctor, at(10)), follow=True)
    assert "Only patients" in response.content.decode()
    assert not Appointment.objects.exists()


def test_doctor_cannot_book_with_themself(doctor):
    with pytest.raises(services.BookingError):
        services.book_appointment(patient=doctor.user, doctor=doctor, start=at(10))


def test_patient_cannot_hold_two_appointments_at_once(client, doctor, patient):
    other = open_every_day(DoctorProfileFactory())
    client.post(book_url(doctor, at(10)))
    response = client.post(book_url(other, at(10)), follow=True)
    assert "already have an appointment" in response.content.decode()
    assert Appointment.objects.count() == 1


def test_unverified_doctor_cannot_be_booked(client, patient):
    waiting = open_every_day(DoctorProfileFactory(verified_at=None))
    assert client.post(book_url(waiting, at(10))).status_code == 404
    assert not Appointment.objects.exists()


def test_symptoms_are_length_limited(client, doctor, patient):
    response = client.post(book_url(doctor, at(10)), {"symptoms": "x" * 1001})
    assert response.status_code == 200
    assert "symptoms" in response.context["form"].errors
    assert not Appointment.objects.exists()


def test_other_patients_cannot_see_the_appointment(client, doctor):
    appointment = AppointmentFactory(doctor=doctor, start=at(10), status="pending")
    client.force_login(PatientFactory())
    assert client.get(f"/appointments/{appointment.pk}/").status_code == 404
    client.force_login(appointment.patient)
    assert client.get(f"/appointments/{appointment.pk}/").status_code == 200
    client.force_login(doctor.user)
    assert client.get(f"/appointments/{appointment.pk}/").status_code == 200


def test_slot_length_comes_from_the_doctors_settings(doctor):
    services.save_schedule_settings(doctor=doctor, slot_minutes=30)
    doctor = DoctorProfile.objects.get(pk=doctor.pk)  # as the next request would load it
    booked = services.book_appointment(patient=PatientFactory(), doctor=doctor, start=at(9, 30))
    assert booked.end - booked.start == timedelta(minutes=30)
