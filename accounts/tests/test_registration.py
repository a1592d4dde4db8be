from decimal import Decimal

import pytest
from django.urls import reverse

from accounts.models import DoctorProfile, PatientProfile, User
from accounts.tests.factories import DEFAULT_PASSWORD, PatientFactory, SpecializationFactory
from locations.tests.factories import DistrictFactory, ThanaFactory

pytestmark = pytest.mark.django_db

PATIENT_URL = "/accounts/register/patient/"
DOCTOR_URL = "/accounts/register/doctor/"


@pytest.fixture
def thana():
    return ThanaFactory(name="Dhanmondi")


def patient_data(place, **overrides):
    data = {
        "full_name": "Rahima Begum",
        "email": "Rahima@Example.com",
        "mobile": "01712345678",
        "password1": "Dhaka#Sky42",
        "password2": "Dhaka#Sky42",
        "division": place.district.division_id,
        "district": place.district_id,
        "thana": place.pk,
        "date_of_birth": "1990-05-17",
        "gender": "female",
        "blood_group": "B+",
    }
    data.update(overrides)
    return data


def doctor_data(place, **overrides):
    data = patient_data(place, full_name="Dr. Kamal Hossain", email="kamal@example.com")
    for name in ("date_of_birth", "gender", "blood_group"):
        del data[name]
    data.update(
        {
            "licence_number": "  a-12345 ",
            "specialization": SpecializationFactory(name="Cardiology").pk,
            "qualifications": "MBBS, FCPS (Medicine)",
            "experience_years": "12",
            "consultation_fee": "800",
            "chamber_name": "Popular Diagnostic Centre",
            "chamber_address": "House 16, Road 2, Dhanmondi",
        }
    )
    data.update(overrides)
    return data


def test_patient_registers_and_lands_logged_in_on_the_dashboard(client, thana):
    response = client.post(PATIENT_URL, patient_data(thana))

    # By the page that asks for the code sent to the mobile number (test_mobile_codes).
    assert response.status_code == 302
    assert response.url == "/accounts/profile/mobile/?next=%2Faccounts%2Fdashboard%2F"
    user = User.objects.get()
    assert user.email == "rahima@example.com"
    assert user.mobile == "+8801712345678"
    assert user.role == User.Role.PATIENT
    assert user.thana == thana and user.district == thana.district
    assert user.check_password("Dhaka#Sky42")
    profile = PatientProfile.objects.get(user=user)
    assert (profile.gender, profile.blood_group, str(profile.date_of_birth)) == (
        "female",
        "B+",
        "1990-05-17",
    )
    assert client.get(reverse("accounts:dashboard"), follow=True).context["user"] == user


def test_doctor_registers_unverified_with_a_clean_licence_number(client, thana):
    response = client.post(DOCTOR_URL, doctor_data(thana))

    assert response.status_code == 302
    profile = DoctorProfile.objects.select_related("user").get()
    assert profile.user.role == User.Role.DOCTOR
    assert profile.licence_number == "A-12345"
    assert profile.consultation_fee == Decimal("800")
    assert profile.experience_years == 12
    assert profile.chambers.get().thana == thana
    assert not profile.is_verified
    dashboard = client.get(reverse("accounts:dashboard"), follow=True)
    assert "awaiting verification" in dashboard.content.decode()


def test_registration_page_shows_every_field(client):
    html = client.get(DOCTOR_URL).content.decode()
    for name in (
        "full_name",
        "email",
        "mobile",
        "password1",
        "division",
        "district",
        "thana",
        "photo",
        "licence_number",
        "specialization",
        "experience_years",
        "consultation_fee",
        "chamber_address",
    ):
        assert f'name="{name}"' in html, name


@pytest.mark.parametrize(
    "overrides, field",
    [
        ({"email": "not-an-email"}, "email"),
        ({"full_name": ""}, "full_name"),
        ({"mobile": "029876543"}, "mobile"),
        ({"mobile": "01212345678"}, "mobile"),
        ({"password2": "Different#1"}, "password2"),
        ({"password1": "Sh#1x", "password2": "Sh#1x"}, "password1"),
        ({"date_of_birth": "2999-01-01"}, "date_of_birth"),
        ({"thana": "999999"}, "thana"),
        ({"gender": "robot"}, "gender"),
    ],
)
def test_bad_patient_data_shows_the_error_and_creates_nobody(client, thana, overrides, field):
    response = client.post(PATIENT_URL, patient_data(thana, **overrides))

    assert response.status_code == 200
    assert field in response.context["form"].errors
    assert not User.objects.exists()


def test_thana_outside_the_district_is_refused(client, thana):
    elsewhere = ThanaFactory(district=DistrictFactory(division=thana.district.division))
    response = client.post(PATIENT_URL, patient_data(thana, thana=elsewhere.pk))

    assert response.status_code == 200
    assert response.context["form"].errors
    assert not User.objects.exists()


@pytest.mark.parametrize(
    "overrides, field",
    [
        ({"consultation_fee": "-1"}, "consultation_fee"),
        ({"consultation_fee": "100001"}, "consultation_fee"),
        ({"consultation_fee": "lots"}, "consultation_fee"),
        ({"experience_years": "71"}, "experience_years"),
        ({"experience_years": "-2"}, "experience_years"),
        ({"licence_number": "  "}, "licence_number"),
        ({"specialization": "424242"}, "specialization"),
        ({"chamber_address": ""}, "chamber_address"),
    ],
)
def test_bad_doctor_data_shows_the_error_and_creates_nobody(client, thana, overrides, field):
    response = client.post(DOCTOR_URL, doctor_data(thana, **overrides))

    assert response.status_code == 200
    assert field in response.context["form"].errors
    assert not User.objects.exists()


def test_duplicate_email_in_other_letter_case_is_refused(client, thana):
    PatientFactory(email="rahima@example.com")
    response = client.post(PATIENT_URL, patient_data(thana, email="RAHIMA@example.com"))

    assert "email" in response.context["form"].errors
    assert User.objects.count() == 1


def test_duplicate_mobile_in_another_spelling_is_refused(client, thana):
    PatientFactory(mobile="+8801712345678")
    response = client.post(PATIENT_URL, patient_data(thana, mobile="০১৭১২৩৪৫৬৭৮"))

    assert "mobile" in response.context["form"].errors
    assert User.objects.count() == 1


def test_duplicate_licence_number_is_refused(client, thana):
    client.post(DOCTOR_URL, doctor_data(thana))
    client.post("/accounts/logout/")
    response = client.post(
        DOCTOR_URL,
        doctor_data(
            thana, email="other@example.com", mobile="01812345678", licence_number="A-12345"
        ),
    )

    assert "licence_number" in response.context["form"].errors
    assert DoctorProfile.objects.count() == 1


@pytest.mark.parametrize(
    "password, code_message",
    [
        ("Ab#1xyz", "at least 8 characters"),
        ("dhaka#sky42", "upper-case letter"),
        ("Dhaka#Skyzz", "digit"),
        ("DhakaSky42a", "special character"),
        ("P@ssw0rd", "too common"),
        ("Rahima#Begum1", "too similar"),
    ],
)
def test_each_password_rule_has_its_own_message(client, thana, password, code_message):
    response = client.post(PATIENT_URL, patient_data(thana, password1=password, password2=password))

    errors = " ".join(response.context["form"].errors["password1"])
    assert code_message in errors
    assert not User.objects.exists()


def test_numeric_password_is_refused(client, thana):
    response = client.post(
        PATIENT_URL, patient_data(thana, password1="83749261", password2="83749261")
    )
    assert "entirely numeric" in " ".join(response.context["form"].errors["password1"])


def test_logged_in_user_is_sent_from_registration_to_the_dashboard(client):
    client.force_login(PatientFactory())
    response = client.get(PATIENT_URL)
    assert response.status_code == 302


def test_registered_password_is_the_factory_default_kind(client, thana):
    # The demo password satisfies the policy, so demo and test accounts are realistic.
    response = client.post(
        PATIENT_URL, patient_data(thana, password1=DEFAULT_PASSWORD, password2=DEFAULT_PASSWORD)
    )
    assert response.status_code == 302
