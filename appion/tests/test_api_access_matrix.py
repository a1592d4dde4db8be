"""The API's access matrix: every operation that names an object by id (and every staff
operation), called by every role on objects that are and are not theirs. Each answer is
the one in the table; a refusal (401, 403, 404) changes nothing. A new operation in the
OpenAPI document fails test_the_matrix_covers_every_operation until it is in the table."""

import json
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine

from accounts.models import DoctorProfile, User
from accounts.tests.api_client import bearer
from accounts.tests.factories import DoctorProfileFactory, PatientFactory, StaffFactory
from appion.api import api
from locations.tests.factories import ThanaFactory
from scheduling.models import Appointment, AppointmentEvent
from scheduling.tests.factories import AppointmentFactory, open_every_day

pytestmark = pytest.mark.django_db

DHAKA = ZoneInfo("Asia/Dhaka")
ROLES = ("anonymous", "patient", "other_patient", "doctor", "other_doctor", "staff")


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(datetime(2026, 3, 10, 7, 0, tzinfo=DHAKA), tick=False):
        yield


def registered_doctor():
    """A verified doctor as registration makes one: in a thana, and their chamber too."""
    thana = ThanaFactory()
    return open_every_day(
        DoctorProfileFactory(
            chamber_thana=thana,
            user__division=thana.district.division,
            user__district=thana.district,
            user__thana=thana,
        )
    )


@pytest.fixture
def world():
    doctor = registered_doctor()
    patient = PatientFactory()
    return {
        "doctor": doctor,
        "other_doctor": registered_doctor(),
        "unverified": DoctorProfileFactory(verified_at=None),
        "patient": patient,
        "other_patient": PatientFactory(),
        "staff": StaffFactory(),
        "appointment": AppointmentFactory(
            doctor=doctor, patient=patient, start=datetime(2026, 3, 11, 10, tzinfo=DHAKA)
        ),
    }


def _user(world, role):
    if role == "anonymous":
        return None
    found = world[role]
    return found.user if isinstance(found, DoctorProfile) else found


# (method, path, body, {role: status}); ids are filled in from the world. "listed" is
# the verified doctor, "unlisted" one awaiting verification.
A = "/api/v1/appointments/{appointment}"
OWN = {"patient": 200, "other_patient": 404, "doctor": 200, "other_doctor": 404, "staff": 200}
STAFF = {"patient": 403, "other_patient": 403, "doctor": 403, "other_doctor": 403, "staff": 200}
PUBLIC = dict.fromkeys(ROLES, 200)
MATRIX = [
    ("GET", "/api/v1/doctors/{doctor}", None, PUBLIC),
    ("GET", "/api/v1/doctors/{unlisted}", None, dict.fromkeys(ROLES, 404)),
    ("GET", "/api/v1/doctors/{doctor}/slots?date=2026-03-11", None, PUBLIC),
    ("GET", "/api/v1/doctors/{unlisted}/slots?date=2026-03-11", None, dict.fromkeys(ROLES, 404)),
    ("GET", A, None, OWN),
    ("GET", A + "/ics", None, OWN),
    (
        "PATCH",
        A + "/status",
        {"status": "confirmed"},
        {**OWN, "patient": 403},
    ),
    ("POST", A + "/cancel", {"reason": "x"}, OWN),
    # The world's appointment is pending: its patient has nothing to pay.
    ("POST", A + "/pay", None, {**OWN, "patient": 409, "doctor": 403, "staff": 403}),
    (
        "POST",
        A + "/reschedule",
        {"appointment_datetime": "2026-03-12T10:00:00"},
        {**OWN, "doctor": 403, "staff": 403},
    ),
    ("PATCH", "/api/v1/admin/users/{patient}", {"is_active": False}, STAFF),
    ("POST", "/api/v1/admin/doctors/{unlisted}/verify", None, STAFF),
    ("GET", "/api/v1/admin/reports/doctor/{doctor}", None, STAFF),
    ("GET", "/api/v1/admin/appointments", None, STAFF),
    ("GET", "/api/v1/admin/users", None, STAFF),
    ("GET", "/api/v1/admin/doctors", None, STAFF),
    ("GET", "/api/v1/admin/reports/overview", None, STAFF),
    (
        "GET",
        "/api/v1/doctors/schedule",
        None,
        {**STAFF, "staff": 403, "doctor": 200, "other_doctor": 200},
    ),
    (
        "PUT",
        "/api/v1/doctors/schedule",
        {"consultation_fee": "900"},
        {**STAFF, "staff": 403, "doctor": 200, "other_doctor": 200},
    ),
]
PUBLIC_PATHS = {"/api/v1/doctors/{doctor}", "/api/v1/doctors/{unlisted}"}


def _state():
    """What any of the operations could change."""
    return (
        list(Appointment.objects.order_by("pk").values_list("pk", "status", "start")),
        AppointmentEvent.objects.count(),
        list(User.objects.order_by("pk").values_list("pk", "is_active")),
        list(
            DoctorProfile.objects.order_by("pk").values_list(
                "pk", "verified_at", "consultation_fee"
            )
        ),
    )


def _call(client, world, method, path, body, role):
    ids = {
        "doctor": world["doctor"].pk,
        "unlisted": world["unverified"].pk,
        "appointment": world["appointment"].pk,
        "patient": world["patient"].pk,
    }
    user = _user(world, role)
    headers = bearer(user) if user else {}
    return client.generic(
        method,
        path.format(**ids),
        "" if body is None else json.dumps(body),
        content_type="application/json",
        **headers,
    )


CASES = [
    pytest.param(method, path, body, role, expected.get(role, 401), id=f"{method} {path} {role}")
    for method, path, body, expected in MATRIX
    for role in ROLES
]


@pytest.mark.parametrize(("method", "path", "body", "role", "status"), CASES)
def test_each_role_gets_the_tables_answer_and_refusals_change_nothing(
    client, world, method, path, body, role, status
):
    before = _state()

    response = _call(client, world, method, path, body, role)

    assert response.status_code == status, response.content
    assert response["Content-Type"].startswith(("application/json", "text/calendar"))
    if status >= 400:
        assert _state() == before


def test_the_matrix_covers_every_operation():
    """Every operation with an id in its path, or under /admin/, is in the table."""
    schema = api.get_openapi_schema()
    needed = {
        (method.upper(), path)
        for path, operations in schema["paths"].items()
        for method in operations
        if "{" in path or "/admin/" in path
    }
    covered = set()
    for method, path, _body, _expected in MATRIX:
        template = path.split("?")[0]
        for name, param in (
            ("{doctor}", "{doctor_id}"),
            ("{unlisted}", "{doctor_id}"),
            ("{appointment}", "{appointment_id}"),
            ("{patient}", "{user_id}"),
        ):
            template = template.replace(name, param)
        covered.add((method, template))
    assert needed - covered == set()
