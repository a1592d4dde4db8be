"""Two app servers, one PostgreSQL: fifty patients, logged in over HTTP, post the booking
form for one slot at the same moment, split across two gunicorn servers. One gets it,
forty-nine get the friendly refusal, nobody gets an error."""

import re
import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, time, timedelta
from urllib.parse import quote

import pytest
from django.db import connection
from django.utils import timezone

from accounts.tests.factories import DEFAULT_PASSWORD, DoctorProfileFactory, PatientFactory
from appion.tests.servers import Visitor, gunicorn, production_env
from scheduling.models import Appointment
from scheduling.tests.factories import open_every_day

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="several servers share one PostgreSQL; SQLite serialises writers in one file",
    ),
]

PATIENTS = 50
CSRF = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
# Whichever check sees the slot gone first (the view's, the service's under its
# transaction, or the exclusion constraint), the refusal says the same.
REFUSALS = ("This slot was just taken",)


@pytest.fixture
def two_servers(tmp_path):
    env = production_env(
        DJANGO_SETTINGS_MODULE="appion.tests.server_settings",
        WEB_CONCURRENCY=2,
        GUNICORN_THREADS=4,
        GUNICORN_ACCESS_LOG="",
        # Static files are not the subject here (test_deployment.py serves them hashed).
        STATIC_MANIFEST=0,
    )
    with (
        gunicorn(env, tmp_path / "first.log") as first,
        gunicorn(env, tmp_path / "second.log") as second,
    ):
        yield first, second


def log_in(port, patient, book_path):
    """A patient logs in over HTTP and opens the booking page: a real session, a CSRF
    token from the form."""
    visitor = Visitor(port)
    token = CSRF.search(visitor.get("/accounts/login/").text)[1]
    answer = visitor.post(
        "/accounts/login/",
        {"username": patient.email, "password": DEFAULT_PASSWORD, "csrfmiddlewaretoken": token},
    )
    assert answer.status == 302, answer.text[:500]
    page = visitor.get(book_path)
    assert page.status == 200, page.text[:500]
    return visitor, CSRF.search(page.text)[1]


def test_fifty_patients_on_two_servers_race_for_one_slot(two_servers):
    doctor = open_every_day(DoctorProfileFactory())
    patients = [PatientFactory() for _ in range(PATIENTS)]
    day = timezone.localdate() + timedelta(days=2)
    start = datetime.combine(day, time(10), tzinfo=timezone.get_default_timezone())
    book_path = f"/appointments/book/{doctor.pk}/?start={quote(start.isoformat())}"

    with ThreadPoolExecutor(max_workers=8) as pool:
        ready = list(
            pool.map(lambda n: log_in(two_servers[n % 2], patients[n], book_path), range(PATIENTS))
        )

    barrier = threading.Barrier(PATIENTS)
    answers = [None] * PATIENTS

    def book(n):
        visitor, token = ready[n]
        visitor.connect()
        barrier.wait()
        answers[n] = visitor.post(book_path, {"csrfmiddlewaretoken": token, "symptoms": "Fever"})

    threads = [threading.Thread(target=book, args=(n,)) for n in range(PATIENTS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert [a.status for a in answers if a.status >= 500] == []
    assert Appointment.objects.filter(doctor=doctor).count() == 1
    booked = Appointment.objects.get(doctor=doctor)
    winners = [n for n, a in enumerate(answers) if a["Location"] == f"/appointments/{booked.pk}/"]
    assert [patients[n] for n in winners] == [booked.patient]

    refused = [n for n in range(PATIENTS) if n not in winners]
    assert len(refused) == PATIENTS - 1
    for n in refused:
        assert answers[n].status == 302
        assert answers[n]["Location"].startswith(f"/doctors/{doctor.pk}/")
        visitor, _token = ready[n]
        page = visitor.get(answers[n]["Location"])
        assert page.status == 200
        assert any(message in page.text for message in REFUSALS), page.text[:2000]
    # Both servers took part.
    assert {n % 2 for n in refused} == {0, 1}
