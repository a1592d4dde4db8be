"""From the first load of the home page to the confirmation of a booking in at most four
full page loads, on a 360 px phone, in English and in Bengali: home → results (times to
book on the cards) → book (registering or not) → confirmation. htmx swaps are not page
loads; each document's `load` event is one."""

import pytest
from django.test import Client

from accounts.tests.factories import DoctorProfileFactory, PatientFactory
from locations.tests.factories import ThanaFactory
from scheduling.tests.factories import open_every_day

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

WIDTH, HEIGHT = 360, 740
MOST_LOADS = 4


@pytest.fixture
def people():
    doctor = open_every_day(
        DoctorProfileFactory(
            user__full_name="Dr. Nasima Haque",
            chamber_name="Popular Diagnostic",
            chamber_thana=ThanaFactory(name="Dhanmondi"),
        )
    )
    patient = PatientFactory(email="rokeya@example.com")
    client = Client()
    client.force_login(patient)
    return doctor, {"sessionid": client.cookies["sessionid"].value}


def counted_page(open_page, live_server, language, cookies=None):
    """A page on the home page, and the list of the full page loads so far (one)."""
    page = open_page(None, language=language, width=WIDTH, height=HEIGHT, cookies=cookies)
    loads = []
    page.on("load", lambda: loads.append(page.url))
    page.goto(live_server.url + "/")
    return page, loads


def search_and_pick_a_time(page):
    page.fill("#search-q", "Nasima")
    page.locator("form[role=search] button[type=submit]").click()
    page.wait_for_url("**/doctors/?*")
    page.locator(".doctor-card .card-times a").first.click()
    page.wait_for_url("**/appointments/book/**")
    banner = page.locator(".booking-banner")
    assert "Dr. Nasima Haque" in banner.inner_text()
    assert page.evaluate("() => document.documentElement.scrollWidth") <= WIDTH


def assert_confirmed(page, loads, serial_word):
    page.wait_for_url("**/appointments/*/")
    page.wait_for_load_state("load")
    assert serial_word in page.locator("h1").inner_text()
    assert "Dr. Nasima Haque" in page.locator(".booking-banner").inner_text()
    assert page.evaluate("() => document.documentElement.scrollWidth") <= WIDTH
    # The first load is the home page's, the last the confirmation's.
    assert loads[0].endswith("/") and loads[0].count("/") == 3
    assert loads[-1] == page.url
    assert len(loads) <= MOST_LOADS, loads


@pytest.mark.parametrize(("language", "serial_word"), [("en", "Serial"), ("bn", "সিরিয়াল")])
def test_a_new_patient_books_in_four_page_loads(
    people, open_page, live_server, language, serial_word
):
    # `people` comes first: the database is filled before Playwright starts its event loop.
    page, loads = counted_page(open_page, live_server, language)
    search_and_pick_a_time(page)

    page.fill("#id_symptoms", "Fever for two days")
    page.fill("#id_full_name", "Rahima Begum")
    page.fill("#id_email", "rahima@example.com")
    page.fill("#id_mobile", "01712345678")
    page.fill("#id_password1", "Dhaka#Sky42")
    page.fill("#id_password2", "Dhaka#Sky42")
    assert not page.locator("#id_username").is_visible()  # the login part folds away
    page.locator("form.booking-form button[type=submit]").click()

    assert_confirmed(page, loads, serial_word)
    assert "Rahima Begum" in page.content()


@pytest.mark.parametrize(("language", "serial_word"), [("en", "Serial"), ("bn", "সিরিয়াল")])
def test_a_logged_in_patient_books_in_four_page_loads(
    people, open_page, live_server, language, serial_word
):
    _doctor, cookies = people
    page, loads = counted_page(open_page, live_server, language, cookies=cookies)
    search_and_pick_a_time(page)

    page.fill("#id_symptoms", "Fever for two days")
    page.locator("form.booking-form button[type=submit]").click()

    assert_confirmed(page, loads, serial_word)


@pytest.mark.parametrize("width, folded", [(360, True), (1280, False)])
def test_after_a_search_a_phone_shows_the_results_first(people, open_page, width, folded):
    page = open_page("/doctors/?q=Nasima", width=width, height=740)

    assert page.locator("details.search-panel").evaluate("panel => panel.open") is not folded
    card = page.locator(".doctor-card").first.bounding_box()
    if folded:
        assert card["y"] < 740  # the first result is on the first screen
    assert page.locator("#search-q").is_visible() is not folded
