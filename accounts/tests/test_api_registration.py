"""Registering a patient through the API, over HTTP: the registration page's form and
service, under the API's field names."""

import pytest

from accounts.models import PatientProfile, User
from accounts.tests.factories import PatientFactory
from locations.tests.factories import DistrictFactory, ThanaFactory

pytestmark = pytest.mark.django_db

URL = "/api/v1/auth/register"
PASSWORD = "Dhaka#Sky42"


@pytest.fixture
def thana():
    return ThanaFactory(name="Dhanmondi")


def fields(place, **overrides):
    data = {
        "full_name": "Rahima Begum",
        "email": "Rahima@Example.com",
        "mobile": "01712345678",
        "password": PASSWORD,
        "division_id": place.district.division_id,
        "district_id": place.district_id,
        "thana_id": place.pk,
    }
    data.update(overrides)
    return {name: value for name, value in data.items() if value is not None}


def register(client, data):
    return client.post(URL, data, content_type="application/json")


def locs(response):
    return {tuple(error["loc"]) for error in response.json()["detail"]}


def test_a_patient_registers_by_json_and_can_log_in(client, thana):
    response = register(client, fields(thana))

    assert response.status_code == 201
    body = response.json()
    user = User.objects.get()
    assert body == {
        "id": user.pk,
        "email": "rahima@example.com",
        "full_name": "Rahima Begum",
        "mobile": "+8801712345678",
        "role": "patient",
        "is_staff": False,
    }
    assert (user.division_id, user.district_id, user.thana_id) == (
        thana.district.division_id,
        thana.district_id,
        thana.pk,
    )
    assert PatientProfile.objects.filter(user=user).exists()
    login = client.post("/api/v1/auth/login", {"username": "01712345678", "password": PASSWORD})
    assert login.status_code == 200
    me = client.get("/api/v1/users/me", HTTP_AUTHORIZATION=f"Bearer {login.json()['access_token']}")
    assert me.json()["id"] == user.pk


def test_a_patient_registers_by_multipart_without_a_location(client, thana):
    data = fields(thana, division_id=None, district_id=None, thana_id=None)

    response = client.post(URL, data)

    assert response.status_code == 201
    assert User.objects.get().role == User.Role.PATIENT


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"full_name": "R"}, "full_name"),
        ({"full_name": None}, "full_name"),
        ({"email": "not-an-email"}, "email"),
        ({"mobile": "12345"}, "mobile"),
        ({"mobile": None}, "mobile"),
        ({"password": "short"}, "password"),
        ({"password": "rahima begum"}, "password"),
        ({"division_id": 999999}, "division_id"),
        ({"thana_id": "x"}, "thana_id"),
        ({"full_name": ["Rahima"]}, "full_name"),
    ],
)
def test_each_bad_field_is_a_422_under_the_api_name_and_creates_nothing(
    client, thana, overrides, field
):
    response = register(client, fields(thana, **overrides))

    assert response.status_code == 422
    assert (field,) in locs(response)
    assert not User.objects.exists()


def test_a_district_outside_the_division_is_refused(client, thana):
    elsewhere = DistrictFactory()

    response = register(client, fields(thana, district_id=elsewhere.pk, thana_id=None))

    assert response.status_code == 422
    assert ("district_id",) in locs(response)
    assert not User.objects.exists()


def test_a_taken_email_is_refused_with_the_pages_words_only(client, thana):
    PatientFactory(email="rahima@example.com", full_name="Someone Else", mobile="+8801811111111")

    response = register(client, fields(thana))

    assert response.status_code == 422
    assert response.json() == {
        "detail": [
            {
                "loc": ["email"],
                "msg": "An account with this email address already exists. Log in instead?",
                "type": "email_taken",
            }
        ]
    }
    assert User.objects.count() == 1


def test_a_taken_mobile_is_refused_without_naming_the_account(client, thana):
    PatientFactory(email="other@example.com", mobile="+8801712345678")

    response = register(client, fields(thana))

    assert response.status_code == 422
    assert response.json()["detail"] == [
        {
            "loc": ["mobile"],
            "msg": "This mobile number cannot be used for your account. Check it or enter another.",
            "type": "mobile_taken",
        }
    ]
    assert User.objects.count() == 1


@pytest.mark.parametrize("role", ["staff", "admin", "", ["patient"]])
def test_a_role_other_than_patient_or_doctor_is_refused(client, thana, role):
    response = register(client, fields(thana, role=role))

    assert response.status_code == 422
    assert response.json() == {"detail": "The role must be patient or doctor."}
    assert not User.objects.exists()


@pytest.mark.parametrize("body", ["[1, 2]", "{not json"])
def test_a_body_that_is_not_a_json_object_is_422(client, body):
    response = client.post(URL, body, content_type="application/json")

    assert response.status_code == 422
    assert response.json() == {"detail": "Send the fields as a JSON object or as form fields."}
    assert not User.objects.exists()


def test_registrations_share_the_pages_limit_per_address(client, settings, thana):
    settings.APPION_RATE_REGISTRATION = "1/h"
    page = client.post(
        "/accounts/register/patient/",
        {
            "full_name": "Karim Uddin",
            "email": "karim@example.com",
            "mobile": "01812345678",
            "password1": PASSWORD,
            "password2": PASSWORD,
        },
    )
    assert page.status_code == 302
    client.logout()

    response = register(client, fields(thana))

    assert response.status_code == 429
    minutes = -(-int(response["Retry-After"]) // 60)
    unit = "minute" if minutes == 1 else "minutes"
    assert response.json() == {
        "detail": f"Too many attempts. Nothing was saved. Try again in {minutes} {unit}."
    }
    assert int(response["Retry-After"]) > 0
    assert not User.objects.filter(email__iexact="rahima@example.com").exists()


def test_the_openapi_document_describes_the_registration_body(client):
    schema = client.get("/api/v1/openapi.json").json()

    body = schema["paths"]["/api/v1/auth/register"]["post"]["requestBody"]["content"]
    assert set(body) == {"application/json", "multipart/form-data"}
    assert "thana_id" in body["application/json"]["schema"]["properties"]
