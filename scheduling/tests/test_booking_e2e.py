"""The key journey in Debian's Chromium: search → doctor → day (htmx) → slot → log in and
confirm on one page; in Bengali on a phone-sized screen and in English on a desktop one.
Console errors and CSP violations fail the test (`open_page`)."""

from datetime import timedelta

import pytest
from django.utils import timezone

from accounts.tests.factories import DEFAULT_PASSWORD, DoctorProfileFactory, PatientFactory
from scheduling.tests.factories import open_every_day

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def people():
    doctor = open_every_day(
        DoctorProfileFactory(user__full_name="Dr. Nasima Haque", chamber_address="Road 27")
    )
    patient = PatientFactory(email="rokeya@example.com")
    return doctor, patient


@pytest.mark.parametrize(
    "language, width, height, serial", [("bn", 360, 740, "সিরিয়াল ২"), ("en", 1280, 800, "Serial 2")]
)
def test_patient_books_a_slot_in_the_browser(
    people, open_page, live_server, language, width, height, serial
):
    # `people` comes first: the database is filled before Playwright starts its event loop.
    doctor, patient = people
    day = timezone.localdate() + timedelta(days=2)
    page = open_page(None, language=language, width=width, height=height)
    loads = []
    page.on("load", lambda: loads.append(page.url))
    page.goto(live_server.url + "/doctors/?q=Nasima")
    # No page is wider than the screen.
    assert page.evaluate("() => document.documentElement.scrollWidth") <= width
    page.locator(".doctor-card a").first.click()
    page.fill("#slot-date", day.isoformat())
    page.locator("#slot-date").dispatch_event("change")
    # The list first shows the page's own day: wait for the swap to the chosen one.
    page.wait_for_selector(f"#slot-list a.btn[href*='start={day.isoformat()}']")
    page.locator("#slot-list a.btn").nth(1).click()

    # The booking page itself asks a visitor to log in (or register), in the same form.
    page.check("input[name=account][value=existing]")
    assert not page.locator("#id_full_name").is_visible()
    page.fill("#id_username", patient.email)
    page.fill("#id_password", DEFAULT_PASSWORD)
    page.fill("#id_symptoms", "Fever for two days")
    page.locator("form.card button[type=submit]").click()

    page.wait_for_selector(f"h1:has-text('{serial}')")
    assert "Road 27" in page.content()
    assert "/appointments/" in page.url
    # Results → doctor page (the day's slots by htmx) → book and log in → confirmation:
    # from the home page one load more than through the times on the directory's cards.
    page.wait_for_load_state("load")
    assert len(loads) == 4, loads
    assert page.evaluate("() => document.documentElement.scrollWidth") <= width
