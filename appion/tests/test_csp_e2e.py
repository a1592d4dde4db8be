"""The site and the Django admin work in Chromium under the Content Security Policy: their
scripts run, and the browser reports no violation."""

from datetime import datetime, time, timedelta

import pytest
from django.utils import timezone

from accounts.tests.factories import DEFAULT_PASSWORD, DoctorProfileFactory, StaffFactory
from scheduling.tests.factories import AppointmentFactory, open_every_day

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def people():
    doctor = open_every_day(DoctorProfileFactory())
    day = timezone.localdate() + timedelta(days=2)
    for hour in (9, 10, 11):
        start = datetime.combine(day, time(hour), tzinfo=timezone.get_default_timezone())
        AppointmentFactory(doctor=doctor, start=start, status="pending")
    return doctor, StaffFactory(email="staff@example.com")


def watch(page):
    """Collect what the browser says about blocked content."""
    violations = []
    page.on(
        "console",
        lambda message: (
            violations.append(message.text) if "Content Security Policy" in message.text else None
        ),
    )
    return violations


def test_the_admin_works_under_the_policy(people, live_server, chromium):
    doctor, staff = people
    page = chromium.new_page()
    violations = watch(page)

    page.goto(live_server.url + "/admin/login/")
    page.fill("#id_username", staff.email)
    page.fill("#id_password", DEFAULT_PASSWORD)
    page.locator("input[type=submit]").click()
    page.wait_for_selector("#site-name")

    # actions.js: "select all" ticks every row and counts them.
    page.goto(live_server.url + "/admin/scheduling/appointment/")
    page.locator("#action-toggle").check()
    assert page.locator("input.action-select:checked").count() == 3
    assert "3 of 3 selected" in page.locator(".action-counter").inner_text()

    # DateTimeShortcuts.js: the date fields get their "Today" shortcut and calendar.
    page.goto(live_server.url + "/admin/scheduling/timeoff/add/")
    page.wait_for_selector(".datetimeshortcuts a")
    page.locator(".datetimeshortcuts a", has_text="Today").first.click()
    assert page.locator("#id_start_date").input_value()

    page.goto(live_server.url + f"/doctors/{doctor.pk}/")
    assert violations == []
    page.close()
