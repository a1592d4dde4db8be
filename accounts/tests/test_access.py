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
