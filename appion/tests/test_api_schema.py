"""The REST API holds to its own OpenAPI document, as Schemathesis (a client none of us
wrote) sees it.

Schemathesis reads /api/v1/openapi.json from the app and, for every operation in it (so
an endpoint added later is covered without a line here), generates requests: valid ones
and ones that break the document (wrong types, missing and extra fields, odd strings and
numbers, bodies of another shape). Each is sent through WSGI to the app in this process,
as a visitor, a patient, a doctor and staff (bearer tokens), to a small clinic
(appion/tests/world.py); a visitor sometimes sends a token that is not one. Ids, dates,
statuses and the fields of a login, a registration, a profile or a schedule are often
replaced by real ones (real_values), so that requests reach the objects and the services
behind them, not only the 404s and 422s. For every response:

- it is not a server error (5xx);
- its status code is one the document names for the operation, and its content type and
  body are the ones documented for that status.

FUZZ_API_EXAMPLES (default 5) sets the generated examples per operation and role;
`make fuzz-api` runs many more and prints a summary. Generation is derandomized (the same
requests on every run), so CI does not flake. Each example runs in a savepoint that is
rolled back, with the cache emptied first, so examples are independent and a failure
shrinks to a small case; the on-commit callbacks (emails) run inside it."""

import os
import time
from collections import Counter, defaultdict
from datetime import timedelta

import pytest
import schemathesis
from django.core.cache import cache
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections, transaction
from django.utils import timezone
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from accounts import tokens
from accounts.tests.api_client import bearer
from accounts.tests.factories import DEFAULT_PASSWORD
from appion.tests.world import build_world
from scheduling.models import Appointment

EXAMPLES = int(os.environ.get("FUZZ_API_EXAMPLES", "5"))
NEW_PASSWORD = "Str0ng#Pass2026"
ROLES = ("anonymous", "patient", "doctor", "staff")
SCHEMA_PATH = "/api/v1/openapi.json"

schema = schemathesis.openapi.from_wsgi(
    SCHEMA_PATH,
    get_wsgi_application(),
    config=schemathesis.Config.from_dict(
        {
            "seed": 16,
            # The Authorization header is the test's (below), not generated: generated
            # ones turn most of an authenticated role's requests into 401s.
            "generation": {
                "deterministic": True,
                "database": "none",
                "with-security-parameters": False,
            },
            # The coverage phase sends hundreds of boundary cases per operation: too slow
            # for `make test` on two cores.
            "phases": {"coverage": {"enabled": False}},
        }
    ),
)

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]

# Responses by operation and status, for `make fuzz-api`'s summary.
STATUSES = defaultdict(Counter)


def real_values(world, user):
    """For each parameter or body field name, real values from the world that it may be
    given instead of a generated one."""
    today = timezone.localdate()
    days = [today + timedelta(days=n) for n in (-1, 0, 3, 40)]
    places = {
        "division": [world.division.pk],
        "district": [world.district.pk],
        "thana": [world.thana.pk],
    }
    return {
        "doctor_id": [world.doctor.pk, world.unverified_doctor.pk],
        "appointment_id": [world.pending.pk, world.completed.pk, world.other_appointment.pk],
        "user_id": [world.patient.pk, world.other_patient.pk, world.doctor.user_id],
        "patient_id": [world.patient.pk, world.other_patient.pk],
        **places,
        **{f"{name}_id": ids for name, ids in places.items()},
        "specialization": [world.specialization.pk, world.specialization.name],
        "appointment_datetime": [world.free_start],
        "status": list(Appointment.Status.values),
        "date": [day.isoformat() for day in days],
        "start_date": [day.isoformat() for day in days],
        "end_date": [day.isoformat() for day in days],
        "username": [world.patient.email, world.doctor.user.mobile],
        "password": [DEFAULT_PASSWORD, NEW_PASSWORD],
        "old_password": [DEFAULT_PASSWORD],
        "new_password": [NEW_PASSWORD],
        "refresh_token": [tokens.issue(user or world.patient, kind=tokens.REFRESH)[0]],
        "full_name": ["Rahima Khatun"],
        "email": ["new.person@example.com"],
        "mobile": ["01812345678", "০১৮১২৩৪৫৬৭৯"],
        "date_of_birth": ["1990-05-17"],
        "gender": ["female"],
        "blood_group": ["O+"],
        "is_active": [True, False],
        "license_number": ["A-77777"],
        "qualifications": ["MBBS, FCPS (Medicine)"],
        "experience_years": ["12"],
        "consultation_fee": ["700", 650],
        "available_timeslots": ["09:00-12:00,14:00-17:00", "", {"saturday": "10:00-13:00"}],
        "days": [["saturday", "monday"]],
        "chamber_name": ["Popular Diagnostic Centre"],
        "chamber_address": ["House 16, Road 2, Dhanmondi"],
    }


def use_real_values(case, draw, values):
    """Give most of the case's parameters and top-level body fields that have real values
    one of them (a third keep what Schemathesis generated)."""
    containers = [case.path_parameters, case.query]
    if isinstance(case.body, dict):
        containers.append(case.body)
    for container in containers:
        for name in sorted(container or {}):
            if name in values and draw(st.integers(0, 2)):
                container[name] = draw(st.sampled_from(values[name]))


# A visitor's Authorization header: none, or a token that is not one.
NOT_A_TOKEN = st.one_of(
    st.none(),
    st.text(st.characters(min_codepoint=33, max_codepoint=126), max_size=300),
    st.just("eyJhbGciOiJub25lIn0.eyJzdWIiOiIxIn0."),
)


@pytest.fixture
def world(db):
    return build_world()


@pytest.fixture(autouse=True)
def _one_connection():
    """Keep the test's database connection across the requests, as Django's test client
    does: a WSGI request ends by closing connections that are inside a transaction."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture(scope="module", autouse=True)
def _tally(request):
    """With FUZZ_API_EXAMPLES set (`make fuzz-api`), say what was sent."""
    started = time.monotonic()
    yield
    if "FUZZ_API_EXAMPLES" in os.environ:
        total = sum(STATUSES.values(), Counter())
        capture = request.config.pluginmanager.get_plugin("capturemanager")
        with capture.global_and_fixture_disabled():
            print("\n\nAPI fuzz, responses by operation (all roles) and status:")
            for label, statuses in sorted(STATUSES.items()):
                print(f"  {label}: {dict(sorted(statuses.items()))}")
            print(
                f"API fuzz: {len(STATUSES)} operations x {len(ROLES)} roles, {EXAMPLES} "
                f"examples each: {total.total()} requests in {time.monotonic() - started:.0f} s, "
                f"by status {dict(sorted(total.items()))}"
            )


@pytest.mark.parametrize("role", ROLES)
@schema.parametrize()
@schema.given(data=st.data())
@settings(
    max_examples=EXAMPLES,
    derandomize=True,
    database=None,
    deadline=None,
    # The world is built once per operation and role; each example rolls back its changes.
    suppress_health_check=list(HealthCheck),
)
def test_api_answers_as_documented(case, data, role, world, django_capture_on_commit_callbacks):
    user = world.user(role)
    headers = {}
    if user is not None:
        headers["Authorization"] = bearer(user)["HTTP_AUTHORIZATION"]
    elif (token := data.draw(NOT_A_TOKEN)) is not None:
        headers["Authorization"] = f"Bearer {token}"
    use_real_values(case, data.draw, real_values(world, user))
    with transaction.atomic():
        cache.clear()
        with django_capture_on_commit_callbacks(execute=True):
            response = case.call(headers=headers)
        STATUSES[case.operation.label][response.status_code] += 1
        transaction.set_rollback(True)
    case.validate_response(response, checks=CHECKS, headers=headers)
