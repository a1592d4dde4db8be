"""Login and registration return to the page they were reached from (`next`), for every
way into them, and only to a page of this site."""

import re
from urllib.parse import quote

import pytest

from accounts.models import User
from accounts.tests.factories import DEFAULT_PASSWORD, PatientFactory
from accounts.tests.test_registration import doctor_data, patient_data
from locations.tests.factories import ThanaFactory

pytestmark = pytest.mark.django_db

BACK = "/doctors/?q=Karim&date=2026-03-12"
BACK_QUOTED = "/doctors/%3Fq%3DKarim%26date%3D2026-03-12"
EVIL = "https://evil.example.com/"


@pytest.fixture
def thana():
    return ThanaFactory(name="Dhanmondi")


def test_the_navigation_links_carry_the_current_page(client):
    page = client.get(BACK).content.decode()

    assert f'href="/accounts/login/?next={BACK_QUOTED}"' in page
    assert f'href="/accounts/register/patient/?next={BACK_QUOTED}"' in page


@pytest.mark.parametrize("url", ["/accounts/login/", "/accounts/register/patient/"])
def test_on_the_login_and_register_pages_the_navigation_passes_their_next_on(client, url):
    page = client.get(f"{url}?next={BACK_QUOTED}").content.decode()

    assert f'href="/accounts/login/?next={BACK_QUOTED}"' in page
    assert f'href="/accounts/register/patient/?next={BACK_QUOTED}"' in page


@pytest.mark.parametrize(
    "url", ["/accounts/login/", "/accounts/register/patient/", "/accounts/register/doctor/"]
)
def test_a_next_to_another_site_is_carried_nowhere(client, url):
    page = client.get(f"{url}?next={EVIL}").content.decode()

    assert not re.search(r'href="/accounts/(login|register/\w+)/[^"]*evil', page)
    assert 'name="next" value="https' not in page
    assert 'href="/accounts/login/"' in page


def test_the_login_page_passes_next_to_both_register_links(client):
    page = client.get(f"/accounts/login/?next={BACK_QUOTED}").content.decode()

    assert f'href="/accounts/register/patient/?next={BACK_QUOTED}"' in page
    assert f'href="/accounts/register/doctor/?next={BACK_QUOTED}"' in page


@pytest.mark.parametrize("url", ["/accounts/register/patient/", "/accounts/register/doctor/"])
def test_the_register_pages_pass_next_to_the_login_and_the_other_register_link(client, url):
    page = client.get(f"{url}?next={BACK_QUOTED}").content.decode()

    assert f'<a href="/accounts/login/?next={BACK_QUOTED}">' in page
    other = "doctor" if "patient" in url else "patient"
    assert f'<a href="/accounts/register/{other}/?next={BACK_QUOTED}">' in page
    assert f'<input type="hidden" name="next" value="{BACK.replace("&", "&amp;")}">' in page


def verifying_then(next_url):
    return f"/accounts/profile/mobile/?next={quote(next_url, safe='')}"


def test_a_patient_who_registers_returns_to_next(client, thana):
    response = client.post(
        f"/accounts/register/patient/?next={BACK_QUOTED}", {**patient_data(thana), "next": BACK}
    )

    # By the page that asks for the code just sent to the new mobile number.
    assert response.status_code == 302
    assert response.url == verifying_then(BACK)
    assert User.objects.get().role == User.Role.PATIENT


def test_a_doctor_who_registers_returns_to_next(client, thana):
    response = client.post("/accounts/register/doctor/", {**doctor_data(thana), "next": BACK})

    assert response.status_code == 302
    assert response.url == verifying_then(BACK)
    assert User.objects.get().role == User.Role.DOCTOR


@pytest.mark.parametrize("unsafe", [EVIL, "//evil.example.com/", "javascript:alert(1)"])
def test_registering_with_a_next_to_another_site_lands_on_the_dashboard(client, thana, unsafe):
    response = client.post("/accounts/register/patient/", {**patient_data(thana), "next": unsafe})

    assert response.url == verifying_then("/accounts/dashboard/")


def test_without_mobile_verification_registration_goes_straight_to_next(client, thana, settings):
    settings.APPION_MOBILE_VERIFICATION = False
    response = client.post(
        f"/accounts/register/patient/?next={BACK_QUOTED}", {**patient_data(thana), "next": BACK}
    )

    assert response.url == BACK


def test_a_logged_in_user_on_a_register_page_goes_to_next(client):
    client.force_login(PatientFactory())

    response = client.get(f"/accounts/register/patient/?next={BACK_QUOTED}")

    assert response.url == BACK


def test_logging_in_from_the_navigation_link_returns_to_the_page(client):
    patient = PatientFactory()
    page = client.get(BACK).content.decode()
    assert f"/accounts/login/?next={BACK_QUOTED}" in page

    login_page = client.get(f"/accounts/login/?next={BACK_QUOTED}").content.decode()
    assert f'name="next" value="{BACK.replace("&", "&amp;")}"' in login_page
    response = client.post(
        "/accounts/login/",
        {"username": patient.email, "password": DEFAULT_PASSWORD, "next": BACK},
    )

    assert response.url == BACK
