import pytest

from accounts.models import DoctorProfile
from accounts.tests.factories import (
    DoctorProfileFactory,
    PatientFactory,
    SpecializationFactory,
    StaffFactory,
)
from locations.tests.factories import ThanaFactory

pytestmark = pytest.mark.django_db

PROFILE_URL = "/accounts/profile/"


def test_profile_needs_login(client):
    response = client.get(PROFILE_URL)
    assert response.status_code == 302
    assert response.url.startswith("/accounts/login/?next=/accounts/profile/")


def test_patient_edits_profile(client):
    user = PatientFactory()
    thana = ThanaFactory()
    client.force_login(user)

    response = client.post(
        PROFILE_URL,
        {
            "full_name": "Rahim Uddin Ahmed",
            "mobile": "+880 1812-345678",
            "division": thana.district.division_id,
            "district": thana.district_id,
            "thana": thana.pk,
            "date_of_birth": "1985-01-31",
            "gender": "male",
            "blood_group": "O+",
        },
    )

    assert response.status_code == 302
    user.refresh_from_db()
    assert user.full_name == "Rahim Uddin Ahmed"
    assert user.mobile == "+8801812345678"
    assert user.thana == thana
    assert user.patient_profile.blood_group == "O+"


def test_profile_with_bad_mobile_changes_nothing(client):
    user = PatientFactory(full_name="Rahim Uddin")
    client.force_login(user)

    response = client.post(PROFILE_URL, {"full_name": "Someone Else", "mobile": "12345"})

    assert response.status_code == 200
    assert "mobile" in response.context["form"].errors
    user.refresh_from_db()
    assert user.full_name == "Rahim Uddin"


def doctor_post(profile, **overrides):
    user = profile.user
    thana = profile.user.thana or ThanaFactory()
    data = {
        "full_name": user.full_name,
        "mobile": user.mobile,
        "division": thana.district.division_id,
        "district": thana.district_id,
        "thana": thana.pk,
        "licence_number": profile.licence_number,
        "specialization": profile.specialization_id,
        "qualifications": profile.qualifications,
        "experience_years": profile.experience_years,
        "consultation_fee": profile.consultation_fee,
        "bio": profile.bio,
    }
    data.update(overrides)
    return data


def test_doctor_fee_change_keeps_verification(client):
    profile = DoctorProfileFactory()
    client.force_login(profile.user)

    response = client.post(PROFILE_URL, doctor_post(profile, consultation_fee="1200"))

    assert response.status_code == 302
    profile.refresh_from_db()
    assert str(profile.consultation_fee) == "1200.00"
    assert profile.is_verified


def test_changing_the_licence_number_clears_verification(client):
    profile = DoctorProfileFactory()
    client.force_login(profile.user)

    client.post(PROFILE_URL, doctor_post(profile, licence_number="b-99999"))

    profile.refresh_from_db()
    assert profile.licence_number == "B-99999"
    assert not profile.is_verified


@pytest.mark.parametrize(
    "field, value",
    [
        ("full_name", "Dr. Someone Else"),
        ("licence_number", "B-99999"),
        ("specialization", "another"),
        ("qualifications", "MBBS, FRCS (London)"),
    ],
)
def test_changing_a_detail_staff_verified_clears_verification(client, field, value):
    profile = DoctorProfileFactory(verified_by=StaffFactory())
    if value == "another":
        value = SpecializationFactory().pk
    client.force_login(profile.user)

    response = client.post(PROFILE_URL, doctor_post(profile, **{field: value}), follow=True)

    assert response.status_code == 200
    profile.refresh_from_db()
    assert not profile.is_verified
    assert profile.verified_by is None
    assert "An administrator must check them again" in response.content.decode()
    assert not DoctorProfile.objects.filter(verified_at__isnull=False).exists()


@pytest.mark.parametrize(
    "field, value",
    [
        ("consultation_fee", "1200"),
        ("experience_years", "12"),
        ("bio", "Twenty years of heart care."),
        ("mobile", "+8801912345678"),
        ("licence_number", " a-10000 "),  # the same licence once normalised
        ("full_name", None),  # spaces only differ
    ],
)
def test_changing_other_details_keeps_verification(client, field, value):
    profile = DoctorProfileFactory(
        licence_number="A-10000", user__full_name="Dr. Rahima Begum", verified_by=StaffFactory()
    )
    verifier = profile.verified_by
    client.force_login(profile.user)
    if value is None:
        value = "  Dr.  Rahima   Begum "

    response = client.post(PROFILE_URL, doctor_post(profile, **{field: value}), follow=True)

    assert response.status_code == 200
    assert "Your profile has been saved." in response.content.decode()
    assert "An administrator must check them again" not in response.content.decode()
    verified_at = profile.verified_at
    profile.refresh_from_db()
    assert profile.verified_at == verified_at
    assert profile.verified_by == verifier
