"""The API's photo upload, and the pages' abuse limits applied to the API: profile saves,
mobile changes, current-password checks and bookings count together with the pages'."""

import pytest

from accounts.tests.api_client import bearer
from accounts.tests.factories import DoctorProfileFactory, PatientFactory
from accounts.tests.images import image_bytes, upload

pytestmark = pytest.mark.django_db

ME = "/api/v1/users/me"
PHOTO = "/api/v1/users/me/photo"


def send_photo(client, user, data, name="profile_image"):
    return client.post(PHOTO, {name: upload(data)}, **bearer(user))


@pytest.mark.parametrize("name", ["profile_image", "photo"])
def test_a_patient_uploads_a_photo_and_keeps_everything_else(client, name):
    patient = PatientFactory(full_name="Amina Khatun")

    response = send_photo(client, patient, image_bytes("PNG"), name=name)

    assert response.status_code == 200
    patient.refresh_from_db()
    assert patient.photo.name.endswith(".jpg")  # re-encoded, as on the profile page
    assert patient.full_name == "Amina Khatun"


def test_a_doctor_keeps_their_verification_with_a_new_photo(client):
    doctor = DoctorProfileFactory()

    response = send_photo(client, doctor.user, image_bytes())

    assert response.status_code == 200
    doctor.refresh_from_db()
    assert doctor.is_verified
    assert doctor.user.photo


@pytest.mark.parametrize(
    "data, message",
    [
        (b"GIF89a not really", "Upload a JPEG, PNG or WebP photo."),
        (b"", "The submitted file is empty."),
    ],
)
def test_what_is_not_a_photo_is_refused_and_changes_nothing(client, data, message):
    patient = PatientFactory()

    response = send_photo(client, patient, data)

    assert response.status_code == 422
    detail = response.json()["detail"]
    assert [error["loc"] for error in detail] == [["profile_image"]]
    assert message in detail[0]["msg"]
    patient.refresh_from_db()
    assert not patient.photo


def test_a_photo_must_be_sent(client):
    response = client.post(PHOTO, {}, **bearer(PatientFactory()))

    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == ["profile_image"]


def test_the_upload_needs_a_token(client):
    assert client.post(PHOTO, {"profile_image": upload(image_bytes())}).status_code == 401


def test_profile_saves_through_the_api_count_with_the_pages(client, settings):
    settings.APPION_RATE_PROFILE_ACCOUNT = "3/h"
    patient = PatientFactory(full_name="Amina Khatun")
    client.force_login(patient)
    assert client.post("/accounts/profile/", {"full_name": "x"}).status_code == 200  # counted
    for _attempt in range(2):
        response = client.patch(
            ME, {"full_name": "Amina Begum"}, content_type="application/json", **bearer(patient)
        )
        assert response.status_code == 200

    refused = client.patch(
        ME, {"full_name": "Someone Else"}, content_type="application/json", **bearer(patient)
    )
    photo = send_photo(client, patient, image_bytes())

    for response in (refused, photo):
        assert response.status_code == 429
        assert response["Retry-After"]
        assert response.json()["detail"].startswith("Too many attempts. Nothing was saved.")
    patient.refresh_from_db()
    assert patient.full_name == "Amina Begum"
    assert not patient.photo


def test_mobile_changes_through_the_api_are_limited(client, settings):
    settings.APPION_RATE_MOBILE_CHANGE_ACCOUNT = "2/h"
    patient = PatientFactory(mobile="+8801711000001")

    answers = [
        client.patch(
            ME, {"mobile": f"0171100000{n}"}, content_type="application/json", **bearer(patient)
        ).status_code
        for n in (2, 3, 4)
    ]
    same_name = client.patch(
        ME, {"full_name": "Amina Khatun"}, content_type="application/json", **bearer(patient)
    )

    assert answers == [200, 200, 429]
    assert same_name.status_code == 200  # other saves are not mobile changes
    patient.refresh_from_db()
    assert patient.mobile == "+8801711000003"


def test_current_password_checks_through_the_api_are_limited(client, settings):
    settings.APPION_RATE_PASSWORD_CHECK_ACCOUNT = "2/h"
    patient = PatientFactory()
    patient.set_password("Dhaka#Sky42")
    patient.save()
    guesses = [
        client.post(
            "/api/v1/users/me/password",
            {"old_password": guess, "new_password": "Another#Sky43"},
            content_type="application/json",
            **bearer(patient),
        ).status_code
        for guess in ("guess-1", "guess-2", "Dhaka#Sky42")
    ]

    assert guesses == [422, 422, 429]
    patient.refresh_from_db()
    assert patient.check_password("Dhaka#Sky42")
