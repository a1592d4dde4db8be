"""The API's login, tokens and own account, over HTTP."""

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.test import Client

from accounts.models import User
from accounts.tests.factories import DEFAULT_PASSWORD, PatientFactory

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 3, 10, 4, 0, tzinfo=UTC)


@pytest.fixture
def frozen():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


def log_in(client, username, password=DEFAULT_PASSWORD):
    return client.post("/api/v1/auth/login", {"username": username, "password": password})


def bearer(token):
    return {"HTTP_AUTHORIZATION": f"Bearer {token}"}


def test_login_by_email_or_mobile_gives_bearer_tokens(client, frozen):
    user = PatientFactory(email="rahim@example.com", mobile="+8801711000001")

    for name in ("RAHIM@example.com", "01711000001"):
        response = log_in(client, name)
        assert response.status_code == 200
        body = response.json()
        assert body["token_type"] == "bearer"
        assert body["expires_in"] == 30 * 60
        me = client.get("/api/v1/users/me", **bearer(body["access_token"]))
        assert me.status_code == 200
        assert me.json()["email"] == user.email
        assert me.json()["role"] == "patient"


def test_login_refuses_a_wrong_password_with_json_401(client):
    PatientFactory(email="rahim@example.com")

    response = log_in(client, "rahim@example.com", "wrong-password")

    assert response.status_code == 401
    assert response.json() == {
        "detail": "The email address or mobile number, or the password, is not correct."
    }
    assert "access_token" not in response.json()


def test_login_without_fields_is_422(client):
    response = client.post("/api/v1/auth/login", {"username": "x@example.com"})

    assert response.status_code == 422
    assert isinstance(response.json()["detail"], list)


@pytest.mark.parametrize(
    "headers",
    [{}, {"HTTP_AUTHORIZATION": "Bearer not-a-token"}, {"HTTP_AUTHORIZATION": "Basic abc"}],
)
def test_me_without_a_valid_token_is_401(client, headers):
    response = client.get("/api/v1/users/me", **headers)

    assert response.status_code == 401
    assert response.json() == {"detail": "Unauthorized"}


def test_access_token_expires_after_the_setting(client, settings, frozen):
    settings.ACCESS_TOKEN_EXPIRE_MINUTES = 10
    PatientFactory(email="rahim@example.com")
    body = log_in(client, "rahim@example.com").json()
    assert body["expires_in"] == 600

    frozen.shift(timedelta(minutes=9))
    assert client.get("/api/v1/users/me", **bearer(body["access_token"])).status_code == 200
    frozen.shift(timedelta(minutes=2))
    assert client.get("/api/v1/users/me", **bearer(body["access_token"])).status_code == 401


def test_token_signed_with_another_key_is_refused(client, settings):
    PatientFactory(email="rahim@example.com")
    token = log_in(client, "rahim@example.com").json()["access_token"]

    settings.API_JWT_SECRET = "another key, as long as a real one should be: 32+"

    assert client.get("/api/v1/users/me", **bearer(token)).status_code == 401


def test_refresh_gives_new_tokens_and_refuses_an_access_token(client, frozen):
    PatientFactory(email="rahim@example.com")
    body = log_in(client, "rahim@example.com").json()
    frozen.shift(timedelta(minutes=31))

    refused = client.post(
        "/api/v1/auth/refresh",
        {"refresh_token": body["access_token"]},
        content_type="application/json",
    )
    renewed = client.post(
        "/api/v1/auth/refresh",
        {"refresh_token": body["refresh_token"]},
        content_type="application/json",
    )

    assert refused.status_code == 401
    assert renewed.status_code == 200
    token = renewed.json()["access_token"]
    assert client.get("/api/v1/users/me", **bearer(token)).status_code == 200


def test_password_change_ends_every_token_issued_before(client):
    PatientFactory(email="rahim@example.com")
    body = log_in(client, "rahim@example.com").json()

    response = client.post(
        "/api/v1/users/me/password",
        {"old_password": DEFAULT_PASSWORD, "new_password": "Another#Secret2026"},
        content_type="application/json",
        **bearer(body["access_token"]),
    )

    assert response.status_code == 200
    assert client.get("/api/v1/users/me", **bearer(body["access_token"])).status_code == 401
    refreshed = client.post(
        "/api/v1/auth/refresh",
        {"refresh_token": body["refresh_token"]},
        content_type="application/json",
    )
    assert refreshed.status_code == 401
    assert log_in(client, "rahim@example.com", "Another#Secret2026").status_code == 200


def test_password_change_refuses_a_wrong_old_password_and_changes_nothing(client):
    user = PatientFactory(email="rahim@example.com")
    token = log_in(client, "rahim@example.com").json()["access_token"]

    response = client.post(
        "/api/v1/users/me/password",
        {"old_password": "wrong", "new_password": "Another#Secret2026"},
        content_type="application/json",
        **bearer(token),
    )

    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == ["old_password"]
    user.refresh_from_db()
    assert user.check_password(DEFAULT_PASSWORD)
    assert client.get("/api/v1/users/me", **bearer(token)).status_code == 200


def test_password_reset_elsewhere_ends_the_tokens(client):
    user = PatientFactory(email="rahim@example.com")
    token = log_in(client, "rahim@example.com").json()["access_token"]

    user.set_password("Reset#Secret2026")
    user.save(update_fields=["password"])

    assert client.get("/api/v1/users/me", **bearer(token)).status_code == 401


def test_deactivation_ends_the_tokens(client):
    user = PatientFactory(email="rahim@example.com")
    token = log_in(client, "rahim@example.com").json()["access_token"]

    User.objects.filter(pk=user.pk).update(is_active=False)

    assert client.get("/api/v1/users/me", **bearer(token)).status_code == 401


def test_lockout_is_shared_with_the_login_page(frozen):
    PatientFactory(email="rahim@example.com")
    api_client, page_client = Client(), Client()

    for _attempt in range(3):
        page_client.post("/accounts/login/", {"username": "rahim@example.com", "password": "wrong"})
    assert log_in(api_client, "rahim@example.com", "wrong").status_code == 401

    locked = log_in(api_client, "rahim@example.com", "wrong")

    assert locked.status_code == 429
    assert locked["Content-Type"] == "application/json"
    assert locked.json()["detail"].startswith("Too many failed logins.")
    assert int(locked["Retry-After"]) > 0
    page = page_client.post(
        "/accounts/login/", {"username": "rahim@example.com", "password": DEFAULT_PASSWORD}
    )
    assert page.status_code == 429
    assert log_in(api_client, "rahim@example.com").status_code == 429
