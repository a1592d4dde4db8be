"""Changing the login email: the current password first, then a link to the new address
that makes the change; nothing on the way says which addresses other accounts use."""

import pytest

from accounts.tests.factories import DEFAULT_PASSWORD, PatientFactory

pytestmark = pytest.mark.django_db

CHANGE_URL = "/accounts/profile/email/"


@pytest.fixture
def user(client):
    user = PatientFactory(email="old@example.com", full_name="Rahim Uddin")
    client.force_login(user)
    return user


def test_a_wrong_password_says_nothing_about_the_new_address(client, user):
    PatientFactory(email="taken@example.com")

    taken = client.post(CHANGE_URL, {"email": "taken@example.com", "current_password": "x"})
    free = client.post(CHANGE_URL, {"email": "free@example.com", "current_password": "x"})

    for response in (taken, free):
        assert response.status_code == 200
        errors = response.context["form"].errors
        assert list(errors) == ["current_password"]
        assert "already" not in response.content.decode()
    assert taken.context["form"].errors == free.context["form"].errors
    user.refresh_from_db()
    assert user.email == "old@example.com"


def test_a_taken_address_is_refused_without_naming_its_account(client, user):
    other = PatientFactory(email="taken@example.com", full_name="Karima Begum")

    response = client.post(
        CHANGE_URL, {"email": "TAKEN@example.com", "current_password": DEFAULT_PASSWORD}
    )

    assert response.status_code == 200
    assert list(response.context["form"].errors) == ["email"]
    page = response.content.decode()
    assert other.full_name not in page and other.mobile not in page
    user.refresh_from_db()
    assert user.email == "old@example.com"
