import re
from io import StringIO

import pytest
from django.contrib.auth import get_user
from django.core.management import call_command

from accounts.forms import PatientRegistrationForm
from accounts.mobile import normalize_mobile
from accounts.models import DoctorProfile, PatientProfile, Specialization, User
from scheduling.models import Chamber

pytestmark = pytest.mark.django_db

DEMO_EMAILS = [
    "admin@appion.test",
    "doctor@appion.test",
    "newdoctor@appion.test",
    "patient@appion.test",
]
# README: "01911000001 to 01911000004, in this order".
DEMO_MOBILES = ["01911000001", "01911000002", "01911000003", "01911000004"]


def seed(**options):
    options.setdefault("appointments", 0)
    out = StringIO()
    call_command("seed_demo", stdout=out, **options)
    return out.getvalue()


@pytest.mark.parametrize("email", DEMO_EMAILS)
def test_each_demo_login_works_with_the_documented_password(client, email):
    seed(doctors=3, patients=3)

    response = client.post("/accounts/login/", {"username": email, "password": "Appion#2026"})

    assert response.status_code == 302
    assert get_user(client).email == email


@pytest.mark.parametrize("email, mobile", list(zip(DEMO_EMAILS, DEMO_MOBILES, strict=True)))
def test_each_demo_login_works_with_the_documented_mobile_number(client, email, mobile):
    seed(doctors=0, patients=0)

    response = client.post("/accounts/login/", {"username": mobile, "password": "Appion#2026"})

    assert response.status_code == 302
    assert get_user(client).email == email


def test_demo_logins_have_their_documented_roles_and_states():
    seed(doctors=3, patients=3)

    admin = User.objects.get(email="admin@appion.test")
    assert (admin.role, admin.is_staff, admin.is_superuser) == (User.Role.ADMIN, True, True)
    doctor = DoctorProfile.objects.get(user__email="doctor@appion.test")
    assert doctor.user.full_name == "Dr. Farhana Rahman"
    assert doctor.specialization.name == "Medicine"
    assert doctor.is_verified
    assert doctor.verified_by == admin
    assert not DoctorProfile.objects.get(user__email="newdoctor@appion.test").is_verified
    patient = User.objects.get(email="patient@appion.test")
    assert patient.full_name == "Rahim Uddin"
    assert patient.mobile == normalize_mobile(patient.mobile)
    assert PatientProfile.objects.filter(user=patient).exists()


def test_generated_doctors_and_patients_are_added_with_profiles():
    seed(doctors=3, patients=4)

    assert DoctorProfile.objects.count() == 2 + 3
    assert PatientProfile.objects.count() == 1 + 4
    assert User.objects.count() == 4 + 3 + 4
    generated = DoctorProfile.objects.filter(user__email__startswith="doctor-")
    assert all(300 <= profile.consultation_fee <= 2000 for profile in generated)
    patient = User.objects.get(email="patient-0@appion.test")
    assert patient.check_password("Appion#2026")


def test_without_locations_the_demo_doctor_has_no_chamber_thana():
    seed(doctors=1, patients=1)

    chambers = Chamber.objects.filter(doctor__user__email="doctor@appion.test")
    assert chambers.exists()
    assert not chambers.filter(thana__isnull=False).exists()


def test_with_locations_the_demo_doctor_sits_in_dhanmondi():
    call_command("seed_locations", stdout=StringIO())

    seed(doctors=2, patients=2)

    doctor = User.objects.select_related("thana", "district").get(email="doctor@appion.test")
    assert (doctor.thana.name, doctor.district.name) == ("Dhanmondi", "Dhaka")
    first = doctor.doctor_profile.chambers.get(name="Popular Diagnostic Centre")
    assert first.thana == doctor.thana
    generated = User.objects.filter(email__startswith="patient-")
    assert all(user.thana_id and user.district_id and user.division_id for user in generated)


def test_the_specializations_migration_gives_bengali_names():
    specializations = Specialization.objects.all()

    assert specializations.count() >= 18
    assert not specializations.filter(name_bn="").exists()
    assert specializations.get(name="Medicine").name_bn == "মেডিসিন"
    assert specializations.get(name="Paediatrics").name_bn == "শিশু রোগ"


def test_once_does_nothing_when_the_demo_data_is_present():
    seed(doctors=2, patients=2)
    users = User.objects.count()

    output = seed(once=True, doctors=2, patients=2)

    assert "Demo data already present" in output
    assert User.objects.count() == users


def test_running_twice_keeps_one_of_each_named_login_and_resets_it():
    seed(doctors=1, patients=1)
    User.objects.filter(email="patient@appion.test").update(full_name="Changed")
    DoctorProfile.objects.filter(user__email="newdoctor@appion.test").update(
        verified_at="2026-01-01T00:00:00Z"
    )

    seed(doctors=1, patients=1)

    for email in DEMO_EMAILS:
        assert User.objects.filter(email=email).count() == 1
    assert User.objects.get(email="patient@appion.test").full_name == "Rahim Uddin"
    assert not DoctorProfile.objects.get(user__email="newdoctor@appion.test").is_verified
    assert DoctorProfile.objects.count() == 2 + 2


def test_the_same_seed_generates_the_same_people():
    seed(doctors=3, patients=3, seed=7)
    first = list(
        User.objects.filter(email__regex=r"^(doctor|patient)-[0-2]@")
        .order_by("email")
        .values_list("full_name", flat=True)
    )

    seed(doctors=3, patients=3, seed=7)
    second = list(
        User.objects.filter(email__regex=r"^(doctor|patient)-[3-5]@")
        .order_by("email")
        .values_list("full_name", flat=True)
    )

    assert len(first) == 6
    assert first == second


def test_demo_logins_prints_the_four_logins_and_the_password():
    out = StringIO()

    call_command("demo_logins", stdout=out)

    assert "Appion#2026" in out.getvalue()
    for email in DEMO_EMAILS:
        assert email in out.getvalue()


def test_every_seeded_account_has_a_unique_valid_mobile():
    seed(doctors=5, patients=6)
    seed(doctors=2, patients=3)  # a second run adds people, numbered on

    mobiles = list(User.objects.values_list("mobile", flat=True))

    assert len(mobiles) == 4 + 5 + 6 + 2 + 3
    assert None not in mobiles
    assert all(normalize_mobile(mobile) == mobile for mobile in mobiles)
    assert len(set(mobiles)) == len(mobiles)


def test_the_demo_patients_mobile_is_not_the_registration_forms_example():
    seed(doctors=0, patients=0)
    example = re.search(r"[০-৯0-9]{11}", str(PatientRegistrationForm().fields["mobile"].help_text))

    patient = User.objects.get(email="patient@appion.test")

    assert example
    assert patient.mobile != normalize_mobile(example.group())


def profile_as_shown(client):
    """The profile form's values as the page shows them, ready to be posted back."""
    form = client.get("/accounts/profile/").context["form"]
    data = {}
    for field in form:
        value = field.value()
        if field.name == "photo" or value is None:
            continue
        data[field.name] = getattr(value, "pk", value)
    return data


@pytest.mark.parametrize(
    "email",
    ["patient@appion.test", "doctor@appion.test", "patient-0@appion.test", "doctor-0@appion.test"],
)
def test_a_seeded_account_can_save_its_profile_unchanged(client, email):
    call_command("seed_locations", stdout=StringIO())
    seed(doctors=1, patients=1)
    user = User.objects.get(email=email)
    client.force_login(user)
    verified = getattr(getattr(user, "doctor_profile", None), "verified_at", None)

    response = client.post("/accounts/profile/", profile_as_shown(client), follow=True)

    assert response.status_code == 200
    assert "Your profile has been saved." in response.content.decode(), response.context[
        "form"
    ].errors
    if verified:
        user.doctor_profile.refresh_from_db()
        assert user.doctor_profile.verified_at == verified
