"""A whole chamber session in Chromium (issue #17): bookings, arrivals, a walk-in, running
late, call next and a no-show, tapped by the doctor at 1280 px; the patient follows on a
360 px phone in Bengali, and the waiting-room screen at 1280 px shows serials only.
E2E_SCREENSHOTS=folder keeps the screenshots."""

import os
import re
from datetime import time
from pathlib import Path
from time import monotonic

import pytest
import time_machine
from django.test import Client
from playwright.sync_api import expect

from accounts.tests.factories import DoctorProfileFactory, PatientFactory
from appion import clinic_calendar
from scheduling.tests.factories import AppointmentFactory, first_chamber, open_every_day
from scheduling.tests.queue_world import SESSIONS, slot_start

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

SCREENSHOTS = os.environ.get("E2E_SCREENSHOTS")
DESKTOP = {"width": 1280, "height": 800}
PHONE = {"width": 360, "height": 740}


@pytest.fixture
def session():
    """Today at 10:00 (the clock ticking): six booked serials; ours is serial 5."""
    day = clinic_calendar.today()
    with time_machine.travel(clinic_calendar.at(day, time(10)), tick=True):
        doctor = open_every_day(
            DoctorProfileFactory(user__full_name="Dr. Nasima Haque"),
            ranges=SESSIONS,
            slot_minutes=30,
        )
        chamber = first_chamber(doctor)
        patients = {}
        for serial in range(1, 7):
            patient = PatientFactory(full_name=f"Patient Number {serial}")
            start = slot_start(day, serial)
            patients[serial] = AppointmentFactory(
                doctor=doctor,
                chamber=chamber,
                patient=patient,
                start=start,
                end=start + (slot_start(day, 2) - slot_start(day, 1)),
                serial=serial,
                status="pending" if serial == 4 else "confirmed",
            )

        def cookie(user):
            client = Client()
            client.force_login(user)
            return {"sessionid": client.cookies["sessionid"].value}

        yield {
            "chamber": chamber,
            "ours": patients[5],
            "doctor": cookie(doctor.user),
            "patient": cookie(patients[5].patient),
            "names": [p.patient.full_name for p in patients.values()],
        }


def shoot(page, name):
    if SCREENSHOTS:
        folder = Path(SCREENSHOTS)
        folder.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(folder / f"queue-{name}.png"), full_page=True)


def tap(page, serial, step):
    """Tap `step` on the row of `serial` (the row's first cell is the serial)."""
    row = page.locator("tr", has=page.locator("td:first-child", has_text=re.compile(f"^{serial}$")))
    row.locator(f"button[value={step}]").click()
    page.wait_for_load_state()


def test_a_chamber_session_from_the_doctor_the_patient_and_the_screen(session, open_page):
    chamber, ours = session["chamber"], session["ours"]
    doctor = open_page("/portal/queue/", cookies=session["doctor"], **DESKTOP)
    assert "Now serving" in doctor.content()

    for serial in (1, 2, 4, 5):
        tap(doctor, serial, "arrived")
    doctor.fill("#id_full_name", "Abdul Karim")
    doctor.fill("#id_mobile", "01712345678")
    doctor.get_by_role("button", name="Add to the queue").click()
    assert "joins the queue as serial 13" in doctor.content()
    doctor.fill("#id_minutes", "15")
    doctor.fill("#id_reason", "Ward round")
    doctor.get_by_role("button", name="Tell the patients").click()
    doctor.get_by_role("button", name="Call next").click()  # serial 1
    doctor.get_by_role("button", name="Call next").click()  # 1 done, serial 2
    doctor.once("dialog", lambda dialog: dialog.accept())
    tap(doctor, 3, "no_show")  # 10:00 has come; serial 3 never did
    assert "Serial 3 is marked as a no-show." in doctor.content()
    serving = doctor.locator("#queue-live .display-4").inner_text()
    assert serving == "2"
    shoot(doctor, "doctor-1280")
    doctor.set_viewport_size(PHONE)
    shoot(doctor, "doctor-360")
    assert doctor.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    doctor.set_viewport_size(DESKTOP)

    patient = open_page(
        f"/appointments/{ours.pk}/", language="bn", cookies=session["patient"], **PHONE
    )
    block = patient.locator("#appointment-queue").inner_text()
    assert "২" in block and "৫" in block  # now serving 2, you are 5, in Bengali digits
    assert not re.search(r"[0-9]", block), block
    assert "Ward round" in block
    assert patient.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    shoot(patient, "patient-bn-360")

    screen = open_page(f"/queue/{chamber.pk}/screen/", **DESKTOP)
    board = screen.locator("#queue-board")
    assert board.locator(".queue-now").inner_text() == "2"
    assert board.locator(".queue-next").all_inner_texts() == ["4", "5", "13"]
    html = screen.content()
    for name in [*session["names"], "Abdul Karim"]:
        assert name not in html
    shoot(screen, "screen-1280")
    screen_bn = open_page(f"/queue/{chamber.pk}/screen/", language="bn", **DESKTOP)
    assert screen_bn.locator(".queue-now").inner_text() == "২"
    shoot(screen_bn, "screen-bn-1280")

    doctor.get_by_role("button", name="Call next").click()  # serial 4
    doctor.get_by_role("button", name="Call next").click()  # serial 5: ours
    patient.reload()
    called = patient.locator(".queue-called")
    assert called.is_visible()
    assert called.locator(".queue-called-serial").inner_text() == "৫"
    shoot(patient, "patient-bn-360-called")


WITHIN = 2.0


def test_call_next_reaches_the_patients_phone_and_the_screen_within_two_seconds(session, open_page):
    """Two pages watching while the doctor works: the patient's appointment page (in
    Bengali, on a phone) and the waiting-room screen follow each Call next over their
    sockets, without a reload, within 2 seconds."""
    chamber, ours = session["chamber"], session["ours"]
    doctor = open_page("/portal/queue/", cookies=session["doctor"], **DESKTOP)
    for serial in (1, 2, 4, 5):
        tap(doctor, serial, "arrived")
    doctor.get_by_role("button", name="Call next").click()  # serial 1
    doctor.wait_for_load_state()

    patient = open_page(
        f"/appointments/{ours.pk}/", language="bn", cookies=session["patient"], **PHONE
    )
    screen = open_page(f"/queue/{chamber.pk}/screen/", **DESKTOP)
    now_serving = patient.locator("#appointment-queue .queue-tile-number").first
    expect(now_serving).to_have_text("১")
    expect(screen.locator("#queue-board .queue-now")).to_have_text("1")
    # live.js marks each region once its socket is open.
    patient.wait_for_selector("#appointment-queue[data-live-open]")
    screen.wait_for_selector("#queue-board[data-live-open]")
    loads = {"patient": 0, "screen": 0}
    patient.on("load", lambda _: loads.__setitem__("patient", loads["patient"] + 1))
    screen.on("load", lambda _: loads.__setitem__("screen", loads["screen"] + 1))

    for serial, bengali in ((2, "২"), (4, "৪")):
        started = monotonic()
        doctor.get_by_role("button", name="Call next").click()
        expect(now_serving).to_have_text(bengali, timeout=WITHIN * 1000)
        expect(screen.locator("#queue-board .queue-now")).to_have_text(
            str(serial), timeout=WITHIN * 1000
        )
        assert monotonic() - started < WITHIN

    # Ours is next: the patient's page changes to "your serial is called".
    started = monotonic()
    doctor.get_by_role("button", name="Call next").click()
    called = patient.locator("#appointment-queue .queue-called-serial")
    expect(called).to_have_text("৫", timeout=WITHIN * 1000)
    expect(screen.locator("#queue-board .queue-now")).to_have_text("5", timeout=WITHIN * 1000)
    assert monotonic() - started < WITHIN
    assert loads == {"patient": 0, "screen": 0}  # no reload: over the sockets
    shoot(patient, "patient-bn-360-called-live")
