"""The API's staff endpoints for accounts over HTTP: the list of users, activating and
deactivating them, the doctors awaiting verification and verifying them."""

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine

from accounts.models import AuditEntry, DoctorProfile, User
from accounts.tests.api_client import bearer
from accounts.tests.factories import DoctorProfileFactory, PatientFactory, StaffFactory

pytestmark = pytest.mark.django_db

DHAKA = ZoneInfo("Asia/Dhaka")


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(datetime(2026, 3, 10, 7, 0, tzinfo=DHAKA), tick=False):
        yield


@pytest.fixture
def staff():
    return StaffFactory(email="boss@example.com", full_name="Boss")


@pytest.fixture
def people(staff):
    return {
        "amina": PatientFactory(email="amina@example.com", full_name="Amina Khatun"),
        "babul": PatientFactory(email="babul@example.com", full_name="Babul Mia"),
        "karim": DoctorProfileFactory(
            user__email="karim@example.com", user__full_name="Karim Uddin"
        ),
        "rina": DoctorProfileFactory(
            user__email="rina@example.com", user__full_name="Rina Das", verified_at=None
        ),
        "staff": staff,
    }


def emails(response):
    return [item["email"] for item in response.json()["items"]]


@pytest.mark.parametrize(
    ("query", "expected", "total"),
    [
        ("", ["amina", "babul", "boss", "karim", "rina"], 5),
        ("limit=2", ["amina", "babul"], 5),
        ("skip=3&limit=1", ["karim"], 5),
        ("role=doctor", ["karim", "rina"], 2),
        ("role=patient", ["amina", "babul"], 2),
        ("q=khatun", ["amina"], 1),
        ("q=RINA%40", ["rina"], 1),
    ],
)
def test_staff_list_users_filtered(client, people, staff, query, expected, total):
    response = client.get(f"/api/v1/admin/users?{query}", **bearer(staff))

    assert response.status_code == 200
    assert emails(response) == [f"{name}@example.com" for name in expected]
    assert response.json()["total"] == total


def test_a_users_item_says_whether_the_account_is_active(client, people, staff):
    people["babul"].is_active = False
    people["babul"].save()

    items = client.get("/api/v1/admin/users?role=patient", **bearer(staff)).json()["items"]

    assert [(item["id"], item["is_active"]) for item in items] == [
        (people["amina"].pk, True),
        (people["babul"].pk, False),
    ]


@pytest.mark.parametrize("query", ["limit=101", "limit=0", "skip=-1", "role=king"])
def test_bad_user_filters_are_422(client, staff, query):
    response = client.get(f"/api/v1/admin/users?{query}", **bearer(staff))

    assert response.status_code == 422
    assert response.json()["detail"]


def test_staff_deactivate_a_user_whose_tokens_then_stop_working(client, people, staff):
    amina = people["amina"]
    her_token = bearer(amina)

    response = client.patch(
        f"/api/v1/admin/users/{amina.pk}",
        {"is_active": False},
        content_type="application/json",
        **bearer(staff),
    )

    assert response.status_code == 200
    assert response.json()["is_active"] is False
    amina.refresh_from_db()
    assert amina.is_active is False
    assert client.get("/api/v1/users/me", **her_token).status_code == 401
    entry = AuditEntry.objects.get(action=AuditEntry.Action.ADMIN_CHANGE)
    assert (entry.user, entry.target) == (staff, f"accounts.user:{amina.pk}")
    assert entry.detail["change"] == [{"changed": {"fields": ["is_active"]}}]


def test_staff_reactivate_a_user(client, people, staff):
    User.objects.filter(pk=people["babul"].pk).update(is_active=False)

    response = client.patch(
        f"/api/v1/admin/users/{people['babul'].pk}",
        {"is_active": True},
        content_type="application/json",
        **bearer(staff),
    )

    assert response.status_code == 200
    assert User.objects.get(pk=people["babul"].pk).is_active is True


def test_staff_cannot_deactivate_themselves(client, staff):
    response = client.patch(
        f"/api/v1/admin/users/{staff.pk}",
        {"is_active": False},
        content_type="application/json",
        **bearer(staff),
    )

    assert response.status_code == 409
    assert response.json() == {"detail": "You cannot deactivate your own account."}
    staff.refresh_from_db()
    assert staff.is_active is True
    assert not AuditEntry.objects.filter(action=AuditEntry.Action.ADMIN_CHANGE).exists()


@pytest.mark.parametrize(
    "body", [{}, {"is_active": "maybe"}, {"is_active": False, "is_staff": True}]
)
def test_a_bad_activation_body_is_422_and_changes_nothing(client, people, staff, body):
    response = client.patch(
        f"/api/v1/admin/users/{people['amina'].pk}",
        body,
        content_type="application/json",
        **bearer(staff),
    )

    assert response.status_code == 422
    people["amina"].refresh_from_db()
    assert (people["amina"].is_active, people["amina"].is_staff) == (True, False)


def test_an_unknown_user_is_404(client, staff):
    response = client.patch(
        "/api/v1/admin/users/999999",
        {"is_active": False},
        content_type="application/json",
        **bearer(staff),
    )

    assert response.status_code == 404


@pytest.mark.parametrize(
    ("query", "expected"),
    [("", ["rina", "karim"]), ("verified=true", ["karim"]), ("verified=false", ["rina"])],
)
def test_staff_list_doctors_awaiting_verification_first(client, people, staff, query, expected):
    response = client.get(f"/api/v1/admin/doctors?{query}", **bearer(staff))

    assert response.status_code == 200
    items = response.json()["items"]
    assert [item["email"] for item in items] == [f"{name}@example.com" for name in expected]
    assert [item["id"] for item in items] == [people[name].pk for name in expected]
    assert response.json()["total"] == len(expected)


def test_staff_verify_a_doctor_as_the_admin_action_does(client, people, staff):
    rina = people["rina"]

    response = client.post(f"/api/v1/admin/doctors/{rina.pk}/verify", **bearer(staff))

    assert response.status_code == 200
    assert response.json()["verified"] is True
    rina.refresh_from_db()
    assert rina.verified_by == staff
    assert rina.verified_at == datetime(2026, 3, 10, 7, 0, tzinfo=DHAKA)
    entry = AuditEntry.objects.get(action=AuditEntry.Action.ADMIN_ACTION)
    assert entry.detail == {"action": "verify", "count": 1, "ids": [rina.pk]}
    # Listed in the directory now.
    assert client.get(f"/api/v1/doctors/{rina.pk}").status_code == 200


def test_verifying_a_verified_doctor_keeps_the_first_verification(client, people, staff):
    karim = people["karim"]
    before = DoctorProfile.objects.values_list("verified_at", "verified_by").get(pk=karim.pk)

    response = client.post(f"/api/v1/admin/doctors/{karim.pk}/verify", **bearer(staff))

    assert response.status_code == 200
    after = DoctorProfile.objects.values_list("verified_at", "verified_by").get(pk=karim.pk)
    assert after == before


def test_verifying_an_unknown_doctor_is_404(client, staff):
    assert client.post("/api/v1/admin/doctors/999999/verify", **bearer(staff)).status_code == 404


@pytest.mark.parametrize("who", ["amina", "karim"])
def test_only_staff_manage_accounts(client, people, who):
    user = people[who] if who == "amina" else people[who].user
    rina = people["rina"]

    answers = [
        client.get("/api/v1/admin/users", **bearer(user)),
        client.patch(
            f"/api/v1/admin/users/{people['babul'].pk}",
            {"is_active": False},
            content_type="application/json",
            **bearer(user),
        ),
        client.get("/api/v1/admin/doctors", **bearer(user)),
        client.post(f"/api/v1/admin/doctors/{rina.pk}/verify", **bearer(user)),
    ]

    assert [a.status_code for a in answers] == [403] * 4
    assert answers[0].json() == {"detail": "Only staff can do this."}
    assert User.objects.get(pk=people["babul"].pk).is_active is True
    assert DoctorProfile.objects.get(pk=rina.pk).verified_at is None


def test_account_endpoints_need_a_token(client, people):
    assert client.get("/api/v1/admin/users").status_code == 401
    assert client.get("/api/v1/admin/doctors").status_code == 401
