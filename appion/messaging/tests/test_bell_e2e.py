"""The bell and the notifications page in Chromium: a booking's in-app line shows as a
count on the bell, at 1280 px in English and at 360 px in Bengali (outside the folded
menu), and opening the list shows it and quiets the bell. Screenshots are kept in
test-results/ (or E2E_SCREENSHOTS)."""

import os
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
