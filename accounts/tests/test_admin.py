import pytest
from django.urls import reverse

from accounts.models import DoctorProfile, User
from accounts.tests.factories import (
    DoctorProfileFactory,
    PatientFactory,
    SpecializationFactory,
    StaffFactory,
)
from locations.tests.factories import DistrictFactory, ThanaFactory

pytestmark = pytest.mark.django_db

USERS = reverse("admin:accounts_user_changelist")
DOCTORS = reverse("admin:accounts_doctorprofile_changelist")


@pytest.fixture
def staff():
    return StaffFactory()


@pytest.fixture
def admin_client(client, staff):
    client.force_login(staff)
    return client


def results(response):
    return list(response.context["cl"].result_list)


def change_form_data(response):
    """The values a browser would send back for an unchanged admin change form."""
    data = {}
    for form in [response.context["adminform"].form] + [
        f for formset in response.context["inline_admin_formsets"] for f in formset.formset.forms
    ]:
        for name in form.fields:
            value = form[name].value()
            if value in (None, False) or name == "password":
                continue
            if isinstance(value, list):
                data[form.add_prefix(name)] = [str(v) for v in value]
            else:
                data[form.add_prefix(name)] = str(value)
    for formset in response.context["inline_admin_formsets"]:
        management = formset.formset.management_form
        for name in management.fields:
            data[management.add_prefix(name)] = management[name].value()
    return data


def test_staff_opens_the_user_list_with_a_verified_column(admin_client):
    DoctorProfileFactory(user__full_name="Dr. Nusrat Jahan")
    PatientFactory(full_name="Karim Mia")

    response = admin_client.get(USERS)

    assert response.status_code == 200
    assert "Dr. Nusrat Jahan" in response.content.decode()
    assert "Karim Mia" in response.content.decode()


def test_user_search_finds_a_doctor_by_licence_and_a_patient_by_mobile(admin_client):
    doctor = DoctorProfileFactory(licence_number="A-55555")
    PatientFactory(mobile="+8801912345678", full_name="Karim Mia")

    assert results(admin_client.get(USERS, {"q": "A-55555"})) == [doctor.user]
    by_mobile = results(admin_client.get(USERS, {"q": "01912345678"}))
    assert [user.full_name for user in by_mobile] == ["Karim Mia"]


def test_verified_filter_on_the_user_list_keeps_to_doctors(admin_client):
    DoctorProfileFactory(user__full_name="Dr. Verified")
    waiting = DoctorProfileFactory(user__full_name="Dr. Waiting", verified_at=None)
    PatientFactory()

    assert results(admin_client.get(USERS, {"verified": "no"})) == [waiting.user]


def test_staff_adds_a_user_without_a_username(admin_client):
    response = admin_client.post(
        reverse("admin:accounts_user_add"),
        {
            "email": "Nurse@Example.com",
            "full_name": "Nasima Akter",
            "role": "patient",
            "usable_password": "true",
            "password1": "Meghna#River9",
            "password2": "Meghna#River9",
        },
    )

    assert response.status_code == 302
    user = User.objects.get(email="nurse@example.com")
    assert user.full_name == "Nasima Akter"
    assert user.check_password("Meghna#River9")
    assert response["Location"] == reverse("admin:accounts_user_change", args=[user.pk])


def test_adding_an_email_taken_in_another_letter_case_is_refused(admin_client):
    PatientFactory(email="rahim@example.com")

    response = admin_client.post(
        reverse("admin:accounts_user_add"),
        {
            "email": "RAHIM@example.com",
            "full_name": "Another Rahim",
            "role": "patient",
            "usable_password": "true",
            "password1": "Meghna#River9",
            "password2": "Meghna#River9",
        },
    )

    assert response.status_code == 200
    assert "email" in response.context["adminform"].form.errors
    assert User.objects.filter(email__iexact="rahim@example.com").count() == 1


def test_staff_changes_a_patient_and_the_mobile_is_normalised(admin_client):
    patient = PatientFactory(full_name="Rahim Uddin", mobile=None)
    thana = ThanaFactory()
    url = reverse("admin:accounts_user_change", args=[patient.pk])
    page = admin_client.get(url)
    assert page.status_code == 200
    data = change_form_data(page)
    data.update(
        {
            "full_name": "Rahim Uddin Ahmed",
            "mobile": "01712 345678",
            "thana": str(thana.pk),
            "patient_profile-0-blood_group": "O+",
        }
    )

    response = admin_client.post(url, data)

    assert response.status_code == 302, response.context["adminform"].form.errors
    patient.refresh_from_db()
    assert patient.full_name == "Rahim Uddin Ahmed"
    assert patient.mobile == "+8801712345678"
    assert (patient.thana, patient.district, patient.division) == (
        thana,
        thana.district,
        thana.district.division,
    )
    assert patient.patient_profile.blood_group == "O+"


def test_admin_names_where_a_mismatched_thana_lies_as_the_site_forms_do(admin_client):
    patient = PatientFactory(thana=None, district=None, division=None)
    thana = ThanaFactory()
    elsewhere = ThanaFactory(district=DistrictFactory(division=thana.district.division))
    url = reverse("admin:accounts_user_change", args=[patient.pk])
    data = change_form_data(admin_client.get(url))
    data.update(
        {
            "division": str(thana.district.division.pk),
            "district": str(thana.district.pk),
            "thana": str(elsewhere.pk),
        }
    )

    response = admin_client.post(url, data)

    assert response.status_code == 200
    assert response.context["adminform"].form.errors["thana"] == [
        f"{elsewhere.name} is in {elsewhere.district.name} district, not in {thana.district.name}."
    ]
    patient.refresh_from_db()
    assert patient.thana is None


def test_doctor_change_page_shows_the_doctor_profile_only(admin_client):
    doctor = DoctorProfileFactory()

    response = admin_client.get(reverse("admin:accounts_user_change", args=[doctor.user.pk]))

    models = [formset.formset.model for formset in response.context["inline_admin_formsets"]]
    assert models == [DoctorProfile]


def test_add_page_shows_no_profile(admin_client):
    response = admin_client.get(reverse("admin:accounts_user_add"))

    assert response.status_code == 200
    assert response.context["inline_admin_formsets"] == []


def test_doctor_list_shows_doctors_awaiting_verification_first(admin_client):
    DoctorProfileFactory(user__full_name="Aaron Verified")
    zara = DoctorProfileFactory(user__full_name="Zara Waiting", verified_at=None)
    bilal = DoctorProfileFactory(user__full_name="Bilal Waiting", verified_at=None)

    response = admin_client.get(DOCTORS)

    assert response.status_code == 200
    assert [p.user.full_name for p in results(response)] == [
        bilal.user.full_name,
        zara.user.full_name,
        "Aaron Verified",
    ]


def test_doctor_list_filters_and_searches(admin_client):
    cardiology = SpecializationFactory(name="Cardiology")
    heart = DoctorProfileFactory(specialization=cardiology, licence_number="A-77777")
    DoctorProfileFactory(verified_at=None)

    assert results(admin_client.get(DOCTORS, {"specialization__id__exact": cardiology.pk})) == [
        heart
    ]
    assert results(admin_client.get(DOCTORS, {"verified": "yes"})) == [heart]
    assert results(admin_client.get(DOCTORS, {"q": "A-77777"})) == [heart]


def test_verify_action_verifies_only_those_awaiting_it(admin_client, staff):
    waiting = DoctorProfileFactory(verified_at=None)
    already = DoctorProfileFactory()
    first_verified_at = already.verified_at

    response = admin_client.post(
        DOCTORS,
        {"action": "verify", "_selected_action": [waiting.pk, already.pk]},
        follow=True,
    )

    waiting.refresh_from_db()
    already.refresh_from_db()
    assert waiting.is_verified
    assert waiting.verified_by == staff
    assert already.verified_at == first_verified_at
    assert already.verified_by is None
    assert "1 doctor verified." in [str(m) for m in response.context["messages"]]


def test_unverify_action_clears_the_verification(admin_client, staff):
    doctor = DoctorProfileFactory(verified_by=staff)

    response = admin_client.post(
        DOCTORS, {"action": "unverify", "_selected_action": [doctor.pk]}, follow=True
    )

    doctor.refresh_from_db()
    assert doctor.verified_at is None
    assert doctor.verified_by is None
    assert DoctorProfile.objects.count() == 1
    assert "1 doctor is no longer verified." in [str(m) for m in response.context["messages"]]


def test_specialization_search_by_bengali_name(admin_client):
    response = admin_client.get(reverse("admin:accounts_specialization_changelist"), {"q": "শিশু"})

    assert [s.name for s in results(response)] == ["Paediatrics"]


@pytest.mark.parametrize("url", [USERS, DOCTORS])
def test_non_staff_users_are_sent_to_the_admin_login(client, url):
    client.force_login(DoctorProfileFactory().user)

    response = client.get(url)

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("admin:login"))


def test_location_autocomplete_answers_on_the_user_form(admin_client):
    thana = ThanaFactory(name="Dhanmondi")

    response = admin_client.get(
        reverse("admin:autocomplete"),
        {"app_label": "accounts", "model_name": "user", "field_name": "thana", "term": "Dhan"},
    )

    assert response.status_code == 200
    assert [item["id"] for item in response.json()["results"]] == [str(thana.pk)]
