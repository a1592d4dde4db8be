import re
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core import mail
from django.test import Client
from django.urls import reverse

from accounts.models import AuditEntry
from accounts.tests.factories import (
    DEFAULT_PASSWORD,
    DoctorProfileFactory,
    PatientFactory,
    StaffFactory,
)

pytestmark = pytest.mark.django_db

LOGIN_URL = "/accounts/login/"


def test_login_by_email_in_any_letter_case(client):
    PatientFactory(email="rahim@example.com")
    response = client.post(
        LOGIN_URL, {"username": "RAHIM@Example.COM", "password": DEFAULT_PASSWORD}
    )

    assert response.status_code == 302
    assert response.url == reverse("accounts:dashboard")
    assert client.get(reverse("accounts:dashboard"), follow=True).redirect_chain == [
        ("/appointments/", 302)
    ]


def test_wrong_password_shows_a_message(client):
    PatientFactory(email="rahim@example.com")
    response = client.post(LOGIN_URL, {"username": "rahim@example.com", "password": "nope"})

    assert response.status_code == 200
    assert "not correct" in response.content.decode()
    assert "_auth_user_id" not in client.session


@pytest.mark.parametrize(
    "factory, text",
    [
        (PatientFactory, "My appointments"),
        (lambda: DoctorProfileFactory().user, "Requests to confirm"),
        (StaffFactory, "By status"),
    ],
)
def test_each_role_lands_on_its_own_dashboard(client, factory, text):
    user = factory()
    response = client.post(
        LOGIN_URL, {"username": user.email, "password": DEFAULT_PASSWORD}, follow=True
    )
    assert text in response.content.decode()


def test_safe_next_is_honoured_and_unsafe_next_ignored(client):
    user = PatientFactory()
    credentials = {"username": user.email, "password": DEFAULT_PASSWORD}

    response = client.post(LOGIN_URL, {**credentials, "next": "/accounts/profile/"})
    assert response.url == "/accounts/profile/"

    client.post("/accounts/logout/")
    response = client.post(LOGIN_URL, {**credentials, "next": "https://evil.example.com/"})
    assert response.url == reverse("accounts:dashboard")


def test_five_failures_lock_the_account_from_that_address(client):
    user = PatientFactory(email="rahim@example.com")
    for spelling in ["rahim@example.com", "RAHIM@example.com"] * 2 + ["Rahim@Example.com"]:
        client.post(LOGIN_URL, {"username": spelling, "password": "wrong"})

    response = client.post(LOGIN_URL, {"username": user.email, "password": DEFAULT_PASSWORD})

    assert response.status_code in (403, 429)
    assert "locked for 15 minutes" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_logout_by_get_is_refused_and_post_logs_out(client):
    client.force_login(PatientFactory())

    assert client.get("/accounts/logout/").status_code == 405
    assert "_auth_user_id" in client.session

    client.post("/accounts/logout/")
    assert "_auth_user_id" not in client.session


def test_password_reset_says_the_same_for_known_and_unknown_emails(client):
    PatientFactory(email="rahim@example.com")

    known = client.post("/accounts/password/reset/", {"email": "rahim@example.com"}, follow=True)
    unknown = client.post("/accounts/password/reset/", {"email": "who@example.com"}, follow=True)

    assert (
        known.redirect_chain == unknown.redirect_chain == [("/accounts/password/reset/sent/", 302)]
    )
    assert "If an account exists" in known.content.decode()
    assert "If an account exists" in unknown.content.decode()
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["rahim@example.com"]


def test_password_reset_link_sets_a_new_password(client):
    user = PatientFactory(email="rahim@example.com")
    client.post("/accounts/password/reset/", {"email": "rahim@example.com"})
    link = re.search(r"http://testserver(/accounts/password/reset/\S+/)", mail.outbox[0].body)[1]

    form_page = client.get(link, follow=True)
    set_url = form_page.redirect_chain[-1][0]
    response = client.post(
        set_url, {"new_password1": "Padma#River7", "new_password2": "Padma#River7"}
    )

    assert response.status_code == 302
    user.refresh_from_db()
    assert user.check_password("Padma#River7")


def test_password_change_applies_the_policy(client):
    user = PatientFactory()
    client.force_login(user)

    weak = client.post(
        "/accounts/password/change/",
        {"old_password": DEFAULT_PASSWORD, "new_password1": "padma", "new_password2": "padma"},
    )
    assert weak.status_code == 200
    strong = client.post(
        "/accounts/password/change/",
        {
            "old_password": DEFAULT_PASSWORD,
            "new_password1": "Padma#River7",
            "new_password2": "Padma#River7",
        },
    )
    assert strong.status_code == 302
    user.refresh_from_db()
    assert user.check_password("Padma#River7")


@pytest.mark.parametrize("url", [LOGIN_URL, "/admin/login/"])
def test_an_overlong_login_name_is_refused_not_a_server_error(client, url):
    # The admin's login form sends any name to the database; SQLite refused a LIKE
    # pattern that long, and PostgreSQL the failure record of django-axes.
    PatientFactory()
    response = client.post(url, {"username": "a" * 1_000_000, "password": "x"})

    assert response.status_code == 200
    assert "_auth_user_id" not in client.session


def test_failures_under_an_overlong_name_still_lock_it_out(client):
    name = "a" * 300 + "@example.com"
    for _attempt in range(5):
        client.post("/admin/login/", {"username": name, "password": "x"})

    assert client.post("/admin/login/", {"username": name, "password": "x"}).status_code == 429


HOME = "10.1.1.1"
ELSEWHERE = "10.2.2.2"
NOW = datetime(2026, 3, 10, 10, 0, tzinfo=ZoneInfo("Asia/Dhaka"))


def log_in(address, email, password, url=LOGIN_URL, language="en"):
    client = Client(REMOTE_ADDR=address, HTTP_ACCEPT_LANGUAGE=language)
    response = client.post(url, {"username": email, "password": password})
    response.logged_in = "_auth_user_id" in client.session
    return response


def test_the_account_lockout_is_a_429_that_says_when_to_come_back():
    user = PatientFactory()
    with time_machine.travel(NOW, tick=False) as traveller:
        for _attempt in range(5):
            last = log_in(HOME, user.email, "wrong")
        assert last.status_code == 429
        assert last["Retry-After"] == "900"

        traveller.shift(timedelta(minutes=4))
        response = log_in(HOME, user.email, DEFAULT_PASSWORD)
        assert response.status_code == 429
        # Every attempt while locked starts the 15 minutes again (AXES_RESET_COOL_OFF_...).
        assert response["Retry-After"] == "900"
        assert "Please try again in 15 minutes." in response.content.decode()
        assert not response.logged_in

        assert log_in(ELSEWHERE, user.email, DEFAULT_PASSWORD).logged_in
        traveller.shift(timedelta(minutes=15, seconds=1))
        assert log_in(HOME, user.email, DEFAULT_PASSWORD).logged_in


def test_spraying_many_accounts_from_one_address_is_locked():
    users = PatientFactory.create_batch(50)

    answers = [log_in(HOME, users[n % 50].email, "Password1!").status_code for n in range(80)]

    assert answers == [200] * 29 + [429] * 51
    response = log_in(HOME, users[0].email, DEFAULT_PASSWORD)
    assert response.status_code == 429
    assert not response.logged_in
    assert 0 < int(response["Retry-After"]) <= 3600
    page = response.content.decode()
    assert "Too many failed logins have come from your network" in page
    assert "Please try again in" in page
    assert users[0].email not in page
    locked_out = AuditEntry.objects.filter(action="login_failed", detail__locked_out=True)
    assert locked_out.count() == 52

    # No account is locked by it: each can still log in from another address.
    for user in users[:3]:
        assert log_in(ELSEWHERE, user.email, DEFAULT_PASSWORD).logged_in


def test_spraying_the_admin_login_counts_too(settings):
    settings.APPION_RATE_LOGIN_FAILURES = "3/h"
    staff = StaffFactory()
    for n in range(2):
        log_in(HOME, f"nobody{n}@example.com", "x", url="/admin/login/")
    log_in(HOME, "nobody@example.com", "x")

    response = log_in(HOME, staff.email, DEFAULT_PASSWORD, url="/admin/login/")
    assert response.status_code == 429
    assert not response.logged_in
    assert log_in(ELSEWHERE, staff.email, DEFAULT_PASSWORD, url="/admin/login/").logged_in


def test_the_address_lock_ends_with_its_hour(settings):
    settings.APPION_RATE_LOGIN_FAILURES = "2/h"
    user = PatientFactory()
    with time_machine.travel(NOW, tick=False) as traveller:
        log_in(HOME, "a@example.com", "x")
        locked = log_in(HOME, "b@example.com", "x")
        assert locked.status_code == 429

        traveller.shift(timedelta(seconds=int(locked["Retry-After"]) + 1))
        assert log_in(HOME, user.email, DEFAULT_PASSWORD).logged_in


def test_the_lockout_page_is_in_bengali_for_bengali_readers(settings):
    settings.APPION_RATE_LOGIN_FAILURES = "1/h"
    response = log_in(HOME, "a@example.com", "x", language="bn")

    assert response.status_code == 429
    assert int(response["Retry-After"]) > 0
    assert '<html lang="bn"' in response.content.decode()
    assert "Please try again in" not in response.content.decode()


def test_the_bengali_lockout_page_says_when_in_bengali_digits():
    user = PatientFactory()
    with time_machine.travel(NOW, tick=False):
        for _attempt in range(5):
            last = log_in(HOME, user.email, "wrong", language="bn")
    assert last.status_code == 429
    assert "অনুগ্রহ করে ১৫ মিনিট পরে আবার চেষ্টা করুন।" in last.content.decode()


def test_failed_logins_under_the_address_limit_lock_nothing(settings):
    user = PatientFactory()
    for n in range(29):
        log_in(HOME, f"nobody{n}@example.com", "x")
    assert log_in(HOME, user.email, DEFAULT_PASSWORD).logged_in
