"""Announcements cross processes through Redis, as deployed: the pages are served by
gunicorn and the sockets by uvicorn (appion/tests/servers.py starts both with the
production settings and deploy/'s options, against the test database and one Redis
database), so a booking or a status change saved by one process reaches the sockets
held by the other, as it would on separate hosts. The sockets are real WebSockets over
TCP (the websockets client), so the close codes and the Origin check are the server's."""

import http.client
import json
import re
import shutil
import socket
import ssl
import time
from datetime import timedelta
from urllib.parse import quote

import pytest
import redis
from django.utils import timezone
from websockets.exceptions import ConnectionClosed, InvalidStatus
from websockets.sync.client import connect

from accounts.tests.factories import DEFAULT_PASSWORD, DoctorProfileFactory, PatientFactory
from appion.settings import _channel_layers as channel_layers
from appion.tests.servers import NGINX, Visitor, gunicorn, nginx, production_env, uvicorn
from scheduling import live, selectors
from scheduling.models import Appointment
from scheduling.tests.factories import open_every_day

CHANNEL_LAYERS_URL = "redis://127.0.0.1:6379/7"
ORIGIN = "https://appion.example.com"
WITHIN = 2.0
CSRF = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


def redis_answers():
    try:
        with socket.create_connection(("127.0.0.1", 6379), timeout=1):
            return True
    except OSError:
        return False


pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(not redis_answers(), reason="no Redis on 127.0.0.1:6379"),
]


@pytest.fixture
def servers(tmp_path):
    redis.Redis.from_url(CHANNEL_LAYERS_URL).flushdb()
    env = production_env(
        DJANGO_SETTINGS_MODULE="appion.tests.server_settings",
        CHANNEL_LAYERS_URL=CHANNEL_LAYERS_URL,
        WEB_CONCURRENCY=1,
        GUNICORN_THREADS=2,
        GUNICORN_ACCESS_LOG="",
        STATIC_MANIFEST=0,
    )
    with (
        gunicorn(env, tmp_path / "gunicorn.log") as pages,
        uvicorn(env, tmp_path / "uvicorn.log") as sockets,
    ):
        yield pages, sockets
    redis.Redis.from_url(CHANNEL_LAYERS_URL).flushdb()


def log_in(port, user):
    visitor = Visitor(port)
    token = CSRF.search(visitor.get("/accounts/login/").text)[1]
    answer = visitor.post(
        "/accounts/login/",
        {"username": user.email, "password": DEFAULT_PASSWORD, "csrfmiddlewaretoken": token},
    )
    assert answer.status == 302, answer.text[:500]
    return visitor


def open_socket(port, path, session=None, origin=ORIGIN):
    headers = {"Cookie": f"sessionid={session}"} if session else None
    return connect(
        f"ws://127.0.0.1:{port}{path}", origin=origin, additional_headers=headers, open_timeout=5
    )


def heard(websocket):
    return json.loads(websocket.recv(timeout=WITHIN))


def test_booking_and_status_change_on_gunicorn_reach_sockets_on_uvicorn(servers):
    pages, sockets = servers
    doctor = open_every_day(DoctorProfileFactory())
    patient = PatientFactory()
    day = timezone.localdate() + timedelta(days=2)
    slot = selectors.free_slots(doctor, day, day)[day][0]
    # Sessions made over HTTP: the servers sign them with their own SECRET_KEY.
    doctor_visitor = log_in(pages, doctor.user)
    patient_visitor = log_in(pages, patient)
    book_path = f"/appointments/book/{doctor.pk}/?start={quote(slot.start.isoformat())}"
    token = CSRF.search(patient_visitor.get(book_path).text)[1]
    with (
        open_socket(sockets, f"/ws/slots/{doctor.pk}/") as slots,
        open_socket(sockets, "/ws/agenda/", doctor_visitor.cookies["sessionid"]) as agenda,
    ):
        started = time.monotonic()
        booked = patient_visitor.post(
            book_path, {"csrfmiddlewaretoken": token, "symptoms": "Fever"}
        )
        assert booked.status == 302, booked.text[:500]
        assert heard(slots) == {"type": "slots", "day": day.isoformat()}
        assert heard(agenda) == {"type": "bookings", "day": day.isoformat()}
        assert time.monotonic() - started < WITHIN

    appointment = Appointment.objects.get(doctor=doctor)
    assert booked["Location"] == f"/appointments/{appointment.pk}/"
    path = f"/ws/appointments/{appointment.pk}/"
    with open_socket(sockets, path, patient_visitor.cookies["sessionid"]) as patients_page:
        token = CSRF.search(doctor_visitor.get(f"/portal/appointments/{appointment.pk}/").text)[1]
        started = time.monotonic()
        changed = doctor_visitor.post(
            f"/appointments/{appointment.pk}/status/",
            {"csrfmiddlewaretoken": token, "to": "confirmed"},
        )
        assert changed.status == 302
        assert heard(patients_page) == {"type": "appointment"}
        assert time.monotonic() - started < WITHIN
    appointment.refresh_from_db()
    assert appointment.status == Appointment.Status.CONFIRMED


def test_the_socket_server_refuses_with_4403_and_checks_the_origin(servers):
    _pages, sockets = servers
    doctor = open_every_day(DoctorProfileFactory())

    # Not logged in: accepted, then closed with 4403, which the page does not retry.
    with open_socket(sockets, "/ws/agenda/") as agenda, pytest.raises(ConnectionClosed) as closed:
        agenda.recv(timeout=WITHIN)
    assert closed.value.rcvd.code == 4403

    # Another site's page: the handshake itself is refused.
    for origin in ("https://evil.example", None):
        with pytest.raises(InvalidStatus) as refused:
            open_socket(sockets, f"/ws/slots/{doctor.pk}/", origin=origin)
        assert refused.value.response.status_code == 403


def test_a_frame_over_the_limit_is_closed_by_the_server(servers):
    _pages, sockets = servers
    doctor = open_every_day(DoctorProfileFactory())

    with open_socket(sockets, f"/ws/slots/{doctor.pk}/") as slots:
        slots.send("x" * 10_000)
        with pytest.raises(ConnectionClosed) as closed:
            slots.recv(timeout=WITHIN)
    assert closed.value.rcvd.code == 1009


@pytest.mark.skipif(not NGINX or not shutil.which("openssl"), reason="no nginx or openssl")
def test_nginx_passes_pages_to_gunicorn_and_sockets_to_uvicorn(servers, tmp_path, settings):
    """deploy/nginx.conf as it is, in front of both servers; an announcement published by
    this process through Redis reaches a socket opened through nginx."""
    pages, sockets = servers
    doctor = open_every_day(DoctorProfileFactory())
    day = timezone.localdate() + timedelta(days=1)
    settings.CHANNEL_LAYERS = channel_layers(CHANNEL_LAYERS_URL)
    (tmp_path / "nginx").mkdir()
    tls = ssl.create_default_context()
    tls.check_hostname = False
    tls.verify_mode = ssl.CERT_NONE  # the test's throw-away certificate

    with nginx(tmp_path / "nginx", gunicorn_port=pages, uvicorn_port=sockets) as port:
        page = http.client.HTTPSConnection("127.0.0.1", port, context=tls, timeout=10)
        page.request("GET", "/healthz")
        health = page.getresponse()
        assert (health.status, json.loads(health.read())) == (
            200,
            {"status": "ok", "database": "ok"},
        )
        with connect(
            f"wss://127.0.0.1:{port}/ws/slots/{doctor.pk}/", ssl=tls, origin=ORIGIN, open_timeout=5
        ) as slots:
            live.bookings_changed(doctor_id=doctor.pk, day=day)
            assert heard(slots) == {"type": "slots", "day": day.isoformat()}
        with (
            connect(f"wss://127.0.0.1:{port}/ws/agenda/", ssl=tls, origin=ORIGIN) as agenda,
            pytest.raises(ConnectionClosed) as closed,
        ):
            agenda.recv(timeout=WITHIN)
        assert closed.value.rcvd.code == 4403
