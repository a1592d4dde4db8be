"""The key journey in Debian's Chromium: search → doctor → day (htmx) → slot → log in →
confirm; in Bengali on a phone-sized screen and in English on a desktop one. Console
errors and CSP violations fail the test (`open_page`)."""

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
def test_patient_books_a_slot_in_the_browser(people, open_page, language, width, height, serial):
    # `people` comes first: the database is filled before Playwright starts its event loop.
    doctor, patient = people
    day = timezone.localdate() + timedelta(days=2)
    page = open_page("/doctors/?q=Nasima", language=language, width=width, height=height)
    # No page is wider than the screen.
    assert page.evaluate("() => document.documentElement.scrollWidth") <= width
    page.locator(".doctor-card a").first.click()
    page.fill("#slot-date", day.isoformat())
    page.locator("#slot-date").dispatch_event("change")
    page.wait_for_selector("#slot-list a.btn")
    page.locator("#slot-list a.btn").nth(1).click()

    page.fill("#id_username", patient.email)
    page.fill("#id_password", DEFAULT_PASSWORD)
    page.locator("form.card button[type=submit]").click()
    page.fill("#id_symptoms", "Fever for two days")
    page.locator("form.card button[type=submit]").click()

    page.wait_for_selector(f"h1:has-text('{serial}')")
    assert "Road 27" in page.content()
    assert "/appointments/" in page.url
    assert page.evaluate("() => document.documentElement.scrollWidth") <= width
