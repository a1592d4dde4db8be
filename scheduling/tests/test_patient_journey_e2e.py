"""A new patient's whole journey in Chromium, in English on a desktop screen: register
(with the dependent location selects), search by name, thana and day, pick a slot with
htmx, book, read the serial, download the .ics, book again, cancel one, reschedule the
other. Console errors and CSP violations fail the test (`open_page`)."""

from datetime import timedelta

import pytest
from django.utils import timezone

from accounts.tests.factories import DoctorProfileFactory, SpecializationFactory
from appion.tests.browser import query, wait_for_options
from locations.tests.factories import DistrictFactory, DivisionFactory, ThanaFactory
from scheduling.models import Appointment
from scheduling.tests.factories import open_every_day

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

PASSWORD = "Nodi-Tara#58"


@pytest.fixture
def directory():
    dhaka = DivisionFactory(name="Dhaka", name_bn="ঢাকা")
    district = DistrictFactory(division=dhaka, name="Dhaka", name_bn="ঢাকা")
    dhanmondi = ThanaFactory(district=district, name="Dhanmondi", name_bn="ধানমন্ডি", metro=True)
    mirpur = ThanaFactory(district=district, name="Mirpur", name_bn="মিরপুর", metro=True)
    cardiology = SpecializationFactory(name="Cardiology", name_bn="হৃদরোগ")
    nasima = open_every_day(
        DoctorProfileFactory(
            user__full_name="Dr. Nasima Haque",
            specialization=cardiology,
            chamber_thana=dhanmondi,
            chamber_address="Road 27",
        )
    )
    # Same specialization, another thana: the thana filter must leave her out.
    open_every_day(
        DoctorProfileFactory(
            user__full_name="Dr. Nasrin Akter", specialization=cardiology, chamber_thana=mirpur
        )
    )
    return nasima


def appointments_of(email):
    return list(
        Appointment.objects.filter(patient__email=email)
        .order_by("pk")
        .values_list("status", "start", "serial")
    )


def test_new_patient_registers_books_cancels_and_reschedules(
    directory, open_page, live_server, tmp_path
):
    base = live_server.url
    day = timezone.localdate() + timedelta(days=3)
    page = open_page("/accounts/register/patient/")

    page.fill("#id_full_name", "Kolpona Das")
    page.fill("#id_email", "kolpona@example.com")
    page.fill("#id_mobile", "01915000999")  # not a factory number (+8801711…)
    page.fill("#id_password1", PASSWORD)
    page.fill("#id_password2", PASSWORD)
    page.select_option("#id_division", label="Dhaka")
    wait_for_options(page, "id_district", 2)
    page.select_option("#id_district", label="Dhaka")
    wait_for_options(page, "id_thana", 3)
    page.select_option("#id_thana", label="Mirpur")
    page.locator("form.card button[type=submit]").click()
    page.wait_for_selector("text=Welcome to Appion, Kolpona Das!")

    # Search: name, then the thana and the day.
    page.goto(base + "/doctors/")
    page.fill("#search-q", "Nas")
    page.select_option("#search-division", label="Dhaka")
    wait_for_options(page, "search-district", 2)
    page.select_option("#search-district", label="Dhaka")
    wait_for_options(page, "search-thana", 3)
    page.select_option("#search-thana", label="Dhanmondi")
    page.fill("#search-date", day.isoformat())
    page.get_by_role("button", name="Search doctors").click()
    page.wait_for_url("**thana=*")
    assert page.locator(".doctor-card").count() == 1
    assert "Dr. Nasrin Akter" not in page.content()
    page.locator(".doctor-card a").first.click()

    # The slot list changes with htmx, without a page load.
    page.fill("#slot-date", day.isoformat())
    page.locator("#slot-date").dispatch_event("change")
    page.wait_for_selector(f"#slot-list a.btn[href*='{day.isoformat()}']")
    page.locator("#slot-list a.btn").nth(2).click()
    page.fill("#id_symptoms", "Chest pain when climbing stairs")
    page.get_by_role("button", name="Book this slot").click()
    page.wait_for_selector("h1:has-text('Serial 3')")
    assert "Road 27" in page.content()
    first = page.url

    with page.expect_download() as download:
        page.get_by_role("link", name="Add to calendar").click()
    ics = tmp_path / "visit.ics"
    download.value.save_as(ics)
    calendar = ics.read_text(encoding="utf-8")
    assert "BEGIN:VCALENDAR" in calendar
    assert "Dr. Nasima Haque" in calendar.replace("\r\n ", "")

    # A second booking, on the next day, is cancelled.
    page.goto(f"{base}/doctors/{directory.pk}/")
    page.fill("#slot-date", (day + timedelta(days=1)).isoformat())
    page.locator("#slot-date").dispatch_event("change")
    page.wait_for_selector(f"#slot-list a.btn[href*='{(day + timedelta(days=1)).isoformat()}']")
    page.locator("#slot-list a.btn").first.click()
    page.get_by_role("button", name="Book this slot").click()
    page.wait_for_selector("h1:has-text('Serial 1')")
    page.get_by_role("link", name="Cancel appointment").click()
    page.get_by_role("button", name="Yes, cancel it").click()
    page.wait_for_selector(".badge:has-text('Cancelled')")

    # The first one moves to the last slot of the same day.
    page.goto(first)
    page.get_by_role("link", name="Reschedule").click()
    page.fill("#slot-date", day.isoformat())
    page.get_by_role("button", name="Show slots").click()
    page.locator("form[method=post] button[name=start]").last.click()
    page.wait_for_selector("text=Your appointment has been moved.")
    assert "16:00–17:00" in page.content()
    page.get_by_role("link", name="My appointments").first.click()
    assert page.locator(".list-group-item .badge:has-text('Pending')").count() == 1
    open_page.assert_clean()
    page.context.close()

    # The move cancelled the old booking and made a new one, in one step.
    (moved, _, _), (cancelled, _, _), (new, new_start, _) = query(
        appointments_of, "kolpona@example.com"
    )
    assert (moved, cancelled, new) == ("cancelled", "cancelled", "pending")
    assert timezone.localtime(new_start).hour == 16
