"""`make run`'s server, `manage.py serve`, serves the pages, the static files and the
live pages' WebSockets from one process, over its in-memory channel layer: a booking
made through it reaches a socket held by it."""

import json
import re
import subprocess
import sys
import time
from datetime import timedelta
from urllib.parse import quote, urlencode

import pytest
from django.utils import timezone
from websockets.exceptions import ConnectionClosed
from websockets.sync.client import connect

from accounts.tests.factories import DEFAULT_PASSWORD, DoctorProfileFactory, PatientFactory
from appion.tests.servers import BASE_DIR, Visitor, database_url, free_port, production_env
from scheduling import selectors
from scheduling.tests.factories import open_every_day

pytestmark = pytest.mark.django_db(transaction=True)
CSRF = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


@pytest.fixture
def serve(tmp_path):
    port = free_port()
    env = production_env(
        DJANGO_SETTINGS_MODULE="appion.tests.server_settings",
        DEBUG="1",
        CONN_MAX_AGE="0",
        DATABASE_URL=database_url(),
    )
    log = tmp_path / "serve.log"
    with open(log, "w") as output:
        server = subprocess.Popen(
            [
                sys.executable,
                *("-m", "appion.tests.clock", "manage.py", "serve", "--noreload"),
                f"127.0.0.1:{port}",
            ],
            cwd=BASE_DIR,
            env=env,
            stdout=output,
            stderr=subprocess.STDOUT,
        )
    try:
        deadline = time.monotonic() + 60
        while True:
            if server.poll() is not None:
                raise AssertionError(f"serve stopped:\n{log.read_text()}")
            try:
                Visitor(port, https=False).get("/healthz")
                break
            except OSError:
                if time.monotonic() > deadline:
                    raise AssertionError(f"serve did not answer:\n{log.read_text()}") from None
                time.sleep(0.2)
        yield port
    finally:
        server.terminate()
        server.wait(timeout=20)


def post(visitor, path, form):
    return visitor.request(
        "POST",
        path,
        body=urlencode(form),
        headers={
            "Content-Type": "application/x-www-form-urlencoded",
            "Origin": f"http://127.0.0.1:{visitor.port}",
        },
    )


def test_serve_answers_pages_static_files_and_sockets(serve):
    doctor = open_every_day(DoctorProfileFactory())
    patient = PatientFactory()
    day = timezone.localdate() + timedelta(days=2)
    slot = selectors.free_slots(doctor, day, day)[day][0]
    visitor = Visitor(serve, https=False)
    origin = f"http://127.0.0.1:{serve}"

    assert visitor.get(f"/doctors/{doctor.pk}/").status == 200
    assert visitor.get("/static/js/live.js").status == 200
    with (
        connect(f"ws://127.0.0.1:{serve}/ws/agenda/", origin=origin) as agenda,
        pytest.raises(ConnectionClosed) as closed,
    ):
        agenda.recv(timeout=2)
    assert closed.value.rcvd.code == 4403

    token = CSRF.search(visitor.get("/accounts/login/").text)[1]
    logged_in = post(
        visitor,
        "/accounts/login/",
        {"username": patient.email, "password": DEFAULT_PASSWORD, "csrfmiddlewaretoken": token},
    )
    assert logged_in.status == 302
    book_path = f"/appointments/book/{doctor.pk}/?start={quote(slot.start.isoformat())}"
    token = CSRF.search(visitor.get(book_path).text)[1]
    with connect(f"ws://127.0.0.1:{serve}/ws/slots/{doctor.pk}/", origin=origin) as slots:
        booked = post(visitor, book_path, {"csrfmiddlewaretoken": token, "symptoms": "Fever"})
        assert booked.status == 302
        assert json.loads(slots.recv(timeout=2)) == {"type": "slots", "day": day.isoformat()}
