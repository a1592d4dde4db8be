"""Booking with an advance paid online, in Chromium, in Bengali on a 360 px phone
(issue #21): the booking page says what is paid and how long the slot is held; the
demo gateway (no SSLCommerz store configured) takes the payment and the serial is
booked; a second patient's payment fails and brings them back to the free times, with
the slot free again. E2E_SCREENSHOTS=folder keeps the screenshots."""

import os
import re
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from django.test import Client
from django.utils import timezone

from accounts.tests.factories import DoctorProfileFactory, PatientFactory
from scheduling import selectors
from scheduling.models import Advance
from scheduling.tests.factories import first_chamber, open_every_day

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

SCREENSHOTS = os.environ.get("E2E_SCREENSHOTS")
PHONE = {"width": 360, "height": 740}


def shoot(page, name):
    if SCREENSHOTS:
        Path(SCREENSHOTS).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=f"{SCREENSHOTS}/payment-{name}.png", full_page=True)


def cookie(user):
    client = Client()
    client.force_login(user)
    return {"sessionid": client.cookies["sessionid"].value}


@pytest.fixture
def clinic():
    doctor = open_every_day(
        DoctorProfileFactory(user__full_name="Dr. Nasima Haque", consultation_fee=Decimal("800"))
    )
    chamber = first_chamber(doctor)
    chamber.advance = Advance.FIXED
    chamber.advance_amount = Decimal("200")
    chamber.save()
    day = timezone.localdate() + timedelta(days=2)
    slots = selectors.free_slots(doctor, day, day)[day]
    return {
        "doctor": doctor,
        "day": day,
        "first": slots[0],
        "second": slots[1],
        "rahima": cookie(PatientFactory(full_name="Rahima Begum", preferred_language="bn")),
        "karim": cookie(PatientFactory(full_name="Abdul Karim", preferred_language="bn")),
    }


def book_and_reach_the_gateway(open_page, clinic, who, slot):
    page = open_page(
        f"/appointments/book/{clinic['doctor'].pk}/?start={slot.start_param}",
        language="bn",
        cookies=clinic[who],
        **PHONE,
    )
    policy = page.locator("#advance-policy").inner_text()
    assert "৳২০০" in policy and "১০ মিনিট" in policy
    page.fill("#id_symptoms", "জ্বর")
    page.locator("form.card button[type=submit]").click()
    page.wait_for_url(re.compile(r".*/payments/demo/[^/]+/$"))
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    return page


def test_an_advance_paid_on_the_demo_gateway_and_one_that_fails(clinic, open_page):
    page = book_and_reach_the_gateway(open_page, clinic, "rahima", clinic["first"])
    shoot(page, "gateway-bn-360")
    assert "ডেমো পেমেন্ট গেটওয়ে" in page.content()
    page.get_by_role("button", name="bKash দিয়ে পরিশোধ করুন").click()
    page.wait_for_url(re.compile(r".*/appointments/\d+/$"))
    assert "অগ্রিম পরিশোধিত: আপনার সিরিয়াল বুক হয়েছে।" in page.content()
    assert "৳২০০ অগ্রিম অনলাইনে পরিশোধিত" in page.content()
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    shoot(page, "paid-bn-360")

    other = book_and_reach_the_gateway(open_page, clinic, "karim", clinic["second"])
    other.get_by_role("button", name="পেমেন্ট ব্যর্থ করুন").click()
    other.wait_for_url(re.compile(r".*/doctors/\d+/\?date=.*"))
    assert "পেমেন্ট সম্পন্ন হয়নি, তাই স্লটটি ছেড়ে দেওয়া হয়েছে।" in other.content()
    # Back at the day's free times, the released slot is offered again; the paid one
    # is not.
    other.wait_for_selector("#slot-list")
    hrefs = [a.get_attribute("href") for a in other.locator("#slot-list a.btn").all()]
    assert any(f"start={clinic['second'].start_param}" in h for h in hrefs)
    assert not any(f"start={clinic['first'].start_param}" in h for h in hrefs)
    shoot(other, "failed-back-to-slots-bn-360")
