from datetime import datetime, time, timedelta

import pytest
import time_machine
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from accounts.tests.factories import DoctorProfileFactory, PatientFactory, StaffFactory
from scheduling import services
from scheduling.models import Appointment, AppointmentEvent
from scheduling.tests.factories import AppointmentFactory, open_every_day

pytestmark = pytest.mark.django_db

TZ = timezone.get_default_timezone()
# A Wednesday morning in Dhaka.
NOW = datetime(2026, 6, 10, 8, 0, tzinfo=TZ)


@pytest.fixture(autouse=True)
def _frozen_clock():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def admin_client(client):
    client.force_login(StaffFactory())
    return client


def test_appointment_changelist_filters_search_and_query_count(
    admin_client, django_assert_max_num_queries
):
    start = timezone.now() + timedelta(days=1)
    for n in range(5):
        AppointmentFactory(start=start + timedelta(hours=n), status="pending")
    target = AppointmentFactory(
        start=start, status="confirmed", patient__full_name="Rokeya Sultana"
    )
    url = reverse("admin:scheduling_appointment_changelist")

    with django_assert_max_num_queries(12):
        assert admin_client.get(url).status_code == 200
    found = admin_client.get(url, {"q": "Rokeya", "status__exact": "confirmed"})
    assert list(found.context["cl"].result_list) == [target]


def test_appointments_cannot_be_deleted_and_history_is_read_only(admin_client):
    appointment = AppointmentFactory(start=timezone.now(), status="pending")
    AppointmentEvent.objects.create(appointment=appointment, to_status="pending")
    change = reverse("admin:scheduling_appointment_change", args=[appointment.pk])
    delete = reverse("admin:scheduling_appointment_delete", args=[appointment.pk])

    page = admin_client.get(change)
    assert page.status_code == 200
    assert admin_client.post(delete, {"post": "yes"}).status_code == 403
    assert appointment.__class__.objects.filter(pk=appointment.pk).exists()


def test_doctor_admin_shows_chambers_inline_and_a_chamber_its_hours(admin_client):
    doctor = open_every_day(DoctorProfileFactory())
    page = admin_client.get(reverse("admin:accounts_doctorprofile_change", args=[doctor.pk]))
    assert page.status_code == 200
    assert "chambers-TOTAL_FORMS" in page.content.decode()
    chamber = doctor.chambers.get()
    page = admin_client.get(reverse("admin:scheduling_chamber_change", args=[chamber.pk]))
    assert page.status_code == 200
    assert "hours-TOTAL_FORMS" in page.content.decode()


def test_export_selected_appointments_as_csv(admin_client):
    import csv
    import io

    from accounts.tests.factories import PatientFactory

    appointment = AppointmentFactory(
        start=timezone.now(), status="pending", patient=PatientFactory(full_name="করিম মিয়া")
    )
    response = admin_client.post(
        reverse("admin:scheduling_appointment_changelist"),
        {"action": "export_csv", "_selected_action": [appointment.pk]},
    )
    content = b"".join(response.streaming_content).decode("utf-8")
    rows = list(csv.reader(io.StringIO(content.lstrip("\ufeff"))))
    assert rows[1][0] == str(appointment.pk)
    assert rows[1][4] == "করিম মিয়া"


def at(day, hour, minute=0):
    return datetime.combine(NOW.date() + timedelta(days=day), time(hour, minute), tzinfo=TZ)


def booked(start=None, **values):
    """An appointment booked through the service, as the pages book them."""
    doctor = values.pop("doctor", None) or open_every_day(DoctorProfileFactory())
    return services.book_appointment(
        patient=values.pop("patient", None) or PatientFactory(),
        doctor=doctor,
        start=start or at(2, 10),
        symptoms="Fever",
        notify=False,
        **values,
    )


def stored(appointment):
    """Every column of the appointment's row, and its history, as stored."""
    row = Appointment.objects.filter(pk=appointment.pk).values().get()
    events = list(AppointmentEvent.objects.filter(appointment=appointment).values())
    return row, events


def management(prefix="events", total=0, initial=0):
    return {
        f"{prefix}-TOTAL_FORMS": str(total),
        f"{prefix}-INITIAL_FORMS": str(initial),
        f"{prefix}-MIN_NUM_FORMS": "0",
        f"{prefix}-MAX_NUM_FORMS": "1000",
    }


def change_url(appointment):
    return reverse("admin:scheduling_appointment_change", args=[appointment.pk])


ADD_URL = "/admin/scheduling/appointment/add/"


def slot_fields(doctor, patient, start):
    end = start + timedelta(hours=1)
    return {
        "doctor": str(doctor.pk),
        "patient": str(patient.pk),
        "start_0": f"{start:%Y-%m-%d}",
        "start_1": f"{start:%H:%M:%S}",
        "end_0": f"{end:%Y-%m-%d}",
        "end_1": f"{end:%H:%M:%S}",
        "serial": "1",
        "status": "confirmed",
        "fee": "500",
        "symptoms": "Cough",
        "notes": "",
    }


def test_staff_cannot_add_appointments_in_the_admin_and_are_told_how_patients_book(
    admin_client,
):
    doctor = open_every_day(DoctorProfileFactory())
    patient = PatientFactory()
    changelist = admin_client.get(reverse("admin:scheduling_appointment_changelist"))
    page = changelist.content.decode()
    assert ADD_URL not in page
    assert "Patients book their appointments themselves" in page

    assert admin_client.get(ADD_URL).status_code == 403
    for data in (
        slot_fields(doctor, patient, at(2, 10)),
        {**slot_fields(doctor, patient, at(2, 10)), "serial": ""},
        {"doctor": "x", "start_0": "9999-99-99", "serial": "-1", "_save": "Save"},
        {},
    ):
        assert admin_client.post(ADD_URL, {**data, **management()}).status_code == 403
    # "Save as new" on an existing appointment is an add too.
    appointment = booked(doctor=doctor, patient=patient)
    before = stored(appointment)
    response = admin_client.post(
        change_url(appointment),
        {**slot_fields(doctor, PatientFactory(), at(2, 14)), "_saveasnew": "1", **management()},
    )
    assert response.status_code == 403
    assert Appointment.objects.count() == 1
    assert stored(appointment) == before


def test_change_form_shows_the_booking_read_only_with_a_status_form(admin_client):
    appointment = booked()
    page = admin_client.get(change_url(appointment))
    assert page.status_code == 200
    form = page.context["adminform"].form
    assert set(form.fields) == {"to", "reason"}
    # Only the moves the status may make from pending, and keeping it.
    assert [value for value, _label in form.fields["to"].choices] == ["", "confirmed", "cancelled"]
    html = page.content.decode()
    for name in ("doctor", "patient", "start_0", "end_0", "serial", "fee", "status", "symptoms"):
        assert f'name="{name}"' not in html


def test_posted_doctor_patient_times_serial_and_fee_change_nothing(admin_client):
    appointment = booked()
    before = stored(appointment)
    other_doctor = open_every_day(DoctorProfileFactory())
    data = {**slot_fields(other_doctor, PatientFactory(), at(3, 14)), "reminder_sent_at_0": ""}

    response = admin_client.post(change_url(appointment), {**data, **management()})

    assert response.status_code == 302
    assert stored(appointment) == before


def test_staff_confirm_through_the_status_service_with_history_and_email(
    admin_client, django_capture_on_commit_callbacks, send_outbox
):
    appointment = booked()
    staff = StaffFactory()
    admin_client.force_login(staff)

    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(
            change_url(appointment),
            {"to": "confirmed", "reason": "Called the patient", **management()},
        )

    assert response.status_code == 302
    appointment.refresh_from_db()
    assert appointment.status == "confirmed"
    event = appointment.events.last()
    assert (event.actor, event.from_status, event.to_status, event.reason) == (
        staff,
        "pending",
        "confirmed",
        "Called the patient",
    )
    send_outbox()
    assert [message.to for message in mail.outbox] == [[appointment.patient.email]]


def test_staff_cancel_frees_the_slot(admin_client):
    appointment = booked()
    response = admin_client.post(
        change_url(appointment),
        {"to": "cancelled", "reason": "The doctor is ill", **management()},
    )
    assert response.status_code == 302
    again = booked(start=appointment.start, doctor=appointment.doctor)
    assert again.serial == appointment.serial


@pytest.mark.parametrize(
    "data, field, message",
    [
        ({"to": "completed", "reason": "Seen"}, "to", "Select a valid choice"),
        ({"to": "bogus", "reason": "x"}, "to", "Select a valid choice"),
        ({"to": ["confirmed", "cancelled"], "reason": "x"}, None, None),
        ({"to": "\x00", "reason": "x"}, "to", None),
        ({"to": "confirmed", "reason": ""}, "reason", "Give the reason"),
        ({"to": "confirmed", "reason": "   "}, "reason", "Give the reason"),
        ({"to": "", "reason": "Because"}, "to", "Choose the new status"),
        ({"to": "confirmed", "reason": "x" * 501}, "reason", "at most 500"),
    ],
)
def test_bad_status_changes_are_refused_with_a_message(admin_client, data, field, message):
    appointment = booked()
    before = stored(appointment)

    response = admin_client.post(change_url(appointment), {**data, **management()})

    if field is None:  # the last of repeated values is taken, as Django does
        assert response.status_code == 302
        return
    assert response.status_code == 200
    errors = response.context["adminform"].form.errors
    assert field in errors
    if message:
        assert message in " ".join(errors[field])
    assert stored(appointment) == before


def test_a_visit_is_marked_completed_only_once_it_has_begun(admin_client):
    appointment = booked()
    services.change_status(appointment=appointment, to="confirmed", by=appointment.doctor.user)
    before = stored(appointment)

    response = admin_client.post(
        change_url(appointment), {"to": "completed", "reason": "Seen", **management()}
    )

    assert response.status_code == 200
    assert "only once its time has begun" in str(response.context["adminform"].form.errors)
    assert stored(appointment) == before
    with time_machine.travel(appointment.start + timedelta(minutes=5), tick=False):
        response = admin_client.post(
            change_url(appointment), {"to": "completed", "reason": "Seen", **management()}
        )
    assert response.status_code == 302
    assert Appointment.objects.get(pk=appointment.pk).status == "completed"


def test_a_status_changed_meanwhile_is_refused_not_applied_twice(admin_client):
    appointment = booked()
    page = admin_client.get(change_url(appointment))
    assert page.status_code == 200
    services.cancel_appointment(appointment=appointment, by=appointment.patient)
    before = stored(appointment)

    response = admin_client.post(
        change_url(appointment), {"to": "confirmed", "reason": "Called", **management()}
    )

    assert response.status_code == 200
    assert stored(appointment) == before


def test_a_change_without_the_history_management_form_is_refused_not_a_500(admin_client):
    appointment = booked()
    before = stored(appointment)
    response = admin_client.post(change_url(appointment), {"to": "confirmed", "reason": "x"})
    assert response.status_code == 200
    assert stored(appointment) == before


def test_unknown_appointment_ids_redirect_to_the_list(admin_client):
    for pk in ("999999", "abc", "1%00"):
        response = admin_client.get(f"/admin/scheduling/appointment/{pk}/change/")
        assert response.status_code in (302, 404)


def test_an_empty_to_field_parameter_is_no_server_error(admin_client):
    # Django's admin looks up a field named "" for `?_to_field=`.
    appointment = booked()
    before = stored(appointment)
    url = change_url(appointment)
    assert admin_client.get(url, {"_to_field": ""}).status_code == 200
    assert admin_client.get(url, {"_to_field": "", "_popup": "1"}).status_code == 200
    assert admin_client.post(f"{url}?_to_field=", management()).status_code == 302
    delete = reverse("admin:scheduling_appointment_delete", args=[appointment.pk])
    assert admin_client.get(delete, {"_to_field": ""}).status_code == 403
    assert stored(appointment) == before


def test_a_status_change_in_a_popup_window_is_applied(admin_client):
    appointment = booked()
    response = admin_client.post(
        f"{change_url(appointment)}?_popup=1",
        {"_popup": "1", "to": "confirmed", "reason": "Called", **management()},
    )
    assert response.status_code == 200
    assert "popup_response_data" in response.context_data
    assert Appointment.objects.get(pk=appointment.pk).status == "confirmed"
