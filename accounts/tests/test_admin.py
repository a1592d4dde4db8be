import pytest
from django.urls import reverse

from accounts.models import DoctorProfile, User
from accounts.tests.factories import DoctorProfileFactory, PatientFactory, StaffFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(client):
    client.force_login(StaffFactory())
    return client


def test_user_changelist_and_search_by_licence_and_mobile(admin_client):
    doctor = DoctorProfileFactory(licence_number="A-55555")
    PatientFactory(mobile="+8801912345678", full_name="Karim Mia")
    url = reverse("admin:accounts_user_changelist")

    assert admin_client.get(url).status_code == 200
    by_licence = admin_client.get(url, {"q": "A-55555"})
    assert list(by_licence.context["cl"].result_list) == [doctor.user]
    by_mobile = admin_client.get(url, {"q": "8801912345678"})
    assert [u.full_name for u in by_mobile.context["cl"].result_list] == ["Karim Mia"]


def test_admin_adds_and_changes_a_user(admin_client):
    response = admin_client.post(
        reverse("admin:accounts_user_add"),
        {
            "email": "Nurse@Example.com",
            "full_name": "Nasima Akter",
            "role": "patient",
            "password1": "Meghna#River9",
            "password2": "Meghna#River9",
            "usable_password": "true",
        },
    )
    assert response.status_code == 302, response.context["adminform"].form.errors
    user = User.objects.get(email__iexact="nurse@example.com")
    assert user.check_password("Meghna#River9")

    change_url = reverse("admin:accounts_user_change", args=[user.pk])
    page = admin_client.get(change_url)
    assert page.status_code == 200


def test_unverified_doctors_are_listed_first(admin_client):
    DoctorProfileFactory(user__full_name="Aaron Verified")
    waiting = DoctorProfileFactory(user__full_name="Zara Waiting", verified_at=None)

    response = admin_client.get(reverse("admin:accounts_doctorprofile_changelist"))

    assert list(response.context["cl"].result_list)[0] == waiting


def test_verify_and_unverify_actions(admin_client):
    waiting = DoctorProfileFactory(verified_at=None)
    url = reverse("admin:accounts_doctorprofile_changelist")

    admin_client.post(url, {"action": "verify", "_selected_action": [waiting.pk]})
    waiting.refresh_from_db()
    assert waiting.is_verified
    assert waiting.verified_by.is_staff

    admin_client.post(url, {"action": "unverify", "_selected_action": [waiting.pk]})
    waiting.refresh_from_db()
    assert not waiting.is_verified
    assert waiting.verified_by is None
    assert DoctorProfile.objects.count() == 1


def test_non_staff_cannot_open_the_admin(client):
    client.force_login(DoctorProfileFactory().user)
    response = client.get(reverse("admin:accounts_doctorprofile_changelist"))
    assert response.status_code == 302
