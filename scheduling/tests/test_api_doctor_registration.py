"""Registering a doctor through the API, over HTTP, with the original documentation's
field names: the doctor registration page's form and service."""

import pytest

from accounts.models import User
from accounts.tests.factories import DoctorProfileFactory, SpecializationFactory
from accounts.tests.images import image_bytes, upload
from locations.tests.factories import ThanaFactory
from scheduling.models import Chamber, ChamberHours

pytestmark = pytest.mark.django_db

URL = "/api/v1/auth/register"
PASSWORD = "Dhaka#Sky42"


@pytest.fixture
def thana():
    return ThanaFactory(name="Dhanmondi", district__name="Dhaka")


@pytest.fixture
def cardiology():
    return SpecializationFactory(name="Cardiology")


def fields(place, **overrides):
    """A doctor's registration as the original API documents it."""
    data = {
        "role": "doctor",
        "full_name": "Dr. Kamal Hossain",
        "email": "Kamal@Example.com",
        "mobile": "01712345678",
        "password": PASSWORD,
        "division_id": place.district.division_id,
        "district_id": place.district_id,
        "thana_id": place.pk,
        "license_number": " a-12345 ",
        "experience_years": 12,
        "consultation_fee": 800,
        "available_timeslots": "09:00-12:00,14:00-17:00",
        "specialization": "cardiology",
    }
    data.update(overrides)
    return {name: value for name, value in data.items() if value is not None}


def register(client, data):
    return client.post(URL, data, content_type="application/json")


def locs(response):
    return {tuple(error["loc"]) for error in response.json()["detail"]}


def test_a_doctor_registers_by_json_and_waits_for_verification(client, thana, cardiology):
    response = register(client, fields(thana))

    assert response.status_code == 201
    user = User.objects.get()
    assert response.json() == {
        "id": user.pk,
        "email": "kamal@example.com",
        "full_name": "Dr. Kamal Hossain",
        "mobile": "+8801712345678",
        "role": "doctor",
        "is_staff": False,
    }
    profile = user.doctor_profile
    assert (profile.licence_number, profile.specialization, profile.experience_years) == (
        "A-12345",
        cardiology,
        12,
    )
    assert profile.consultation_fee == 800
    assert not profile.is_verified
    chamber = Chamber.objects.get(doctor=profile)
    assert chamber.thana == thana
    assert chamber.address == "Dhanmondi, Dhaka"
    hours = ChamberHours.objects.filter(chamber=chamber)
    assert sorted({h.weekday for h in hours}) == [0, 1, 2, 3, 5, 6]
    assert {(h.start.hour, h.end.hour) for h in hours} == {(9, 12), (14, 17)}
    # Staff verify a new doctor before patients can find them.
    assert client.get("/api/v1/doctors").json()["total"] == 0
    login = client.post("/api/v1/auth/login", {"username": "01712345678", "password": PASSWORD})
    assert login.status_code == 200


def test_a_doctor_registers_by_multipart_with_a_photo_and_a_chamber(client, thana, cardiology):
    data = fields(
        thana,
        specialization=cardiology.pk,
        chamber_name="Popular Diagnostic Centre",
        chamber_address="House 16, Road 2, Dhanmondi",
    )
    data["profile_image"] = upload(image_bytes())

    response = client.post(URL, data)

    assert response.status_code == 201
    user = User.objects.get()
    assert user.photo.name.endswith(".jpg")
    chamber = Chamber.objects.get()
    assert (chamber.name, chamber.address) == (
        "Popular Diagnostic Centre",
        "House 16, Road 2, Dhanmondi",
    )


@pytest.mark.parametrize(
    "overrides, loc",
    [
        ({"license_number": None}, ("license_number",)),
        ({"specialization": "Astrology"}, ("specialization",)),
        ({"available_timeslots": "17:00-09:00"}, ("available_timeslots",)),
        ({"consultation_fee": -1}, ("consultation_fee",)),
        ({"experience_years": "many"}, ("experience_years",)),
        ({"mobile": "12345"}, ("mobile",)),
        ({"password": "password"}, ("password",)),
        ({"thana_id": 999999}, ("thana_id",)),
        ({"license_number": ["A-1"]}, ("license_number",)),
    ],
)
def test_bad_fields_are_422_under_the_apis_names_and_create_nothing(
    client, thana, cardiology, overrides, loc
):
    response = register(client, fields(thana, **overrides))

    assert response.status_code == 422
    assert loc in locs(response)
    assert not User.objects.exists()
    assert not Chamber.objects.exists()


def test_a_licence_another_doctor_has_is_refused(client, thana, cardiology):
    DoctorProfileFactory(licence_number="A-12345")

    response = register(client, fields(thana))

    assert response.status_code == 422
    assert ("license_number",) in locs(response)
    assert User.objects.count() == 1


def test_a_picture_that_is_not_one_is_refused(client, thana, cardiology):
    data = fields(thana)
    data["profile_image"] = upload(b"<?php echo 1; ?>", name="me.jpg")

    response = client.post(URL, data)

    assert response.status_code == 422
    assert ("profile_image",) in locs(response)
    assert not User.objects.exists()
