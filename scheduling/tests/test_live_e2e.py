"""Live updates in Chromium, with two pages open on the live server (appion.asgi on
uvicorn: conftest's `live_server`): what one person does shows on the other's page
within 2 seconds, over the page's WebSocket, without a reload. The pages also poll every
30 s, so a change seen within 2 s came over the socket; the frames are checked too.

To write another such test (the queue's Call next, the patient's page, the screen): fill
the database first, take session cookies with `cookie(user)`, open each page with
`open_page(path, cookies=...)`, act in one page and wait on the other with a 2 s
timeout. Changes must be made through the server (a page), where the in-memory channel
layer is."""

import json
import time
from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from accounts.tests.factories import DoctorProfileFactory, PatientFactory
from scheduling import selectors
from scheduling.tests.factories import open_every_day

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

WITHIN = 2.0


def cookie(user):
    client = Client()
    client.force_login(user)
    return {"sessionid": client.cookies["sessionid"].value}


def frames_of(page):
    """The text frames that `page`'s WebSockets receive, as parsed JSON."""
    frames = []
    page.on(
        "websocket",
        lambda socket: socket.on(
            "framereceived", lambda payload: frames.append(json.loads(payload))
        ),
    )
    return frames


@pytest.fixture
def clinic():
    """A doctor open every day and two patients; the day two days ahead and its first
    free slot. Made before Playwright starts (Django refuses queries in its loop)."""
    doctor = open_every_day(DoctorProfileFactory(user__full_name="Dr. Nasima Haque"))
    patient = PatientFactory(full_name="Rokeya Sultana")
    day = timezone.localdate() + timedelta(days=2)
    slot = selectors.free_slots(doctor, day, day)[day][0]
    return {
        "doctor": doctor,
        "day": day,
        "slot": slot,
        "patient": cookie(patient),
        "doctor_cookie": cookie(doctor.user),
    }


def test_a_booking_greys_out_the_slot_on_an_open_slot_list(clinic, open_page, live_server):
    doctor, day = clinic["doctor"], clinic["day"]
    # A visitor in Bengali on a phone looks at the day's slots.
    watcher = open_page(None, language="bn", width=360, height=740)
    frames = frames_of(watcher)
    watcher.goto(f"{live_server.url}/doctors/{doctor.pk}/?date={day.isoformat()}")
    first_free = watcher.locator("#slot-list a.btn").first
    href = first_free.get_attribute("href")
    assert f"start={clinic['slot'].start_param}" in href
    taken_before = watcher.locator("#slot-list .slot-taken").count()
    # live.js marks the region once its socket is open.
    watcher.wait_for_selector("#slot-list[data-live-open]")

    # Another patient books that very slot on their own page.
    booker = open_page(href, cookies=clinic["patient"])
    booker.fill("#id_symptoms", "Fever for two days")
    started = time.monotonic()
    booker.get_by_role("button", name="Book this slot").click()

    watcher.wait_for_selector(
        f"#slot-list a[href='{href}']", state="detached", timeout=WITHIN * 1000
    )
    elapsed = time.monotonic() - started
    assert elapsed < WITHIN
    assert watcher.locator("#slot-list .slot-taken").count() == taken_before + 1
    assert {"type": "slots", "day": day.isoformat()} in frames
    # The fragment swapped in is live too, and the booker has their confirmation.
    watcher.wait_for_selector("#slot-list[data-live-open]")
    booker.wait_for_selector("h1:has-text('Serial')")


def test_a_booking_shows_on_the_doctors_open_agenda(clinic, open_page, live_server):
    doctor, day = clinic["doctor"], clinic["day"]
    agenda = open_page(None, cookies=clinic["doctor_cookie"])
    frames = frames_of(agenda)
    agenda.goto(f"{live_server.url}/portal/agenda/?date={day.isoformat()}")
    assert "Rokeya Sultana" not in agenda.content()
    agenda.wait_for_selector("#agenda-live[data-live-open]")

    booker = open_page(
        f"/appointments/book/{doctor.pk}/?start={clinic['slot'].start_param}",
        language="bn",
        width=360,
        height=740,
        cookies=clinic["patient"],
    )
    booker.fill("#id_symptoms", "জ্বর")
    started = time.monotonic()
    booker.locator("form.card button[type=submit]").click()

    agenda.wait_for_selector("#agenda-live :text('Rokeya Sultana')", timeout=WITHIN * 1000)
    assert time.monotonic() - started < WITHIN
    assert {"type": "bookings", "day": day.isoformat()} in frames
