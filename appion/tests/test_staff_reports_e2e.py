"""Staff read the reports in Chromium and download a doctor's appointments as CSV."""

from datetime import timedelta

import pytest
from django.utils import timezone

from accounts.tests.factories import (
    DEFAULT_PASSWORD,
    DoctorProfileFactory,
    PatientFactory,
    StaffFactory,
)
from scheduling.tests.factories import AppointmentFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def visits():
    StaffFactory(email="staff@example.com")
    doctor = DoctorProfileFactory(user__full_name="Dr. Anwar Kabir")
    for days, name in ((2, "Rahima Begum"), (3, "Sumon Mia")):
        AppointmentFactory(
            doctor=doctor,
            patient=PatientFactory(full_name=name),
            start=timezone.now() - timedelta(days=days),
            status="completed",
        )


def test_staff_open_the_reports_and_download_a_csv(visits, open_page, tmp_path):
    page = open_page("/accounts/login/")
    page.fill("#id_username", "staff@example.com")
    page.fill("#id_password", DEFAULT_PASSWORD)
    page.locator("form.card button[type=submit]").click()
    page.get_by_role("link", name="Reports").click()
    page.wait_for_selector("h1:has-text('Reports')")
    page.get_by_role("link", name="Dr. Anwar Kabir").click()

    with page.expect_download() as download:
        page.get_by_role("link", name="Download CSV").click()
    target = tmp_path / "report.csv"
    download.value.save_as(target)
    lines = target.read_text(encoding="utf-8-sig").splitlines()
    assert lines[0].startswith("date,time,serial,patient")
    assert sorted(line.split(",")[3] for line in lines[1:]) == ["Rahima Begum", "Sumon Mia"]


@pytest.fixture
def long_names(visits):
    from decimal import Decimal

    AppointmentFactory(
        doctor=DoctorProfileFactory(user__full_name="Dr. Mohammad Abdul Karim Chowdhury"),
        patient=PatientFactory(full_name="Mosammat Rokeya Sultana Begum"),
        start=timezone.now() + timedelta(days=3),
        fee=Decimal("12500"),
        serial=12,
    )


def test_the_admin_appointment_list_shows_status_and_fee_at_1280_px(long_names, open_page):
    page = open_page("/admin/login/?next=/admin/scheduling/appointment/", width=1280)
    page.fill("#id_username", "staff@example.com")
    page.fill("#id_password", DEFAULT_PASSWORD)
    page.locator("input[type=submit]").click()
    page.wait_for_selector("#result_list")

    # The list scrolls inside its own box, beside the filters: each column must be in
    # sight there, not scrolled away under the filters.
    visible = page.locator("#changelist .results").bounding_box()
    for column in ("column-status", "column-fee"):
        box = page.locator(f"#result_list th.{column}").bounding_box()
        assert box["x"] + box["width"] <= visible["x"] + visible["width"], column
    # And the whole table fits: nothing to scroll sideways.
    assert page.locator("#result_list").bounding_box()["width"] <= visible["width"]
    assert page.evaluate("() => document.documentElement.scrollWidth") <= 1280
