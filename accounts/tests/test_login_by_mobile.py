"""Logging in with the mobile number as well as the email (issue 15): on every login form,
with one lockout for both."""

import re
from datetime import timedelta

import pytest
import time_machine
from django.contrib.auth.hashers import MD5PasswordHasher
from django.db import IntegrityError, transaction
from django.urls import reverse

from accounts.models import AuditEntry
from accounts.tests.factories import DEFAULT_PASSWORD, PatientFactory, StaffFactory, UserFactory
from accounts.tests.test_login import ELSEWHERE, HOME, LOGIN_URL, NOW, log_in

pytestmark = pytest.mark.django_db

ADMIN_LOGIN_URL = "/admin/login/"
MOBILE = "+8801712345678"
GENERIC_ERROR = "The email address or mobile number, or the password, is not correct."


@pytest.fixture
def rahim():
    return PatientFactory(email="rahim@example.com", mobile=MOBILE)


def form_errors(response):
    return list(response.context["form"].non_field_errors())


@pytest.mark.parametrize(
    "login_name",
    [
        "RAHIM@Example.COM",
        "01712345678",
        "+8801712345678",
        "8801712345678",
        "017 1234 5678",
        "0171-234-5678",
        "+880 1712-345678",
        " 01712345678 ",
        "০১৭১২৩৪৫৬৭৮",
        "+৮৮০ ১৭১২-৩৪৫৬৭৮",
    ],
)
def test_login_by_email_or_mobile_in_any_usual_spelling(client, rahim, login_name):
    response = client.post(LOGIN_URL, {"username": login_name, "password": DEFAULT_PASSWORD})

    assert response.status_code == 302
    assert response.url == reverse("accounts:dashboard")
    assert client.session["_auth_user_id"] == str(rahim.pk)
    [entry] = AuditEntry.objects.filter(action=AuditEntry.Action.LOGIN)
    assert (entry.user, entry.email) == (rahim, "rahim@example.com")


def test_the_login_page_asks_for_the_email_or_the_mobile_number(client):
    page = client.get(LOGIN_URL).content.decode()

    assert re.search(r'<label\s+for="id_username"[^>]*>\s*Email or mobile number', page)
    # A mobile number cannot be typed into a field the browser checks as an email.
    assert 'type="email"' not in page
    assert 'name="username"' in page
    assert 'autocomplete="username"' in page


def test_wrong_password_by_mobile_is_refused_in_the_usual_words(client, rahim):
    response = client.post(LOGIN_URL, {"username": "01712345678", "password": "Wrong#Secret99"})

    assert response.status_code == 200
    assert form_errors(response) == [GENERIC_ERROR]
    assert "_auth_user_id" not in client.session


def test_an_unknown_mobile_gets_the_same_answer_as_an_unknown_email(client, rahim):
    answers = [
        client.post(LOGIN_URL, {"username": name, "password": "Wrong#Secret99"})
        for name in ["01812345678", "nobody@example.com", "01712345678", "rahim"]
    ]

    assert [response.status_code for response in answers] == [200] * 4
    assert [form_errors(response) for response in answers] == [[GENERIC_ERROR]] * 4


class CountingHasher(MD5PasswordHasher):
    """Django's test hasher, counting the passwords it hashes: a new one, or one checked
    against a stored hash (verify hashes it again)."""

    calls = 0

    def encode(self, password, salt):
        CountingHasher.calls += 1
        return super().encode(password, salt)


def test_an_unknown_mobile_costs_a_password_hash_as_a_known_one_does(client, settings):
    # Without it the answer would come sooner for a number no account has.
    settings.PASSWORD_HASHERS = [f"{__name__}.CountingHasher"]
    PatientFactory(mobile=MOBILE)

    work = []
    for name in ["01712345678", "01812345678", "nobody@example.com"]:
        CountingHasher.calls = 0
        client.post(LOGIN_URL, {"username": name, "password": "Wrong#Secret99"})
        work.append(CountingHasher.calls)

    assert work == [1, 1, 1]


def test_an_inactive_account_cannot_log_in_by_mobile(client):
    PatientFactory(mobile=MOBILE, is_active=False)

    response = client.post(LOGIN_URL, {"username": "01712345678", "password": DEFAULT_PASSWORD})

    assert form_errors(response) == [GENERIC_ERROR]
    assert "_auth_user_id" not in client.session


def test_staff_log_in_to_the_admin_by_mobile(client):
    staff = StaffFactory(mobile="+8801911000001")

    page = client.get(ADMIN_LOGIN_URL).content.decode()
    assert re.search(r'<label\s+for="id_username"[^>]*>\s*Email or mobile number', page)
    response = client.post(
        ADMIN_LOGIN_URL,
        {"username": "০১৯১১-০০০০০১", "password": DEFAULT_PASSWORD, "next": "/admin/"},
    )

    assert response.status_code == 302
    assert response.url == "/admin/"
    assert client.session["_auth_user_id"] == str(staff.pk)


def test_the_admin_refuses_a_patient_by_mobile_in_the_usual_words(client, rahim):
    response = client.post(
        ADMIN_LOGIN_URL, {"username": "01712345678", "password": DEFAULT_PASSWORD}
    )

    assert response.status_code == 200
    assert form_errors(response) == [GENERIC_ERROR]
    assert "_auth_user_id" not in client.session


def test_a_mobile_number_belongs_to_one_account_and_many_have_none():
    UserFactory(mobile=MOBILE)
    UserFactory.create_batch(2, mobile=None)

    with pytest.raises(IntegrityError), transaction.atomic():
        UserFactory(mobile=MOBILE)


def test_failures_by_email_and_by_mobile_add_up_to_one_lock(rahim):
    with time_machine.travel(NOW, tick=False) as traveller:
        for name in ["rahim@example.com", "RAHIM@example.com", "Rahim@Example.com"]:
            assert log_in(HOME, name, "wrong").status_code == 200
        assert log_in(HOME, "01712345678", "wrong").status_code == 200
        last = log_in(HOME, "+880 1712-345678", "wrong")
        assert last.status_code == 429
        assert last["Retry-After"] == "900"

        for name in ["rahim@example.com", "01712345678", "০১৭১২৩৪৫৬৭৮"]:
            response = log_in(HOME, name, DEFAULT_PASSWORD)
            assert response.status_code == 429
            assert "Please try again in 15 minutes." in response.content.decode()
            assert not response.logged_in

        # The lock is the account's from that address only, and ends with its time.
        assert log_in(ELSEWHERE, "01712345678", DEFAULT_PASSWORD).logged_in
        traveller.shift(timedelta(minutes=15, seconds=1))
        assert log_in(HOME, "01712345678", DEFAULT_PASSWORD).logged_in


def test_a_login_by_mobile_clears_the_failures_by_email(rahim):
    for _attempt in range(4):
        log_in(HOME, "rahim@example.com", "wrong")
    assert log_in(HOME, "01712345678", DEFAULT_PASSWORD).logged_in

    for _attempt in range(4):
        assert log_in(HOME, "rahim@example.com", "wrong").status_code == 200


def test_spellings_of_an_unknown_mobile_add_up_to_one_lock():
    spellings = ["01812345678", "+8801812345678", "8801812345678", "018-1234-5678", "০১৮১২৩৪৫৬৭৮"]

    answers = [log_in(HOME, name, "wrong").status_code for name in spellings]

    assert answers == [200, 200, 200, 200, 429]


def test_failures_by_mobile_count_towards_the_address_limit(settings, rahim):
    settings.APPION_RATE_LOGIN_FAILURES = "3/h"
    other = PatientFactory(mobile="+8801912345678")
    log_in(HOME, "01812345678", "x")
    log_in(HOME, "01912345678", "x")
    log_in(HOME, "nobody@example.com", "x", url=ADMIN_LOGIN_URL)

    for name in ["01712345678", "rahim@example.com", other.email]:
        response = log_in(HOME, name, DEFAULT_PASSWORD)
        assert response.status_code == 429
        assert "Too many failed logins have come from your network" in response.content.decode()
        assert not response.logged_in
    assert log_in(ELSEWHERE, "01712345678", DEFAULT_PASSWORD).logged_in
