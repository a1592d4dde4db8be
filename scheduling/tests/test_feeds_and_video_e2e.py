"""In Chromium, at 1280 px in English and 360 px in Bengali: a patient copies their
calendar feed's address from the profile and a calendar app reads it; the patient
joins an online consultation from the appointment page; the directory finds doctors
who hold online consultations. No horizontal scrolling, no serious accessibility
finding. E2E_SCREENSHOTS=folder keeps a screenshot of each page."""

import os
from datetime import time, timedelta

import pytest
from django.test import Client
from django.utils import timezone
from icalendar import Calendar

from accounts.services import new_calendar_feed
from accounts.tests.factories import DoctorProfileFactory, PatientFactory
from locations.tests.factories import ThanaFactory
from scheduling.tests.factories import AppointmentFactory, ChamberFactory, open_every_day

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

SCREENSHOTS = os.environ.get("E2E_SCREENSHOTS")
VIEWS = (("en", 1280, 800), ("bn", 360, 740))
ROOM = "Appion-E2eRoomXyz0123456789"


@pytest.fixture
def clinic():
    doctor = DoctorProfileFactory(
        user__full_name="Dr. Farida Yasmin", chamber_thana=ThanaFactory(name="Dhanmondi")
    )
    open_every_day(doctor, ranges=((time(9), time(12)),))
    online = ChamberFactory(doctor=doctor, name="Video consultations", address="", is_online=True)
    open_every_day(doctor, ranges=((time(15), time(17)),), chamber=online)
    open_every_day(DoctorProfileFactory(user__full_name="Dr. Kamal Hossain"))
    patient = PatientFactory(full_name="Rokeya Sultana")
    now = timezone.now().replace(second=0, microsecond=0)
    soon = AppointmentFactory(
        doctor=doctor,
        chamber=online,
        patient=patient,
        start=now + timedelta(minutes=10),
        serial=2,
        status="confirmed",
        video_room=ROOM,
    )
    later = AppointmentFactory(
        doctor=doctor,
        chamber=online,
        patient=patient,
        start=now + timedelta(days=2),
        serial=1,
        status="confirmed",
        video_room="Appion-E2eLaterRoom0123456",
    )
    feed = new_calendar_feed(user=patient)

    def cookie(user):
        client = Client()
        client.force_login(user)
        return {"sessionid": client.cookies["sessionid"].value}

    return {
        "patient": cookie(patient),
        "doctor": cookie(doctor.user),
        "online_chamber": online,
        "soon": soon,
        "later": later,
        "secret": feed.secret,
    }


def check_page(page, name, language, width):
    """No horizontal scrolling, no serious or critical axe finding; a screenshot kept."""
    from axe_playwright_python.sync_playwright import Axe

    assert page.evaluate("() => document.documentElement.scrollWidth") <= width, name
    violations = [
        f"{v['id']} ({v['impact']}): " + "; ".join(n["target"][0] for n in v["nodes"][:3])
        for v in Axe().run(page).response["violations"]
        if v["impact"] in ("serious", "critical")
    ]
    assert not violations, f"{name} [{language}]: {violations}"
    if SCREENSHOTS:
        page.screenshot(path=f"{SCREENSHOTS}/{name}-{language}-{width}.png", full_page=True)


def test_subscribe_to_the_feed_and_join_the_video_consultation(clinic, open_page, live_server):
    for language, width, height in VIEWS:
        page = open_page(
            "/accounts/profile/",
            language=language,
            width=width,
            height=height,
            cookies=clinic["patient"],
        )
        https = page.locator("#calendar-https").input_value()
        webcal = page.locator("#calendar-webcal").input_value()
        assert https == f"{live_server.url}/calendar/{clinic['secret']}.ics"
        assert webcal == "webcal://" + https.split("://", 1)[1]
        assert page.locator("button[data-copy=calendar-https]").is_visible()
        page.locator("#calendar").scroll_into_view_if_needed()
        check_page(page, "profile-calendar-feed", language, width)

        # A calendar app subscribes: no session, the address alone.
        feed = page.context.request.get(https, headers={"Cookie": ""})
        assert feed.status == 200
        events = Calendar.from_ical(feed.body()).walk("VEVENT")
        assert {str(event["UID"]) for event in events} == {
            f"appointment-{clinic['soon'].pk}@appion",
            f"appointment-{clinic['later'].pk}@appion",
        }
        assert ROOM.encode() not in feed.body()

        page.goto(f"{live_server.url}/appointments/{clinic['soon'].pk}/")
        join = page.locator("#video a.btn-success")
        assert join.get_attribute("href") == f"https://meet.jit.si/{ROOM}"
        assert page.locator("a[href^='https://outlook.live.com/']").count() == 1
        assert page.locator("a[href^='https://calendar.google.com/']").count() == 1
        check_page(page, "appointment-join-video", language, width)
        # Joining opens the room in a new tab (the video service is stood in for here).
        page.context.route(
            "https://meet.jit.si/**",
            lambda route: route.fulfill(
                body="<!doctype html><title>Jitsi Meet</title>", content_type="text/html"
            ),
        )
        with page.expect_popup() as opened:
            join.click()
        assert opened.value.url == f"https://meet.jit.si/{ROOM}"
        opened.value.close()

        page.goto(f"{live_server.url}/appointments/{clinic['later'].pk}/")
        assert page.locator("#video a").count() == 0
        assert page.locator("#video").inner_text().strip()
        check_page(page, "appointment-video-later", language, width)

        page.goto(f"{live_server.url}/doctors/?online=1")
        cards = page.locator("article.doctor-card")
        assert cards.count() == 1
        assert "Dr. Farida Yasmin" in cards.first.inner_text()
        assert page.locator("#search-online").is_checked()
        check_page(page, "directory-online", language, width)
        page.context.close()


def test_the_doctor_runs_an_online_chamber_and_joins_from_the_appointment(
    clinic, open_page, live_server
):
    for language, width, height in VIEWS:
        page = open_page(
            f"/portal/chambers/{clinic['online_chamber'].pk}/",
            language=language,
            width=width,
            height=height,
            cookies=clinic["doctor"],
        )
        assert page.locator("#id_is_online").is_checked()
        check_page(page, "chamber-online", language, width)

        page.goto(f"{live_server.url}/appointments/{clinic['soon'].pk}/")
        assert page.locator("#video a.btn-success").get_attribute("href") == (
            f"https://meet.jit.si/{ROOM}"
        )
        assert page.locator("a[href^='https://outlook.live.com/']").count() == 1
        check_page(page, "appointment-join-video-doctor", language, width)
        page.context.close()
