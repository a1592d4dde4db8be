from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.tests.factories import DoctorProfileFactory, StaffFactory
from scheduling.models import AppointmentEvent
from scheduling.tests.factories import AppointmentFactory, open_every_day

pytestmark = pytest.mark.django_db


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


def test_doctor_admin_shows_chamber_hours_inline(admin_client):
    doctor = open_every_day(DoctorProfileFactory())
    page = admin_client.get(reverse("admin:accounts_doctorprofile_change", args=[doctor.pk]))
    assert page.status_code == 200
    assert "chamber_hours-TOTAL_FORMS" in page.content.decode()


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
