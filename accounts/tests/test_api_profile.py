"""PATCH /api/v1/users/me over HTTP: a patient changes their profile through the profile
page's form and service."""

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine

from accounts.models import PatientProfile, User
from accounts.tests.api_client import bearer
from accounts.tests.factories import DoctorProfileFactory, PatientFactory
from locations.tests.factories import ThanaFactory

pytestmark = pytest.mark.django_db

DHAKA = ZoneInfo("Asia/Dhaka")


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(datetime(2026, 3, 10, 7, 0, tzinfo=DHAKA), tick=False):
        yield


def patch(client, user, body):
    return client.patch("/api/v1/users/me", body, content_type="application/json", **bearer(user))


@pytest.fixture
def amina():
    user = PatientFactory(full_name="Amina Khatun", mobile="+8801711000001")
    PatientProfile.objects.filter(user=user).update(blood_group="O+", gender="female")
    return user


def test_a_patient_changes_some_fields_and_keeps_the_others(client, amina):
    thana = ThanaFactory()

    response = patch(
        client,
        amina,
        {
            "full_name": "  Amina   Begum ",
            "division_id": thana.district.division_id,
            "district_id": thana.district_id,
            "thana_id": thana.pk,
            "date_of_birth": "1990-05-01",
        },
    )

    assert response.status_code == 200
    assert response.json()["full_name"] == "Amina Begum"
    amina.refresh_from_db()
    assert (amina.full_name, amina.mobile, amina.thana_id) == (
        "Amina Begum",
        "+8801711000001",
        thana.pk,
    )
    profile = PatientProfile.objects.get(user=amina)
    assert (profile.date_of_birth, profile.blood_group, profile.gender) == (
        date(1990, 5, 1),
        "O+",
        "female",
    )


def test_a_patient_changes_their_mobile_number(client, amina):
    response = patch(client, amina, {"mobile": "01811000002"})

    assert response.status_code == 200
    assert response.json()["mobile"] == "+8801811000002"


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"full_name": "A"}, "full_name"),
        ({"mobile": "12345"}, "mobile"),
        ({"date_of_birth": "2027-01-01"}, "date_of_birth"),
        ({"blood_group": "Z+"}, "blood_group"),
        ({"thana_id": 999999}, "thana_id"),
        ({"email": "new@example.com"}, "email"),
        ({"full_name": ["Amina"]}, "full_name"),
    ],
)
def test_bad_fields_are_422_under_the_apis_names_and_change_nothing(client, amina, body, field):
    response = patch(client, amina, body)

    assert response.status_code == 422
    assert field in [error["loc"][0] for error in response.json()["detail"]]
    amina.refresh_from_db()
    assert (amina.full_name, amina.mobile, amina.email) == (
        "Amina Khatun",
        "+8801711000001",
        amina.email,
    )
    assert User.objects.filter(email="new@example.com").count() == 0


def test_another_accounts_mobile_is_refused_in_the_pages_words(client, amina):
    PatientFactory(mobile="+8801811000003")

    response = patch(client, amina, {"mobile": "+8801811000003"})

    assert response.status_code == 422
    assert response.json()["detail"] == [
        {
            "loc": ["mobile"],
            "msg": "This mobile number cannot be used for your account. Check it or enter another.",
            "type": "mobile_taken",
        }
    ]


def test_a_body_that_is_not_a_json_object_is_422(client, amina):
    response = client.patch(
        "/api/v1/users/me", "[1]", content_type="application/json", **bearer(amina)
    )

    assert response.status_code == 422


def test_doctors_change_their_profile_on_the_site(client):
    doctor = DoctorProfileFactory().user

    response = patch(client, doctor, {"full_name": "Someone Else"})

    assert response.status_code == 403
    doctor.refresh_from_db()
    assert doctor.full_name != "Someone Else"


def test_changing_ones_profile_needs_a_token(client):
    response = client.patch("/api/v1/users/me", {}, content_type="application/json")

    assert response.status_code == 401
