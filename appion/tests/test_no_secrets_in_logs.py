"""Passwords, symptoms, visit notes and the secrets of calendar feeds never reach the
logs, the audit log, django-axes' records or error reports."""

import logging
import re
from datetime import timedelta

import pytest
from axes.models import AccessAttempt, AccessFailureLog, AccessLog
from django.core import mail
from django.db import connection
from django.test import Client
from django.utils import timezone
from django.views.debug import SafeExceptionReporterFilter

from accounts.models import AuditEntry, CalendarFeed, User
from accounts.tests.factories import DoctorProfileFactory, PatientFactory
from locations.tests.factories import ThanaFactory
from scheduling.tests.factories import AppointmentFactory, open_every_day

pytestmark = pytest.mark.django_db

PASSWORD = "Secret#Reg-7781"
WRONG_PASSWORD = "Wrong#Guess-5512"
NEW_PASSWORD = "Secret#New-8842"
RESET_PASSWORD = "Secret#Reset-6615"
SYMPTOMS = "জ্বর-SYMPTOM-4471"
PATIENT_NOTES = "NOTE-FOR-DOCTOR-7713"
DIAGNOSIS = "DIAGNOSIS-9931"
PRESCRIPTION = "PRESCRIPTION-2207"
ADVICE = "ADVICE-3391"
SECRETS = [
    PASSWORD,
    WRONG_PASSWORD,
    NEW_PASSWORD,
    RESET_PASSWORD,
    SYMPTOMS,
    PATIENT_NOTES,
    DIAGNOSIS,
    PRESCRIPTION,
    ADVICE,
]


@pytest.fixture
def everything_logged(caplog):
    """Capture every record at DEBUG, as with LOG_LEVEL=DEBUG, with SQL statements
    logged as DEBUG=True would (the settings must keep them out)."""
    for name in (None, "appion", "django", "axes"):
        caplog.set_level(logging.DEBUG, logger=name)
    connection.force_debug_cursor = True
    yield caplog
    connection.force_debug_cursor = False


def everything_in(records):
    formatter = logging.Formatter()
    return "\n".join(formatter.format(record) + repr(record.__dict__) for record in records)


def stored_records():
    return repr(
        [
            list(AuditEntry.objects.values()),
            list(AccessAttempt.objects.values()),
            list(AccessFailureLog.objects.values()),
            list(AccessLog.objects.values()),
        ]
    )


def test_secrets_never_reach_logs_or_audit_entries(client, everything_logged):
    thana = ThanaFactory()
    doctor = open_every_day(DoctorProfileFactory())
    register = client.post(
        "/accounts/register/patient/",
        {
            "full_name": "Rahima Begum",
            "email": "rahima@example.com",
            "mobile": "01712345678",
            "password1": PASSWORD,
            "password2": PASSWORD,
            "division": thana.district.division_id,
            "district": thana.district_id,
            "thana": thana.pk,
        },
    )
    assert register.status_code == 302
    client.post("/accounts/logout/")
    failed = client.post(
        "/accounts/login/", {"username": "rahima@example.com", "password": WRONG_PASSWORD}
    )
    assert failed.status_code == 200
    assert (
        client.post(
            "/accounts/login/", {"username": "rahima@example.com", "password": PASSWORD}
        ).status_code
        == 302
    )

    day = (timezone.localdate() + timedelta(days=2)).isoformat()
    slots = client.get(f"/doctors/{doctor.pk}/slots/", {"date": day}).content.decode()
    start = re.search(r"start=([^\"&]+)", slots).group(1)
    booked = client.post(
        f"/appointments/book/{doctor.pk}/?start={start}",
        {"symptoms": SYMPTOMS, "notes": PATIENT_NOTES},
    )
    assert booked.status_code == 302

    changed = client.post(
        "/accounts/password/change/",
        {"old_password": PASSWORD, "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
    )
    assert changed.status_code == 302
    client.post("/accounts/password/reset/", {"email": "rahima@example.com"})
    link = re.search(r"/accounts/password/reset/\S+/\S+/", mail.outbox[-1].body).group(0)
    anonymous = Client()
    form_url = anonymous.get(link).url
    reset = anonymous.post(
        form_url, {"new_password1": RESET_PASSWORD, "new_password2": RESET_PASSWORD}
    )
    assert reset.status_code == 302

    patient = User.objects.get(email="rahima@example.com")
    completed = AppointmentFactory(
        doctor=doctor,
        patient=patient,
        start=timezone.now() - timedelta(days=1),
        status="completed",
    )
    client.force_login(doctor.user)
    client.post(
        f"/portal/appointments/{completed.pk}/notes/",
        {
            "notes-diagnosis": DIAGNOSIS,
            "notes-prescription": PRESCRIPTION,
            "notes-advice": ADVICE,
        },
    )
    client.force_login(patient)
    exported = client.get("/accounts/profile/data/").content.decode()
    assert SYMPTOMS in exported and DIAGNOSIS in exported  # the data did flow

    logged = everything_in(everything_logged.records)
    assert "AXES: New login failure" in logged  # the capture works
    assert not logging.getLogger("django.db.backends").isEnabledFor(logging.DEBUG)
    stored = stored_records()
    assert AuditEntry.objects.filter(action="login_failed").count() == 1
    for secret in SECRETS:
        assert secret not in logged, secret
        assert secret not in stored, secret


@pytest.mark.parametrize(
    "url, data",
    [
        ("/accounts/register/patient/", {"password1": PASSWORD, "password2": PASSWORD}),
        ("/accounts/register/doctor/", {"password1": PASSWORD, "password2": PASSWORD}),
        ("/appointments/book/{doctor}/", {"symptoms": SYMPTOMS, "notes": PATIENT_NOTES}),
        ("/portal/appointments/{appointment}/notes/", {"notes-diagnosis": DIAGNOSIS}),
        ("/accounts/profile/email/", {"current_password": PASSWORD}),
        ("/accounts/login/", {"username": "x@example.com", "password": PASSWORD}),
        ("/accounts/password/change/", {"old_password": PASSWORD}),
    ],
)
def test_error_reports_hide_what_was_posted(client, url, data):
    doctor = DoctorProfileFactory()
    appointment = AppointmentFactory(doctor=doctor, start=timezone.now(), status="completed")
    if "register" not in url and "login" not in url:
        client.force_login(doctor.user if "portal" in url else appointment.patient)
    response = client.post(url.format(doctor=doctor.pk, appointment=appointment.pk), data)

    shown = SafeExceptionReporterFilter().get_post_parameters(response.wsgi_request)
    assert shown  # what an error report would show for this request
    for value in data.values():
        if value != "x@example.com":
            assert value not in repr(shown)


def test_a_calendar_feeds_secret_never_reaches_logs_or_audit_entries(
    client, everything_logged, settings
):
    settings.APPION_RATE_CALENDAR_FEED = "3/h"
    patient = PatientFactory()
    AppointmentFactory(patient=patient, start=timezone.now() + timedelta(days=1))
    client.force_login(patient)
    client.post("/accounts/profile/calendar/")
    replaced = CalendarFeed.objects.get(user=patient).secret
    client.post("/accounts/profile/calendar/")
    current = CalendarFeed.objects.get(user=patient).secret
    calendar_app = Client()

    statuses = [
        calendar_app.get(f"/calendar/{current}.ics").status_code,
        calendar_app.get(f"/calendar/{replaced}.ics").status_code,
        calendar_app.get(f"/calendar/{current}.ics").status_code,
        calendar_app.get(f"/calendar/{current}.ics").status_code,  # over the limit
    ]

    assert statuses == [200, 404, 200, 429]
    logged = everything_in(everything_logged.records)
    assert "Not Found: /calendar/[secret].ics" in logged  # the capture works
    assert "Too Many Requests: /calendar/[secret].ics" in logged
    stored = stored_records()
    assert AuditEntry.objects.filter(action="calendar_feed_fetch").count() == 1
    for secret in (current, replaced):
        assert secret not in logged and secret[:12] not in logged
        assert secret not in stored and secret[:12] not in stored
