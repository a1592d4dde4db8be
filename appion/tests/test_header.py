"""The header on every page: the language switch (plain links, no JavaScript needed) and,
for a logged-in user, the account menu built with <details>."""

import re
from urllib.parse import quote

import pytest

from accounts.tests.factories import DoctorProfileFactory, PatientFactory, StaffFactory

pytestmark = pytest.mark.django_db


def header(response):
    page = response.content.decode()
    return page[page.index("<nav") : page.index('<main id="main"')]


def language_links(html):
    switch = re.search(r'<nav class="lang-switch[^>]*>(.*?)</nav>', html, re.S).group(1)
    return re.findall(r'<a href="([^"]+)" lang="(\w+)"[^>]*>([^<]+)</a>', switch)


@pytest.mark.parametrize(
    ("who", "path"),
    [
        (None, "/"),
        (None, "/doctors/?q=heart"),
        (None, "/doctor/"),
        (None, "/accounts/login/"),
        (None, "/accounts/register/patient/"),
        ("patient", "/appointments/"),
        ("patient", "/accounts/profile/"),
        ("doctor", "/portal/"),
        ("staff", "/reports/"),
    ],
)
def test_every_page_has_the_language_switch_in_its_header(client, who, path):
    if path == "/doctor/":
        path = f"/doctors/{DoctorProfileFactory().pk}/"
    if who:
        user = {
            "patient": PatientFactory,
            "doctor": lambda: DoctorProfileFactory().user,
            "staff": StaffFactory,
        }[who]()
        client.force_login(user)

    response = client.get(path)

    assert response.status_code == 200
    back = quote(path, safe="/")
    assert language_links(header(response)) == [
        (f"/language/en/?next={back}", "en", "English"),
        (f"/language/bn/?next={back}", "bn", "বাংলা"),
    ]


def test_the_header_switch_marks_the_current_language_and_switches_without_javascript(client):
    response = client.get("/")
    assert 'lang="en" hreflang="en" rel="nofollow" aria-current="true">English' in header(response)

    href = language_links(header(response))[1][0].replace("&amp;", "&")
    switched = client.get(href, follow=True)

    assert switched.wsgi_request.LANGUAGE_CODE == "bn"
    assert 'lang="bn" hreflang="bn" rel="nofollow" aria-current="true">বাংলা' in header(switched)


def test_a_logged_in_patient_has_an_account_menu_with_a_post_logout(client):
    patient = PatientFactory(full_name="Rina <i>Akter</i>")
    client.force_login(patient)

    html = header(client.get("/doctors/"))
    menu = re.search(r'<details class="user-menu">(.*?)</details>', html, re.S).group(1)

    assert "Rina &lt;i&gt;Akter&lt;/i&gt;" in menu
    assert "<i>Akter</i>" not in html
    assert 'aria-hidden="true">RI</span>' in menu  # first letters of "Rina", "<i>Akter</i>"
    assert '<a href="/accounts/profile/">My profile</a>' in menu
    assert '<a href="/appointments/">My appointments</a>' in menu
    assert '<form action="/accounts/logout/" method="post">' in menu
    assert 'name="csrfmiddlewaretoken"' in menu


def test_a_doctors_account_menu_leads_to_the_portal(client):
    client.force_login(DoctorProfileFactory().user)

    html = header(client.get("/"))
    menu = re.search(r'<details class="user-menu">(.*?)</details>', html, re.S).group(1)

    assert '<a href="/portal/">Doctor portal</a>' in menu
    assert "/appointments/" not in menu


def test_a_visitor_has_no_account_menu_but_log_in_and_register(client):
    html = header(client.get("/"))

    assert "user-menu" not in html
    assert "/accounts/login/" in html
    assert "/accounts/register/patient/" in html


def test_the_header_keeps_the_skip_link_logo_and_bell(client):
    client.force_login(PatientFactory())

    page = client.get("/").content.decode()

    assert page.index('href="#main"') < page.index("<nav")
    assert '<svg class="appion-logo"' in header_of(page)
    assert 'id="nav-bell"' in header_of(page)


def header_of(page):
    return page[page.index("<nav") : page.index('<main id="main"')]
