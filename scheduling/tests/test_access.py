"""Who may open which appointment URL: the owner gets 200, everyone else 404 (or the
login page, or 403 for the wrong role), for GET and POST, and nothing changes."""

from datetime import datetime, time, timedelta

import pytest
from django.utils import timezone

from accounts.tests.factories import DoctorProfileFactory, PatientFactory, StaffFactory
from scheduling.models import Appointment, AppointmentEvent
from scheduling.tests.factories import AppointmentFactory, open_every_day

pytestmark = pytest.mark.django_db

URLS = [
    ("/appointments/{pk}/", "GET"),
    ("/appointments/{pk}/cancel/", "GET"),
    ("/appointments/{pk}/cancel/", "POST"),
    ("/appointments/{pk}/reschedule/", "GET"),
    ("/appointments/{pk}/reschedule/", "POST"),
    ("/appointments/{pk}/ics/", "GET"),
    ("/appointments/{pk}/status/", "POST"),
    ("/portal/appointments/{pk}/", "GET"),
    ("/portal/appointments/{pk}/notes/", "POST"),
]
ROLES = ["anonymous", "other_patient", "other_doctor", "patient", "doctor", "staff"]
# Who owns (sees) the appointment.
SEES = {"patient", "doctor", "staff"}
# Pages restricted by role before the appointment is looked up.
DOCTOR_ONLY = {"/portal/appointments/{pk}/notes/"}


@pytest.fixture
def appointment():
    doctor = open_every_day(DoctorProfileFactory())
    start = datetime.combine(
        timezone.localdate() + timedelta(days=2), time(10), tzinfo=timezone.get_default_timezone()
    )
    return AppointmentFactory(doctor=doctor, start=start, status="pending")


def login(client, role, appointment):
    user = {
        "anonymous": None,
        "other_patient": PatientFactory,
        "other_doctor": lambda: DoctorProfileFactory().user,
        "patient": lambda: appointment.patient,
        "doctor": lambda: appointment.doctor.user,
        "staff": StaffFactory,
    }[role]
    if user is not None:
        client.force_login(user())


@pytest.mark.parametrize("url, method", URLS)
@pytest.mark.parametrize("role", ROLES)
def test_access_matrix(client, appointment, url, method, role):
    login(client, role, appointment)
    path = url.format(pk=appointment.pk)
    data = {"to": "cancelled", "reason": "x", "start": "", "notes-diagnosis": "x"}

    response = client.get(path) if method == "GET" else client.post(path, data)

    if role == "anonymous":
        assert response.status_code == 302
        assert response.url.startswith("/accounts/login/")
    elif url in DOCTOR_ONLY and role in ("other_patient", "patient", "staff"):
        assert response.status_code == 403
    elif role in SEES:
        assert response.status_code in (200, 302)
    else:
        assert response.status_code == 404
    if role not in SEES:
        appointment.refresh_from_db()
        assert appointment.status == "pending"
        assert not AppointmentEvent.objects.filter(appointment=appointment).exists()


def test_unknown_id_is_404_for_everyone(client, appointment):
    client.force_login(StaffFactory())
    assert client.get("/appointments/999999/").status_code == 404
    assert Appointment.objects.count() == 1
