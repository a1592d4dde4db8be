import pytest
from django.http import HttpResponse
from django.test import RequestFactory

from accounts.decorators import doctor_required, staff_required
from accounts.tests.factories import DoctorProfileFactory, PatientFactory, StaffFactory

pytestmark = pytest.mark.django_db


def view(request):
    return HttpResponse("ok")


def call(decorator, user):
    from django.contrib.auth.models import AnonymousUser

    request = RequestFactory().get("/secret/?tab=1")
    request.user = user or AnonymousUser()
    return decorator(view)(request)


@pytest.mark.parametrize(
    "decorator, allowed",
    [(doctor_required, "doctor"), (staff_required, "staff")],
)
def test_role_decorators(decorator, allowed):
    from django.core.exceptions import PermissionDenied

    users = {
        "patient": PatientFactory(),
        "doctor": DoctorProfileFactory().user,
        "staff": StaffFactory(),
    }
    anonymous = call(decorator, None)
    assert anonymous.status_code == 302
    assert anonymous.url == "/accounts/login/?next=/secret/%3Ftab%3D1"

    for role, user in users.items():
        if role == allowed:
            assert call(decorator, user).status_code == 200
        else:
            with pytest.raises(PermissionDenied):
                call(decorator, user)


def test_admin_refuses_patients(client):
    client.force_login(PatientFactory())
    response = client.get("/admin/")
    assert response.status_code == 302
    assert "/admin/login/" in response.url


@pytest.mark.parametrize("role", ["patient", "doctor", "staff"])
def test_notifications_show_only_ones_own(client, role):
    from appion.messaging.services import add_notification

    user = {
        "patient": PatientFactory,
        "doctor": lambda: DoctorProfileFactory().user,
        "staff": StaffFactory,
    }[role]()
    other = PatientFactory()
    add_notification(recipient=user, text="Mine to read")
    add_notification(recipient=other, text="Not yours")

    assert client.get("/notifications/").status_code == 302  # a visitor logs in first
    client.force_login(user)
    page = client.get("/notifications/").content.decode()
    assert "Mine to read" in page
    assert "Not yours" not in page
    assert other.notifications.get().read_at is None  # someone else's stay unread
