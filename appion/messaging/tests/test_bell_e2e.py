"""The bell and the notifications page in Chromium: a booking's in-app line shows as a
count on the bell, at 1280 px in English and at 360 px in Bengali (outside the folded
menu), and opening the list shows it and quiets the bell. Screenshots are kept in
test-results/ (or E2E_SCREENSHOTS)."""

import os
import time as time_module
from datetime import datetime, time, timedelta
from pathlib import Path

import pytest
from django.test import Client
from django.utils import timezone

from accounts.tests.factories import DoctorProfileFactory, PatientFactory
from scheduling import services
from scheduling.tests.factories import open_every_day

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

SHOTS = Path(os.environ.get("E2E_SCREENSHOTS") or "test-results")


def cookie(user):
    client = Client()
    client.force_login(user)
    return {"sessionid": client.cookies["sessionid"].value}


@pytest.fixture
def patient_cookie():
    doctor = open_every_day(DoctorProfileFactory(user__full_name="Dr. Nasima Haque"))
    patient = PatientFactory(full_name="Rokeya Sultana")
    for days in (2, 3):
        start = datetime.combine(
            timezone.localdate() + timedelta(days=days),
            time(10),
            tzinfo=timezone.get_default_timezone(),
        )
        appointment = services.book_appointment(patient=patient, doctor=doctor, start=start)
    services.change_status(appointment=appointment, to="confirmed", by=doctor.user)
    client = Client()
    client.force_login(patient)
    return {"sessionid": client.cookies["sessionid"].value}


@pytest.mark.parametrize(
    "language, width, height, count, heading",
    [("en", 1280, 800, "3", "Notifications"), ("bn", 360, 740, "৩", None)],
)
def test_the_bell_counts_and_the_list_opens(
    patient_cookie, open_page, language, width, height, count, heading
):
    SHOTS.mkdir(exist_ok=True)
    page = open_page(
        "/appointments/", language=language, width=width, height=height, cookies=patient_cookie
    )
    bell = page.locator("a.nav-bell")
    assert bell.is_visible()  # on a phone too: it is not folded into the menu
    assert bell.locator(".nav-bell-count span[aria-hidden=true]").inner_text() == count
    page.screenshot(path=str(SHOTS / f"bell-{language}-{width}.png"))

    bell.click()
    page.wait_for_url("**/notifications/")
    items = page.locator(".notification-list li")
    assert items.count() == 3
    assert "Confirmed" in items.first.inner_text() or language == "bn"
    assert page.locator("a.nav-bell .badge").count() == 0
    if heading:
        assert page.locator("h1").inner_text() == heading
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    page.screenshot(path=str(SHOTS / f"notifications-{language}-{width}.png"), full_page=True)


@pytest.fixture
def booked():
    """A patient's pending booking (one line on their bell), and both sessions. Made
    before Playwright starts (Django refuses queries in its loop)."""
    doctor = open_every_day(DoctorProfileFactory(user__full_name="Dr. Nasima Haque"))
    patient = PatientFactory(full_name="Rokeya Sultana")
    start = datetime.combine(
        timezone.localdate() + timedelta(days=2), time(10), tzinfo=timezone.get_default_timezone()
    )
    services.book_appointment(patient=patient, doctor=doctor, start=start)
    return cookie(patient), cookie(doctor.user)


def test_the_patients_bell_counts_the_doctors_confirmation_without_a_reload(booked, open_page):
    """A patient's page is open; the doctor confirms the booking on their portal, and
    within 2 s the patient's bell counts the new line (over the bell's socket: the bell
    also polls, but only every 30 s)."""
    patient_cookie, doctor_cookie = booked
    page = open_page("/appointments/", language="bn", width=360, height=740, cookies=patient_cookie)
    frames = []
    page.on(
        "websocket",
        lambda socket: socket.on("framereceived", lambda payload: frames.append(payload)),
    )
    page.reload()
    page.wait_for_selector("#nav-bell[data-live-open]")
    assert page.locator("#nav-bell .nav-bell-count span[aria-hidden=true]").inner_text() == "১"
    requests = []
    page.on("request", lambda request: requests.append(request.url))

    portal = open_page("/portal/", cookies=doctor_cookie)
    started = time_module.monotonic()
    portal.get_by_role("button", name="Confirm").click()

    page.wait_for_selector(
        "#nav-bell .nav-bell-count span[aria-hidden=true]:text-is('২')", timeout=2000
    )
    assert time_module.monotonic() - started < 2
    bell = page.locator("#nav-bell")
    assert "২" in bell.locator(".visually-hidden").last.inner_text()
    assert '{"type":"notifications"}' in frames
    # No reload: the page fetched the bell alone, and the new bell is live in its turn.
    assert [url for url in requests if "/notifications/bell/" not in url] == []
    page.wait_for_selector("#nav-bell[data-live-open]")
    portal.wait_for_selector(".alert")
