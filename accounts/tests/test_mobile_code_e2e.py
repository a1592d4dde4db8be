"""A new patient verifies their mobile number in Chromium, in Bengali on a 360 px phone
(issue #18): register, read the code from the SMS, mistype it once, enter it; the
profile says verified; a booking then reaches them by SMS, in Bengali. The SMS backend
is locmem (the live server runs in this process). E2E_SCREENSHOTS=folder keeps the
screenshots."""

import os
import re
from datetime import timedelta
from pathlib import Path

import pytest
from django.utils import timezone

from accounts.tests.factories import DoctorProfileFactory
from appion.l10n import local_digits
from appion.messaging import sms
from appion.messaging.worker import Worker
from appion.tests.browser import query, wait_for_options
from locations.tests.factories import DistrictFactory, DivisionFactory, ThanaFactory
from scheduling import selectors
from scheduling.tests.factories import open_every_day

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

SCREENSHOTS = os.environ.get("E2E_SCREENSHOTS")
PHONE = {"width": 360, "height": 740}


def shoot(page, name):
    if SCREENSHOTS:
        Path(SCREENSHOTS).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=f"{SCREENSHOTS}/otp-{name}.png", full_page=True)


@pytest.fixture
def clinic():
    dhaka = DivisionFactory(name="Dhaka", name_bn="ঢাকা")
    district = DistrictFactory(division=dhaka, name="Dhaka", name_bn="ঢাকা")
    ThanaFactory(district=district, name="Mirpur", name_bn="মিরপুর")
    doctor = open_every_day(DoctorProfileFactory(user__full_name="Dr. Nasima Haque"))
    day = timezone.localdate() + timedelta(days=2)
    return doctor, selectors.free_slots(doctor, day, day)[day][0]


def codes_sent_to(number):
    return [re.search(r"\b(\d{6})\b", text).group(1) for to, text in sms.outbox if to == number]


def test_a_new_patient_verifies_their_mobile_and_gets_the_booking_by_sms(
    clinic, open_page, live_server
):
    doctor, slot = clinic
    base = live_server.url
    page = open_page("/accounts/register/patient/", language="bn", **PHONE)
    page.fill("#id_full_name", "Kolpona Das")
    page.fill("#id_email", "kolpona@example.com")
    page.fill("#id_mobile", "01915000999")
    page.fill("#id_password1", "Nodi-Tara#58")
    page.fill("#id_password2", "Nodi-Tara#58")
    page.select_option("#id_division", label="ঢাকা")
    wait_for_options(page, "id_district", 2)
    page.select_option("#id_district", label="ঢাকা")
    wait_for_options(page, "id_thana", 2)
    page.select_option("#id_thana", label="মিরপুর")
    page.locator("form.card button[type=submit]").click()

    page.wait_for_url("**/accounts/profile/mobile/?next=*")
    (code,) = codes_sent_to("+8801915000999")
    assert "+8801915000999" in page.locator(".alert-info").first.inner_text()
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    shoot(page, "verify-bn-360")

    wrong = f"{(int(code) + 1) % 10**6:06d}"
    page.fill("#id_code", wrong)
    page.locator("form.card button[type=submit]").click()
    assert page.locator("#id_code.is-invalid").count() == 1
    shoot(page, "wrong-bn-360")

    page.fill("#id_code", local_digits(code, "bn"))  # typed on a Bengali keypad
    page.locator("form.card button[type=submit]").click()
    # On to where registration was going: the dashboard, i.e. their appointments.
    page.wait_for_url("**/appointments/")
    page.goto(base + "/accounts/profile/")
    status = page.locator("#mobile-status")
    assert "+8801915000999" in status.inner_text()
    assert status.locator(".badge.text-bg-success").count() == 1
    shoot(page, "profile-bn-360")

    page.goto(f"{base}/appointments/book/{doctor.pk}/?start={slot.start_param}")
    page.fill("#id_symptoms", "জ্বর")
    page.locator("form.card button[type=submit]").click()
    page.wait_for_url(re.compile(r".*/appointments/\d+/$"))
    assert "Verify my number" not in page.content()

    query(lambda: Worker().run_once())
    booked = [text for to, text in sms.outbox if to == "+8801915000999" and code not in text]
    assert len(booked) == 1
    assert "Dr. Nasi" in booked[0]  # (names are shortened to fit 2 parts)
    assert re.search("[\u0980-\u09ff]", booked[0])  # in Bengali, her language
