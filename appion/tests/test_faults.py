"""Faults: the database going away, the mail server failing (the messages wait in the
outbox), a request killed in the middle of its transaction. PostgreSQL-only cases skip
on SQLite, saying why."""

import logging
import smtplib
import socket
from datetime import datetime, time, timedelta
from unittest import mock
from urllib.parse import quote

import psycopg
import pytest
import time_machine
from django.core import mail
from django.core.handlers.wsgi import WSGIHandler
from django.core.mail.backends.base import BaseEmailBackend
from django.db import DatabaseError, OperationalError, connection
from django.test import Client, RequestFactory
from django.utils import timezone

from accounts.tests.factories import DoctorProfileFactory, PatientFactory
from appion.messaging.models import OutboxMessage
from scheduling.models import Appointment, AppointmentEvent
from scheduling.tests.factories import AppointmentFactory, open_every_day

DAY = timezone.localdate() + timedelta(days=2)
START = datetime.combine(DAY, time(10), tzinfo=timezone.get_default_timezone())
BOOK_URL = "/appointments/book/{}/?start=" + quote(START.isoformat())

postgresql_only = pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="needs PostgreSQL: a server to end connections and to point away from",
)


def wsgi_get(path, **extra):
    """GET `path` through Django's WSGI handler as a server would run it: unlike the test
    client, it closes unusable connections when a request starts and ends."""
    environ = RequestFactory().get(path, **extra).environ
    status = []
    body = WSGIHandler()(environ, lambda line, headers: status.append(line))
    content = b"".join(body)
    body.close()
    return int(status[0].split()[0]), content.decode()


# The database going away.


@pytest.mark.django_db
def test_a_page_shows_the_503_page_while_the_database_does_not_answer():
    client = Client(raise_request_exception=False)
    with mock.patch(
        "django.db.backends.utils.CursorWrapper.execute",
        side_effect=OperationalError("connection refused"),
    ):
        response = client.get("/doctors/")
        in_bengali = client.get("/doctors/", headers={"accept-language": "bn"})

    assert response.status_code == 503
    assert response["Retry-After"] == "30"
    page = response.content.decode()
    assert "The service is briefly unavailable" in page
    assert "Traceback" not in page and "OperationalError" not in page
    assert in_bengali.status_code == 503
    assert "সেবাটি সাময়িকভাবে বন্ধ" in in_bengali.content.decode()


@pytest.mark.django_db
def test_a_connection_error_while_the_database_answers_stays_a_logged_500(caplog):
    # e.g. SQLite's "LIKE or GLOB pattern too complex": a bug to fix, not an outage.
    client = Client(raise_request_exception=False)
    with mock.patch(
        "scheduling.views.directory.selectors.search_doctors",
        side_effect=OperationalError("LIKE or GLOB pattern too complex"),
    ):
        response = client.get("/doctors/")

    assert response.status_code == 500
    assert "Something went wrong on our side" in response.content.decode()
    assert any(record.levelno == logging.ERROR and record.exc_info for record in caplog.records)


@pytest.mark.django_db
def test_other_database_errors_are_not_taken_for_an_outage():
    client = Client(raise_request_exception=False)
    with mock.patch(
        "scheduling.views.directory.selectors.search_doctors",
        side_effect=DatabaseError("bad query"),
    ):
        assert client.get("/doctors/").status_code == 500


def _terminate(pid):
    """End the server process of another connection, as a restarting server would."""
    settings = connection.settings_dict
    with psycopg.connect(
        dbname=settings["NAME"],
        user=settings["USER"],
        password=settings["PASSWORD"] or None,
        host=settings["HOST"],
        port=settings["PORT"] or 5432,
        autocommit=True,
    ) as admin:
        admin.execute("SELECT pg_terminate_backend(%s)", [pid])


def _closed_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@postgresql_only
@pytest.mark.django_db(transaction=True)
def test_pages_answer_503_while_postgresql_is_away_and_recover_without_a_restart():
    doctor = open_every_day(DoctorProfileFactory())
    assert wsgi_get("/doctors/")[0] == 200

    # The server ends the connection between two requests: the health check at the next
    # request notices it and connects afresh.
    _terminate(connection.connection.info.backend_pid)
    assert wsgi_get("/doctors/")[0] == 200

    # The server cannot be reached at all.
    port = connection.settings_dict["PORT"]
    connection.settings_dict["PORT"] = _closed_port()
    try:
        connection.close()
        for path in ("/", "/doctors/", f"/doctors/{doctor.pk}/"):
            status, page = wsgi_get(path)
            assert status == 503, path
            assert "The service is briefly unavailable" in page
        status, page = wsgi_get("/healthz")
        assert status == 503
        assert '"database": "unavailable"' in page
    finally:
        connection.settings_dict["PORT"] = port

    # It is back: the next requests are served, with no restart.
    assert wsgi_get("/healthz")[0] == 200
    status, page = wsgi_get("/doctors/")
    assert status == 200
    assert "briefly unavailable" not in page


# The mail server failing.


class RefusingEmailBackend(BaseEmailBackend):
    """A mail server that cannot be reached, or refuses the message."""

    attempts = 0
    error = ConnectionRefusedError(111, "Connection refused")

    def send_messages(self, messages):
        type(self).attempts += 1
        raise self.error


@pytest.fixture
def refusing_mail(settings):
    settings.EMAIL_BACKEND = "appion.tests.test_faults.RefusingEmailBackend"
    RefusingEmailBackend.attempts = 0
    yield RefusingEmailBackend
    RefusingEmailBackend.error = ConnectionRefusedError(111, "Connection refused")


@pytest.mark.django_db
def test_a_booking_stands_when_the_mail_server_is_down_and_its_emails_wait(
    client, refusing_mail, settings, send_outbox, django_capture_on_commit_callbacks
):
    doctor = open_every_day(DoctorProfileFactory())
    patient = PatientFactory()
    client.force_login(patient)

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(BOOK_URL.format(doctor.pk), {"symptoms": "Fever"})
    appointment = Appointment.objects.get()
    assert response.status_code == 302
    assert response.url == f"/appointments/{appointment.pk}/"
    assert refusing_mail.attempts == 0  # the request only writes to the outbox

    assert send_outbox() == {"sent": 0, "retry": 2, "failed": 0}
    assert refusing_mail.attempts == 2  # the patient's and the doctor's
    waiting = OutboxMessage.objects.filter(channel="email")
    assert sorted(waiting.values_list("address", flat=True)) == sorted(
        [patient.email, doctor.user.email]
    )
    for message in waiting:
        assert (message.status, message.attempts) == ("pending", 1)
        assert message.last_error.startswith("ConnectionRefusedError")
        assert message.next_attempt_at > timezone.now()
    assert appointment.events.count() == 1
    page = client.get(response.url).content.decode()
    assert f"Serial {appointment.serial}" in page

    # The mail server is back; after the backoff the emails go out, once each.
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    with time_machine.travel(timezone.now() + timedelta(minutes=2)):
        assert send_outbox() == {"sent": 2, "retry": 0, "failed": 0}
    assert sorted(m.to[0] for m in mail.outbox) == sorted([patient.email, doctor.user.email])
    assert set(waiting.values_list("status", flat=True)) == {"sent"}


@pytest.mark.django_db
def test_a_status_change_stands_when_the_mail_server_refuses(
    client, refusing_mail, send_outbox, django_capture_on_commit_callbacks
):
    refusing_mail.error = smtplib.SMTPRecipientsRefused({"x@example.com": (550, b"no")})
    doctor = open_every_day(DoctorProfileFactory())
    appointment = AppointmentFactory(doctor=doctor, start=START, status="pending")
    client.force_login(doctor.user)

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"/appointments/{appointment.pk}/status/", {"to": "confirmed"})
    send_outbox()

    appointment.refresh_from_db()
    assert appointment.status == "confirmed"
    assert appointment.events.get().to_status == "confirmed"
    assert refusing_mail.attempts == 1
    message = OutboxMessage.objects.get(kind="confirmed")
    assert (message.status, message.attempts) == ("pending", 1)
    assert "SMTPRecipientsRefused" in message.last_error
    page = client.get(response.url).content.decode()
    assert "The appointment is now confirmed." in page


# A request killed in the middle of its transaction.


@pytest.mark.django_db
def test_a_booking_whose_first_event_fails_leaves_no_appointment(client):
    doctor = open_every_day(DoctorProfileFactory())
    client = Client(raise_request_exception=False)
    client.force_login(PatientFactory())

    with mock.patch.object(
        AppointmentEvent.objects, "create", side_effect=OperationalError("server closed")
    ):
        response = client.post(BOOK_URL.format(doctor.pk), {"symptoms": "Fever"})

    assert response.status_code == 500  # the database still answers: not an outage
    assert not Appointment.objects.exists()
    assert not AppointmentEvent.objects.exists()


@postgresql_only
@pytest.mark.django_db(transaction=True)
def test_a_booking_killed_mid_transaction_leaves_no_appointment():
    doctor = open_every_day(DoctorProfileFactory())
    client = Client(raise_request_exception=False)
    client.force_login(PatientFactory())
    create_event = AppointmentEvent.objects.create
    inserted = []

    def kill_then_create(**fields):
        # The appointment row is written; the server process dies before the event is.
        inserted.append(Appointment.objects.filter(pk=fields["appointment"].pk).exists())
        _terminate(connection.connection.info.backend_pid)
        return create_event(**fields)

    with mock.patch.object(AppointmentEvent.objects, "create", side_effect=kill_then_create):
        response = client.post(BOOK_URL.format(doctor.pk), {"symptoms": "Fever"})

    assert inserted == [True]
    assert response.status_code in (500, 503)
    connection.close()
    assert not Appointment.objects.exists()
    assert not AppointmentEvent.objects.exists()
    # The next booking goes through on a fresh connection.
    client.post(BOOK_URL.format(doctor.pk), {"symptoms": "Fever"})
    assert Appointment.objects.get().events.count() == 1
