import csv
import io
import re
from datetime import timedelta

import pytest
from django.contrib.admin.models import LogEntry
from django.core import mail
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from accounts import audit
from accounts.models import AuditEntry, DoctorProfile
from accounts.tests.factories import (
    DEFAULT_PASSWORD,
    DoctorProfileFactory,
    PatientFactory,
    SpecializationFactory,
    StaffFactory,
)
from scheduling.tests.factories import AppointmentFactory, open_every_day

pytestmark = pytest.mark.django_db

Action = AuditEntry.Action
ADDRESS = "203.0.113.7"
LOGIN_URL = "/accounts/login/"


def entries(action):
    return list(AuditEntry.objects.filter(action=action))


def test_login_is_recorded_with_who_and_address(client):
    user = PatientFactory(email="rahim@example.com")
    client.post(
        LOGIN_URL,
        {"username": "rahim@example.com", "password": DEFAULT_PASSWORD},
        REMOTE_ADDR=ADDRESS,
    )

    [entry] = entries(Action.LOGIN)
    assert (entry.user, entry.email, entry.ip_address) == (user, "rahim@example.com", ADDRESS)
    assert timezone.now() - entry.created_at < timedelta(minutes=1)


def test_failed_login_records_the_email_tried_never_the_password(client):
    PatientFactory(email="rahim@example.com")
    client.post(
        LOGIN_URL,
        {"username": "Rahim@Example.com", "password": "Wrong#Secret99"},
        REMOTE_ADDR=ADDRESS,
    )

    [entry] = entries(Action.LOGIN_FAILED)
    assert (entry.user, entry.email, entry.ip_address) == (None, "rahim@example.com", ADDRESS)
    row = AuditEntry.objects.filter(pk=entry.pk).values().get()
    assert "Wrong#Secret99" not in repr(row)


def test_failed_login_by_mobile_records_the_account_email_never_the_number(client):
    PatientFactory(email="rahim@example.com", mobile="+8801712345678")
    for name in ["০১৭১২-৩৪৫৬৭৮", "01812345678", "+8801712345678"]:
        client.post(
            LOGIN_URL, {"username": name, "password": "Wrong#Secret99"}, REMOTE_ADDR=ADDRESS
        )

    failed = AuditEntry.objects.filter(action=Action.LOGIN_FAILED).order_by("id")
    # A number no account has names nobody, as a name that is not an email address.
    assert [(entry.user, entry.email, entry.ip_address) for entry in failed] == [
        (None, "rahim@example.com", ADDRESS),
        (None, "", ADDRESS),
        (None, "rahim@example.com", ADDRESS),
    ]
    assert "Wrong#Secret99" not in repr(list(failed.values()))


def test_a_password_typed_as_the_admin_login_name_is_not_kept(client):
    # The admin's login form takes any text as the name, and people do type their
    # password there; only an email address is kept.
    client.post("/admin/login/?next=/admin/", {"username": "Sky#Dhaka2026", "password": "x"})

    [entry] = entries(Action.LOGIN_FAILED)
    assert entry.email == ""
    assert "Sky#Dhaka2026" not in repr(AuditEntry.objects.values().get())


def test_failed_logins_past_the_lockout_are_marked(client):
    PatientFactory(email="rahim@example.com")
    for _ in range(6):
        client.post(LOGIN_URL, {"username": "rahim@example.com", "password": "nope"})

    failed = AuditEntry.objects.filter(action=Action.LOGIN_FAILED).order_by("created_at", "pk")
    assert failed.count() == 6
    assert failed.first().detail == {}
    assert failed.last().detail == {"locked_out": True}


def test_logout_is_recorded(client):
    user = PatientFactory()
    client.force_login(user)
    client.post("/accounts/logout/", REMOTE_ADDR=ADDRESS)

    [entry] = entries(Action.LOGOUT)
    assert (entry.user, entry.ip_address) == (user, ADDRESS)


def test_password_change_is_recorded(client):
    user = PatientFactory()
    client.force_login(user)
    response = client.post(
        "/accounts/password/change/",
        {
            "old_password": DEFAULT_PASSWORD,
            "new_password1": "Padma#River77",
            "new_password2": "Padma#River77",
        },
        REMOTE_ADDR=ADDRESS,
    )

    assert response.status_code == 302
    [entry] = entries(Action.PASSWORD_CHANGE)
    assert (entry.user, entry.ip_address) == (user, ADDRESS)
    assert "Padma#River77" not in repr(AuditEntry.objects.values_list())


def test_refused_password_change_is_not_recorded(client):
    client.force_login(PatientFactory())
    client.post(
        "/accounts/password/change/",
        {"old_password": "wrong", "new_password1": "Padma#River77", "new_password2": "x"},
    )
    assert entries(Action.PASSWORD_CHANGE) == []


def test_password_reset_request_and_reset_are_recorded(client):
    user = PatientFactory(email="rahim@example.com")
    client.post("/accounts/password/reset/", {"email": "rahim@example.com"}, REMOTE_ADDR=ADDRESS)
    [request_entry] = entries(Action.PASSWORD_RESET_REQUEST)
    assert (request_entry.email, request_entry.ip_address) == ("rahim@example.com", ADDRESS)

    link = re.search(r"/accounts/password/reset/\S+/\S+/", mail.outbox[0].body).group(0)
    form_url = client.get(link).url
    client.post(form_url, {"new_password1": "Padma#River77", "new_password2": "Padma#River77"})

    [reset] = entries(Action.PASSWORD_RESET)
    assert (reset.user, reset.email) == (user, "rahim@example.com")


def test_email_change_is_recorded_with_the_previous_address_when_it_takes_effect(
    client, django_capture_on_commit_callbacks
):
    user = PatientFactory(email="old@example.com")
    client.force_login(user)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            "/accounts/profile/email/",
            {"email": "new@example.com", "current_password": DEFAULT_PASSWORD},
        )
    assert entries(Action.EMAIL_CHANGE) == []

    [link] = re.findall(r"/accounts/profile/email/confirm/[^/\s]+/", mail.outbox[0].body)
    client.post(link, REMOTE_ADDR=ADDRESS)

    [entry] = entries(Action.EMAIL_CHANGE)
    assert (entry.user, entry.email, entry.ip_address) == (user, "new@example.com", ADDRESS)
    assert entry.detail == {"previous_email": "old@example.com"}


def test_status_changes_are_recorded_with_the_address(client):
    doctor = open_every_day(DoctorProfileFactory())
    appointment = AppointmentFactory(
        doctor=doctor, start=timezone.now() + timedelta(days=2), status="pending"
    )
    client.force_login(doctor.user)
    client.post(f"/appointments/{appointment.pk}/status/", {"to": "confirmed"}, REMOTE_ADDR=ADDRESS)
    client.force_login(appointment.patient)
    client.post(
        f"/appointments/{appointment.pk}/cancel/",
        {"reason": "আমি ঢাকার বাইরে"},
        REMOTE_ADDR="2001:db8::5",
    )

    confirm, cancel = AuditEntry.objects.filter(action=Action.APPOINTMENT_STATUS).order_by("pk")
    assert (confirm.user, confirm.ip_address) == (doctor.user, ADDRESS)
    assert confirm.target == f"scheduling.appointment:{appointment.pk}"
    assert confirm.detail == {"from": "pending", "to": "confirmed"}
    assert (cancel.user, cancel.ip_address) == (appointment.patient, "2001:db8::5")
    assert cancel.detail == {"from": "confirmed", "to": "cancelled"}
    # The reason stays in the appointment's own history, not in the audit log.
    assert "ঢাকা" not in repr(AuditEntry.objects.values_list())


def test_booking_is_recorded_as_the_first_status(client):
    doctor = open_every_day(DoctorProfileFactory())
    patient = PatientFactory()
    client.force_login(patient)
    page = client.get(f"/doctors/{doctor.pk}/slots/", {"date": timezone.localdate() + timedelta(2)})
    start = re.search(r"start=([^\"&]+)", page.content.decode()).group(1)
    client.post(
        f"/appointments/book/{doctor.pk}/?start={start}", {"symptoms": "Fever"}, REMOTE_ADDR=ADDRESS
    )

    [entry] = entries(Action.APPOINTMENT_STATUS)
    assert (entry.user, entry.ip_address) == (patient, ADDRESS)
    assert entry.detail == {"from": "", "to": "pending"}


def test_a_forwarded_address_is_not_trusted(client):
    # Without a trusted proxy set up, the address is the connection's (REMOTE_ADDR);
    # X-Forwarded-For is whatever the client chose to send.
    user = PatientFactory()
    client.post(
        LOGIN_URL,
        {"username": user.email, "password": DEFAULT_PASSWORD},
        REMOTE_ADDR=ADDRESS,
        HTTP_X_FORWARDED_FOR="198.51.100.1",
    )
    assert entries(Action.LOGIN)[0].ip_address == ADDRESS


def test_behind_a_trusted_proxy_audit_and_lockouts_use_its_header(client, settings):
    settings.CLIENT_IP_META_KEY = "HTTP_X_REAL_IP"
    user = PatientFactory()
    for _ in range(settings.AXES_FAILURE_LIMIT):
        client.post(
            LOGIN_URL,
            {"username": user.email, "password": "wrong"},
            REMOTE_ADDR="10.0.0.2",  # the proxy
            HTTP_X_REAL_IP="203.0.113.9",
        )
    assert {entry.ip_address for entry in entries(Action.LOGIN_FAILED)} == {"203.0.113.9"}
    # Locked out from that client's address, not the proxy's: another client logs in.
    other = client.post(
        LOGIN_URL,
        {"username": user.email, "password": DEFAULT_PASSWORD},
        REMOTE_ADDR="10.0.0.2",
        HTTP_X_REAL_IP="198.51.100.7",
    )
    assert other.status_code == 302
    assert entries(Action.LOGIN)[0].ip_address == "198.51.100.7"


@pytest.fixture
def staff(client):
    user = StaffFactory()
    client.force_login(user)
    return user


def test_admin_change_is_recorded_with_the_address(client, staff):
    specialization = SpecializationFactory(name="Cardiac care")
    url = reverse("admin:accounts_specialization_change", args=[specialization.pk])
    client.post(url, {"name": "Sleep medicine", "name_bn": "নিদ্রা চিকিৎসা"}, REMOTE_ADDR=ADDRESS)

    assert LogEntry.objects.count() == 1
    [entry] = entries(Action.ADMIN_CHANGE)
    assert (entry.user, entry.ip_address) == (staff, ADDRESS)
    assert entry.target == f"accounts.specialization:{specialization.pk}"
    assert entry.detail == {
        "name": "Sleep medicine",
        "change": [{"changed": {"fields": ["Name", "Name in Bengali"]}}],
    }


def test_admin_addition_and_deletion_are_recorded(client, staff):
    client.post(
        reverse("admin:accounts_specialization_add"),
        {"name": "Tropical medicine", "name_bn": "ক্রান্তীয় চিকিৎসা"},
    )
    [added] = entries(Action.ADMIN_ADD)
    pk = int(added.target.split(":")[1])

    client.post(reverse("admin:accounts_specialization_delete", args=[pk]), {"post": "yes"})

    [deleted] = entries(Action.ADMIN_DELETE)
    assert deleted.target == "accounts.specialization"
    assert deleted.detail == {"objects": [{"id": pk, "name": "Tropical medicine"}]}


def test_verifying_doctors_in_the_admin_is_recorded(client, staff):
    waiting = [DoctorProfileFactory(verified_at=None) for _ in range(2)]
    client.post(
        reverse("admin:accounts_doctorprofile_changelist"),
        {"action": "verify", "_selected_action": [d.pk for d in waiting]},
        REMOTE_ADDR=ADDRESS,
    )

    assert DoctorProfile.objects.filter(verified_at__isnull=True).count() == 0
    [entry] = entries(Action.ADMIN_ACTION)
    assert (entry.user, entry.ip_address) == (staff, ADDRESS)
    assert entry.target == "accounts.doctorprofile"
    assert entry.detail == {
        "action": "verify",
        "count": 2,
        "ids": sorted(d.pk for d in waiting),
    }


def test_csv_export_in_the_admin_is_recorded(client, staff):
    appointment = AppointmentFactory(start=timezone.now(), status="pending")
    response = client.post(
        reverse("admin:scheduling_appointment_changelist"),
        {"action": "export_csv", "_selected_action": [appointment.pk]},
    )

    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode("utf-8-sig"))))
    assert len(rows) == 2
    [entry] = entries(Action.ADMIN_ACTION)
    assert entry.detail == {"action": "export_csv", "count": 1, "ids": [appointment.pk]}


def test_large_admin_action_records_the_count_without_ids(client, staff, monkeypatch):
    monkeypatch.setattr(audit, "ADMIN_IDS_LISTED", 2)
    doctors = DoctorProfileFactory.create_batch(3, verified_at=None)
    client.post(
        reverse("admin:accounts_doctorprofile_changelist"),
        {"action": "verify", "_selected_action": [d.pk for d in doctors]},
    )

    assert entries(Action.ADMIN_ACTION)[0].detail == {"action": "verify", "count": 3}


def test_audit_log_is_read_only_in_the_admin(client, staff):
    PatientFactory(email="rokeya@example.com")
    Client().post(LOGIN_URL, {"username": "rokeya@example.com", "password": "nope"})
    entry = AuditEntry.objects.get(action=Action.LOGIN_FAILED)
    changelist = reverse("admin:accounts_auditentry_changelist")

    assert client.get(reverse("admin:accounts_auditentry_add")).status_code == 403
    assert (
        client.get(reverse("admin:accounts_auditentry_change", args=[entry.pk])).status_code == 200
    )
    client.post(
        reverse("admin:accounts_auditentry_change", args=[entry.pk]), {"email": "x@example.com"}
    )
    assert (
        client.post(
            reverse("admin:accounts_auditentry_delete", args=[entry.pk]), {"post": "yes"}
        ).status_code
        == 403
    )
    entry.refresh_from_db()
    assert entry.email == "rokeya@example.com"

    found = client.get(changelist, {"q": "rokeya", "action__exact": "login_failed"})
    assert list(found.context["cl"].result_list) == [entry]
    logins = client.get(changelist, {"action__exact": "login"}).context["cl"].result_list
    assert [e.user for e in logins] == [staff]


def test_audit_list_is_latest_first(client, staff):
    for _ in range(3):
        Client().post(LOGIN_URL, {"username": "someone@example.com", "password": "nope"})
    listed = client.get(reverse("admin:accounts_auditentry_changelist")).context["cl"].result_list
    assert [e.pk for e in listed] == sorted((e.pk for e in listed), reverse=True)
