"""The doctor's day in Chromium: confirm a request, complete a visit, write the notes;
then the patient reads them. In English at desktop size and in Bengali on a phone."""

from datetime import timedelta

import pytest
from django.utils import timezone

from accounts.tests.factories import DEFAULT_PASSWORD, DoctorProfileFactory, PatientFactory
from scheduling.tests.factories import AppointmentFactory, open_every_day

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def day():
    doctor = open_every_day(DoctorProfileFactory(user__email="dr@example.com"))
    patient = PatientFactory(email="pt@example.com")
    request = AppointmentFactory(
        doctor=doctor, patient=patient, start=timezone.now() + timedelta(days=2), status="pending"
    )
    visit = AppointmentFactory(
        doctor=doctor,
        patient=patient,
        start=timezone.now() - timedelta(hours=2),
        status="confirmed",
    )
    return request.pk, visit.pk


def log_in(page, base, email):
    page.goto(base + "/accounts/login/")
    page.fill("#id_username", email)
    page.fill("#id_password", DEFAULT_PASSWORD)
    page.locator("form.card button[type=submit]").click()


@pytest.mark.parametrize(
    "language, size",
    [("en", {"width": 1280, "height": 800}), ("bn", {"width": 360, "height": 740})],
)
def test_doctor_confirms_completes_and_writes_notes(day, live_server, chromium, language, size):
    request_id, visit_id = day
    context = chromium.new_context(viewport=size, extra_http_headers={"Accept-Language": language})
    page = context.new_page()
    log_in(page, live_server.url, "dr@example.com")
    assert page.url.endswith("/portal/")

    page.locator("button[value=confirmed]").first.click()
    page.goto(f"{live_server.url}/portal/appointments/{request_id}/")
    # The appointment's own status, under its serial (its history shows statuses too).
    assert page.locator("h1 + p .status-badge.status-confirmed").count() == 1

    page.goto(f"{live_server.url}/portal/appointments/{visit_id}/")
    page.locator("button[value=completed]").click()
    page.fill("#id_notes-diagnosis", "Viral fever")
    page.fill("#id_notes-prescription", "Paracetamol 500 mg")
    page.locator("form[action$='/notes/'] button").click()
    page.wait_for_selector("#id_notes-diagnosis")
    context.close()

    context = chromium.new_context(viewport=size, extra_http_headers={"Accept-Language": language})
    page = context.new_page()
    log_in(page, live_server.url, "pt@example.com")
    page.goto(f"{live_server.url}/appointments/{visit_id}/")
    assert "Paracetamol 500 mg" in page.content()
    if language == "bn":
        assert "ব্যবস্থাপত্র" in page.content()
    context.close()
