"""The API's appointments over HTTP: booking, reading, status changes, cancelling,
rescheduling and the calendar file, with who may do what."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext

from accounts.tests.api_client import bearer
from accounts.tests.factories import DoctorProfileFactory, PatientFactory, StaffFactory
from scheduling.models import Appointment, AppointmentEvent
from scheduling.tests.factories import AppointmentFactory, open_every_day

pytestmark = pytest.mark.django_db

DHAKA = ZoneInfo("Asia/Dhaka")
API = "/api/v1/appointments"


@pytest.fixture(autouse=True)
def frozen():
    # A Tuesday morning in Dhaka; two hours' notice makes 09:00 the first free slot.
    with time_machine.travel(datetime(2026, 3, 10, 7, 0, tzinfo=DHAKA), tick=False):
        yield


@pytest.fixture
def doctor():
    return open_every_day(DoctorProfileFactory(user__full_name="Dr Karim"))


def book(client, user, doctor, when="2026-03-10T09:00:00", **extra):
    body = {"doctor_id": doctor.pk, "appointment_datetime": when, **extra}
    return client.post(f"{API}/", body, content_type="application/json", **bearer(user))


def booked(doctor, patient=None, hour=10, **values):
    return AppointmentFactory(
        doctor=doctor,
        patient=patient or PatientFactory(),
        start=datetime(2026, 3, 11, hour, 0, tzinfo=DHAKA),
        **values,
    )


def test_a_patient_books_a_free_slot(client, doctor):
    patient = PatientFactory()

    response = book(client, patient, doctor, symptoms="Fever", notes="Second visit")

    assert response.status_code == 201
    body = response.json()
    appointment = Appointment.objects.get(pk=body["id"])
    assert appointment.patient == patient
    assert appointment.symptoms == "Fever"
    assert body["status"] == "pending"
    assert body["serial"] == 1
    # A naive time is Dhaka time; the answer gives the offset.
    assert body["start"] == "2026-03-10T09:00:00+06:00"
    assert body["end"] == "2026-03-10T10:00:00+06:00"
    assert body["fee"] == "800.00"
    assert body["chamber"] == "Popular Diagnostic Centre"
    assert body["doctor_name"] == "Dr Karim"


def test_a_taken_slot_is_409_with_the_pages_words(client, doctor):
    book(client, PatientFactory(), doctor)

    response = book(client, PatientFactory(), doctor, when="2026-03-10T09:00:00+06:00")

    assert response.status_code == 409
    assert response.json() == {"detail": "This slot was just taken — please pick another."}
    assert Appointment.objects.count() == 1


def test_a_time_that_is_not_a_slot_is_409(client, doctor):
    response = book(client, PatientFactory(), doctor, when="2026-03-10T09:20:00")

    assert response.status_code == 409
    assert "not one of the doctor's slots" in response.json()["detail"]
    assert not Appointment.objects.exists()


@pytest.mark.parametrize(
    "extra",
    [
        {"appointment_datetime": "tomorrow"},
        {"symptoms": "x" * 1001},
        {"doctor_id": "abc"},
    ],
)
def test_bad_input_is_422_and_books_nothing(client, doctor, extra):
    body = {"doctor_id": doctor.pk, "appointment_datetime": "2026-03-10T09:00:00", **extra}

    response = client.post(
        f"{API}/", body, content_type="application/json", **bearer(PatientFactory())
    )

    assert response.status_code == 422
    assert response.json()["detail"]
    assert not Appointment.objects.exists()


def test_an_unlisted_doctor_is_404(client):
    hidden = open_every_day(DoctorProfileFactory(verified_at=None))

    assert book(client, PatientFactory(), hidden).status_code == 404
    assert not Appointment.objects.exists()


@pytest.mark.parametrize("role", ["doctor", "staff"])
def test_only_patients_book(client, doctor, role):
    user = DoctorProfileFactory().user if role == "doctor" else StaffFactory()

    response = book(client, user, doctor)

    assert response.status_code == 403
    assert response.json() == {"detail": "Only patients can book appointments."}
    assert not Appointment.objects.exists()


@pytest.mark.parametrize("headers", [{}, {"HTTP_AUTHORIZATION": "Bearer nonsense"}])
def test_without_a_valid_token_is_401(client, doctor, headers):
    assert client.get(f"{API}/", **headers).status_code == 401
    body = {"doctor_id": doctor.pk, "appointment_datetime": "2026-03-10T09:00:00"}
    assert client.post(f"{API}/", body, content_type="application/json", **headers).status_code == (
        401
    )
    assert not Appointment.objects.exists()


def test_an_expired_token_is_401(client, doctor):
    headers = bearer(PatientFactory())

    with time_machine.travel(datetime(2026, 3, 10, 7, 31, tzinfo=DHAKA), tick=False):
        assert client.get(f"{API}/", **headers).status_code == 401


def test_the_list_holds_the_callers_own_newest_first_in_pages(client, doctor):
    patient = PatientFactory()
    mine = [booked(doctor, patient, hour) for hour in (9, 10, 11)]
    booked(doctor, hour=14)

    first = client.get(f"{API}/?limit=2", **bearer(patient)).json()
    rest = client.get(f"{API}/?skip=2&limit=2", **bearer(patient)).json()
    doctors = client.get(f"{API}/", **bearer(doctor.user)).json()

    assert first["total"] == 3
    assert [a["id"] for a in first["items"]] == [mine[2].pk, mine[1].pk]
    assert [a["id"] for a in rest["items"]] == [mine[0].pk]
    assert doctors["total"] == 4


@pytest.mark.parametrize("query", ["limit=101", "limit=0", "skip=-1", "status=lost"])
def test_the_list_refuses_bad_paging(client, query):
    response = client.get(f"{API}/?{query}", **bearer(PatientFactory()))

    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"]


@pytest.mark.parametrize(
    ("who", "status"),
    [
        ("patient", 200),
        ("other_patient", 404),
        ("doctor", 200),
        ("other_doctor", 404),
        ("staff", 200),
    ],
)
def test_access_matrix(client, doctor, who, status):
    patient = PatientFactory()
    appointment = booked(doctor, patient)
    user = {
        "patient": patient,
        "other_patient": PatientFactory(),
        "doctor": doctor.user,
        "other_doctor": DoctorProfileFactory().user,
        "staff": StaffFactory(),
    }[who]

    detail = client.get(f"{API}/{appointment.pk}", **bearer(user))
    ics = client.get(f"{API}/{appointment.pk}/ics", **bearer(user))
    cancel = client.post(
        f"{API}/{appointment.pk}/cancel", {}, content_type="application/json", **bearer(user)
    )

    assert detail.status_code == status
    assert ics.status_code == status
    assert cancel.status_code == status
    if status == 200:
        assert detail.json()["id"] == appointment.pk
        assert ics["Content-Type"].startswith("text/calendar")
        assert b"BEGIN:VCALENDAR" in ics.content
    else:
        assert detail.json() == {"detail": "Not Found"}
        appointment.refresh_from_db()
        assert appointment.status == Appointment.Status.PENDING


def test_the_doctor_confirms_through_the_status_endpoint(client, doctor):
    appointment = booked(doctor)

    response = client.patch(
        f"{API}/{appointment.pk}/status",
        {"status": "confirmed"},
        content_type="application/json",
        **bearer(doctor.user),
    )

    assert response.status_code == 200
    assert response.json()["status"] == "confirmed"
    event = AppointmentEvent.objects.get(appointment=appointment)
    assert (event.from_status, event.to_status, event.actor) == (
        "pending",
        "confirmed",
        doctor.user,
    )


def test_a_patient_confirming_is_403(client, doctor):
    patient = PatientFactory()
    appointment = booked(doctor, patient)

    response = client.patch(
        f"{API}/{appointment.pk}/status",
        {"status": "confirmed"},
        content_type="application/json",
        **bearer(patient),
    )

    assert response.status_code == 403
    assert response.json() == {"detail": "Only the doctor's chamber can do this."}
    appointment.refresh_from_db()
    assert appointment.status == Appointment.Status.PENDING


@pytest.mark.parametrize(
    ("status", "code"),
    [
        ("completed", 409),  # pending cannot become completed
        ("pending", 409),  # nor pending again
        ("lost", 422),
    ],
)
def test_a_move_not_allowed_changes_nothing(client, doctor, status, code):
    appointment = booked(doctor)

    response = client.patch(
        f"{API}/{appointment.pk}/status",
        {"status": status},
        content_type="application/json",
        **bearer(doctor.user),
    )

    assert response.status_code == code
    appointment.refresh_from_db()
    assert appointment.status == Appointment.Status.PENDING
    assert not AppointmentEvent.objects.filter(appointment=appointment).exists()


def test_completing_before_the_visit_is_409(client, doctor):
    appointment = booked(doctor, status=Appointment.Status.CONFIRMED)

    response = client.patch(
        f"{API}/{appointment.pk}/status",
        {"status": "completed"},
        content_type="application/json",
        **bearer(doctor.user),
    )

    assert response.status_code == 409
    assert response.json() == {"detail": "A visit can be marked only once its time has begun."}


def test_the_patient_cancels_with_a_reason(client, doctor):
    patient = PatientFactory()
    appointment = booked(doctor, patient)

    response = client.post(
        f"{API}/{appointment.pk}/cancel",
        {"reason": "Feeling better"},
        content_type="application/json",
        **bearer(patient),
    )

    assert response.status_code == 200
    assert response.json()["status"] == "cancelled"
    assert AppointmentEvent.objects.get(appointment=appointment).reason == "Feeling better"


def test_cancelling_after_the_cutoff_is_409(client, doctor):
    patient = PatientFactory()
    # 09:00 today with a three-hour cut-off: too late at 07:00.
    appointment = AppointmentFactory(
        doctor=doctor, patient=patient, start=datetime(2026, 3, 10, 9, 0, tzinfo=DHAKA)
    )

    # No body at all: the reason is optional.
    response = client.post(
        f"{API}/{appointment.pk}/cancel", content_type="application/json", **bearer(patient)
    )

    assert response.status_code == 409
    assert "too late to cancel" in response.json()["detail"]
    appointment.refresh_from_db()
    assert appointment.status == Appointment.Status.PENDING


def test_cancel_refuses_a_too_long_reason(client, doctor):
    patient = PatientFactory()
    appointment = booked(doctor, patient)

    response = client.post(
        f"{API}/{appointment.pk}/cancel",
        {"reason": "x" * 501},
        content_type="application/json",
        **bearer(patient),
    )

    assert response.status_code == 422
    appointment.refresh_from_db()
    assert appointment.status == Appointment.Status.PENDING


def test_the_patient_reschedules_to_another_free_slot(client, doctor):
    patient = PatientFactory()
    appointment = booked(doctor, patient, hour=10)

    response = client.post(
        f"{API}/{appointment.pk}/reschedule",
        {"appointment_datetime": "2026-03-12T15:00:00+06:00"},
        content_type="application/json",
        **bearer(patient),
    )

    assert response.status_code == 200
    body = response.json()
    assert body["start"] == "2026-03-12T15:00:00+06:00"
    assert body["id"] != appointment.pk
    appointment.refresh_from_db()
    assert appointment.status == Appointment.Status.CANCELLED


def test_rescheduling_to_a_taken_slot_keeps_the_old_one(client, doctor):
    patient = PatientFactory()
    appointment = booked(doctor, patient, hour=10)
    booked(doctor, hour=15)

    response = client.post(
        f"{API}/{appointment.pk}/reschedule",
        {"appointment_datetime": "2026-03-11T15:00:00"},
        content_type="application/json",
        **bearer(patient),
    )

    assert response.status_code == 409
    assert response.json() == {"detail": "This slot was just taken — please pick another."}
    appointment.refresh_from_db()
    assert appointment.status == Appointment.Status.PENDING
    assert Appointment.objects.count() == 2


def test_only_the_patient_reschedules(client, doctor):
    appointment = booked(doctor)

    response = client.post(
        f"{API}/{appointment.pk}/reschedule",
        {"appointment_datetime": "2026-03-12T15:00:00"},
        content_type="application/json",
        **bearer(doctor.user),
    )

    assert response.status_code == 403
    appointment.refresh_from_db()
    assert appointment.status == Appointment.Status.PENDING


def test_a_wrong_method_is_json_405(client, doctor):
    appointment = booked(doctor)

    response = client.delete(f"{API}/{appointment.pk}", **bearer(doctor.user))

    assert response.status_code == 405
    assert response.json()["detail"]


@pytest.mark.parametrize("role", ["patient", "doctor", "staff"])
def test_the_list_takes_as_many_queries_for_2_as_for_20_appointments(
    client, role, django_assert_num_queries
):
    patient, doctor, staff = PatientFactory(), DoctorProfileFactory(), StaffFactory()
    caller = {"patient": patient, "doctor": doctor.user, "staff": staff}[role]

    def add(days):
        # Each with another doctor (and chamber) for the patient, another patient for the
        # doctor: their names come with every item.
        for day in days:
            start = datetime(2026, 3, 1, 9, 0, tzinfo=DHAKA) + timedelta(days=day)
            AppointmentFactory(patient=patient, start=start)
            AppointmentFactory(doctor=doctor, start=start + timedelta(hours=2))

    add(range(2))
    with CaptureQueriesContext(connection) as few:
        first = client.get(f"{API}/", {"limit": 20}, **bearer(caller)).json()
    add(range(2, 25))
    with django_assert_num_queries(len(few)):
        then = client.get(f"{API}/", {"limit": 20}, **bearer(caller)).json()

    assert (len(first["items"]), len(then["items"])) == ((4, 20) if role == "staff" else (2, 20))
    assert all(item["doctor_name"] and item["patient_name"] for item in then["items"])
