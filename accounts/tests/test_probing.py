"""No probing of accounts: the forms that check the current password, and the profile's
mobile number, answer a limited number of posts per account and per client address; past
the limit they answer 429 with Retry-After and change nothing."""

import pytest
from django.test import Client

from accounts.tests.factories import DEFAULT_PASSWORD, PatientFactory, StaffFactory

pytestmark = pytest.mark.django_db

HOME = "10.1.1.1"
ELSEWHERE = "10.2.2.2"
EMAIL_URL = "/accounts/profile/email/"
PASSWORD_URL = "/accounts/password/change/"
NEW_PASSWORD = "Padma#River7"


def assert_refused(response):
    assert response.status_code == 429
    assert "Too many attempts" in response.content.decode()
    assert 0 < int(response["Retry-After"]) <= 3600


def logged_in(user, address=HOME):
    client = Client(REMOTE_ADDR=address)
    client.force_login(user)
    return client


def guess_email(client, password, email="new@example.com"):
    return client.post(EMAIL_URL, {"email": email, "current_password": password})


def guess_password(client, password, url=PASSWORD_URL):
    return client.post(
        url,
        {"old_password": password, "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
    )


def test_fifty_five_password_guesses_get_ten_answers():
    user = PatientFactory()
    client = logged_in(user)

    answered = [
        guess(client, f"guess-{n}").status_code
        for n in range(55)
        for guess in ([guess_email] if n % 2 else [guess_password])
    ]

    assert answered.count(200) == 10
    assert answered.count(429) == 45
    assert_refused(guess_password(client, DEFAULT_PASSWORD))
    user.refresh_from_db()
    assert user.check_password(DEFAULT_PASSWORD)


def test_current_password_checks_are_counted_per_account(settings):
    settings.APPION_RATE_PASSWORD_CHECK_ACCOUNT = "2/h"
    user = PatientFactory(email="old@example.com")
    assert guess_email(logged_in(user), "wrong").status_code == 200
    assert guess_password(logged_in(user, ELSEWHERE), "wrong").status_code == 200

    # A third check from a third address, with the right password: refused all the same.
    assert_refused(guess_email(logged_in(user, "10.3.3.3"), DEFAULT_PASSWORD))
    assert_refused(guess_password(logged_in(user, "10.3.3.3"), DEFAULT_PASSWORD))
    user.refresh_from_db()
    assert user.email == "old@example.com"
    assert user.check_password(DEFAULT_PASSWORD)

    neighbour = PatientFactory()
    assert guess_password(logged_in(neighbour), DEFAULT_PASSWORD).status_code == 302


def test_current_password_checks_are_counted_per_address(settings):
    settings.APPION_RATE_PASSWORD_CHECK = "2/h"
    for _ in range(2):
        assert guess_email(logged_in(PatientFactory()), "wrong").status_code == 200

    newcomer = PatientFactory()
    assert_refused(guess_password(logged_in(newcomer), DEFAULT_PASSWORD))
    newcomer.refresh_from_db()
    assert newcomer.check_password(DEFAULT_PASSWORD)

    assert guess_password(logged_in(newcomer, ELSEWHERE), DEFAULT_PASSWORD).status_code == 302


def test_the_admin_password_change_is_counted_too(settings):
    settings.APPION_RATE_PASSWORD_CHECK_ACCOUNT = "1/h"
    staff = StaffFactory()
    client = logged_in(staff)
    assert guess_email(client, "wrong").status_code == 200

    assert_refused(guess_password(client, DEFAULT_PASSWORD, url="/admin/password_change/"))
    staff.refresh_from_db()
    assert staff.check_password(DEFAULT_PASSWORD)


def test_reading_the_forms_is_not_counted(settings):
    settings.APPION_RATE_PASSWORD_CHECK_ACCOUNT = "1/h"
    client = logged_in(PatientFactory())
    for _ in range(3):
        assert client.get(EMAIL_URL).status_code == 200
        assert client.get(PASSWORD_URL).status_code == 200
    assert guess_password(client, DEFAULT_PASSWORD).status_code == 302


PROFILE_URL = "/accounts/profile/"


def save_profile(client, user, **changes):
    data = {"full_name": user.full_name, "mobile": user.mobile, **changes}
    return client.post(PROFILE_URL, data)


def test_profile_saves_are_limited_per_account():
    user = PatientFactory(full_name="Rahim Uddin")
    client = logged_in(user)
    for n in range(20):
        assert save_profile(client, user, full_name=f"Rahim Uddin {n}").status_code == 302

    assert_refused(save_profile(logged_in(user, ELSEWHERE), user, full_name="Someone Else"))
    user.refresh_from_db()
    assert user.full_name == "Rahim Uddin 19"

    neighbour = PatientFactory()
    assert save_profile(logged_in(neighbour), neighbour, full_name="Karima").status_code == 302


def test_profile_saves_are_limited_per_address(settings):
    settings.APPION_RATE_PROFILE = "2/h"
    for _ in range(2):
        user = PatientFactory()
        assert save_profile(logged_in(user), user).status_code == 302

    newcomer = PatientFactory(full_name="Rahim Uddin")
    assert_refused(save_profile(logged_in(newcomer), newcomer, full_name="Someone Else"))
    newcomer.refresh_from_db()
    assert newcomer.full_name == "Rahim Uddin"
    assert save_profile(logged_in(newcomer, ELSEWHERE), newcomer).status_code == 302


def test_a_taken_mobile_gets_a_message_that_names_no_account():
    other = PatientFactory(mobile="+8801812345678", full_name="Karima Begum")
    user = PatientFactory()
    mobile = user.mobile

    response = save_profile(logged_in(user), user, mobile="01812-345678")

    assert response.status_code == 200
    [error] = response.context["form"].errors["mobile"]
    assert error == "This mobile number cannot be used for your account. Check it or enter another."
    page = response.content.decode()
    assert other.full_name not in page and other.email not in page
    assert "another account" not in page and "already registered" not in page
    user.refresh_from_db()
    assert user.mobile == mobile


def test_mobile_changes_are_limited_per_account():
    PatientFactory(mobile="+8801812345678")
    user = PatientFactory(full_name="Rahim Uddin")
    client = logged_in(user)
    mobile = user.mobile
    answers = [
        save_profile(client, user, mobile=f"0181234567{n}").status_code for n in range(8, 0, -1)
    ]

    # Five tries of another number; then not even a free one is looked at.
    assert answers[:5] == [200, 302, 302, 302, 302]
    assert answers[5:] == [429, 429, 429]
    user.refresh_from_db()
    assert user.mobile == "+8801812345674"

    # Saving the rest of the profile with the same number still works.
    assert save_profile(client, user, full_name="Rahim Uddin Ahmed").status_code == 302
    user.refresh_from_db()
    assert (user.full_name, user.mobile) == ("Rahim Uddin Ahmed", "+8801812345674")
    assert mobile != user.mobile


def test_mobile_changes_are_limited_per_address(settings):
    settings.APPION_RATE_MOBILE_CHANGE = "2/h"
    for n in range(2):
        user = PatientFactory()
        assert save_profile(logged_in(user), user, mobile=f"0161234567{n}").status_code == 302

    newcomer = PatientFactory()
    mobile = newcomer.mobile
    assert_refused(save_profile(logged_in(newcomer), newcomer, mobile="01612345679"))
    newcomer.refresh_from_db()
    assert newcomer.mobile == mobile
    assert save_profile(logged_in(newcomer), newcomer).status_code == 302
    saved = save_profile(logged_in(newcomer, ELSEWHERE), newcomer, mobile="01612345679")
    assert saved.status_code == 302
    newcomer.refresh_from_db()
    assert newcomer.mobile == "+8801612345679"
