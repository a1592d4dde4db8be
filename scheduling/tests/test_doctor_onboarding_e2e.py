"""A new doctor's first steps in Chromium, in English on a desktop screen: register with
chamber hours, wait for staff to verify the licence in the admin, set the week's hours
with the quick format, take a day off; patients then see exactly that."""

from datetime import timedelta

import pytest
from django.utils import timezone

from accounts.tests.factories import DEFAULT_PASSWORD, SpecializationFactory, StaffFactory
from appion.tests.browser import wait_for_options
from locations.tests.factories import DistrictFactory, DivisionFactory, ThanaFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

PASSWORD = "Shapla-Nodi#58"


@pytest.fixture
def clinic():
    district = DistrictFactory(division=DivisionFactory(name="Sylhet"), name="Sylhet")
    ThanaFactory(district=district, name="Kotwali", metro=True)
    SpecializationFactory(name="Paediatrics", name_bn="শিশুরোগ")
    StaffFactory(email="staff@example.com", full_name="Staff Member")


def test_doctor_registers_is_verified_and_sets_hours_and_time_off(clinic, open_page, live_server):
    base = live_server.url
    day_off = timezone.localdate() + timedelta(days=3)
    page = open_page("/accounts/register/doctor/")
    page.fill("#id_full_name", "Dr. Farhana Islam")
    page.fill("#id_email", "farhana@example.com")
    page.fill("#id_mobile", "01811000777")
    page.fill("#id_password1", PASSWORD)
    page.fill("#id_password2", PASSWORD)
    page.select_option("#id_division", label="Sylhet")
    wait_for_options(page, "id_district", 2)
    page.select_option("#id_district", label="Sylhet")
    wait_for_options(page, "id_thana", 2)
    page.select_option("#id_thana", label="Kotwali")
    page.fill("#id_licence_number", "A-77123")
    page.select_option("#id_specialization", label="Paediatrics")
    page.fill("#id_consultation_fee", "700")
    page.fill("#id_chamber_address", "Zindabazar, Sylhet")
    page.get_by_role("button", name="Create account").click()
    page.wait_for_selector("text=Welcome to Appion, Dr. Farhana Islam!")
    # The code sent to the new mobile number can wait: on to the portal.
    assert "Verify your mobile number" in page.content()
    page.get_by_role("link", name="Not now").click()
    page.wait_for_load_state()
    assert "awaiting verification" in page.content()

    # Not in the directory until staff have checked the licence.
    visitor = open_page("/doctors/?q=Farhana")
    assert visitor.locator(".doctor-card").count() == 0

    staff = open_page("/admin/login/")
    staff.fill("#id_username", "staff@example.com")
    staff.fill("#id_password", DEFAULT_PASSWORD)
    staff.locator("input[type=submit]").click()
    staff.goto(base + "/admin/accounts/doctorprofile/?q=A-77123")
    staff.locator("input.action-select").check()
    staff.select_option("select[name=action]", "verify")
    staff.locator("button[name=index]").click()
    staff.wait_for_selector(".messagelist .success")

    visitor.reload()
    assert visitor.locator(".doctor-card").count() == 1

    # The week: mornings only, Saturday to Thursday, in the quick format.
    page.goto(base + "/portal/chambers/")
    page.locator("h2 a").first.click()
    page.fill("#id_quick_hours", "10:00-13:00")
    for weekday in ("Saturday", "Sunday", "Monday", "Tuesday", "Wednesday", "Thursday"):
        page.get_by_label(weekday, exact=True).last.check()
    page.fill("#id_day_4", "")
    page.get_by_role("button", name="Save chamber").click()
    page.wait_for_selector("text=has been saved.")

    page.goto(base + "/portal/time-off/")
    page.fill("#id_start_date", day_off.isoformat())
    page.fill("#id_end_date", day_off.isoformat())
    page.fill("#id_reason", "Conference")
    page.get_by_role("button", name="Add time off").last.click()
    page.wait_for_selector("text=Your time off has been saved.")
    assert "Conference" in page.content()

    visitor.goto(visitor.url.split("/doctors/")[0] + "/doctors/")
    visitor.locator(".doctor-card a", has_text="Farhana").click()
    hours = visitor.locator("table").inner_text()
    assert "Saturday\t10:00–13:00" in hours
    assert "Friday\tclosed" in hours
    visitor.fill("#slot-date", day_off.isoformat())
    visitor.locator("#slot-date").dispatch_event("change")
    visitor.wait_for_selector("#slot-list:has-text('No free slots')")
