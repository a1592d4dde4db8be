import json
from datetime import timedelta

import pytest
from django.utils import timezone

from accounts.models import AuditEntry
from accounts.tests.factories import DoctorProfileFactory, PatientFactory
from scheduling import services
from scheduling.models import VisitNotes
from scheduling.tests.factories import AppointmentFactory, open_every_day

pytestmark = pytest.mark.django_db

URL = "/accounts/profile/data/"


@pytest.fixture
def doctor():
    return open_every_day(DoctorProfileFactory(user__full_name="ডা. কামাল হোসেন"))


@pytest.fixture
def patient(client):
    user = PatientFactory(full_name="রহিমা বেগম", profile__blood_group="B+")
    client.force_login(user)
    return user


def visit(doctor, patient, *, days_ago, symptoms):
    """A completed visit with its history and the doctor's notes."""
    start = timezone.now() - timedelta(days=days_ago)
    appointment = AppointmentFactory(
        doctor=doctor, patient=patient, start=start, status="confirmed", symptoms=symptoms
    )
    services.change_status(
        appointment=appointment, to="completed", by=doctor.user, now=start + timedelta(minutes=5)
    )
    VisitNotes.objects.create(
        appointment=appointment, diagnosis="ভাইরাল জ্বর", prescription="প্যারাসিটামল ৫০০"
    )
    return appointment


def download(client):
    response = client.get(URL)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/json")
    assert response["Content-Disposition"].startswith('attachment; filename="appion-my-data-')
    return response, json.loads(response.content)


def test_patient_downloads_their_profile_appointments_history_and_notes(client, doctor, patient):
    appointment = visit(doctor, patient, days_ago=3, symptoms="জ্বর ও মাথাব্যথা")

    response, data = download(client)

    assert data["profile"]["full_name"] == "রহিমা বেগম"
    assert data["profile"]["email"] == patient.email
    assert data["profile"]["blood_group"] == "B+"
    [item] = data["appointments"]
    assert item["id"] == appointment.pk
    assert item["doctor"] == "ডা. কামাল হোসেন"
    assert item["symptoms"] == "জ্বর ও মাথাব্যথা"
    assert item["status"] == "completed"
    assert [(h["from"], h["to"]) for h in item["history"]] == [("confirmed", "completed")]
    assert item["visit_notes"]["diagnosis"] == "ভাইরাল জ্বর"
    assert item["visit_notes"]["prescription"] == "প্যারাসিটামল ৫০০"
    # Bengali is written as itself, not as \\u escapes, in UTF-8.
    assert "জ্বর ও মাথাব্যথা".encode() in response.content


def test_download_holds_no_other_patients_data(client, doctor, patient):
    visit(doctor, patient, days_ago=3, symptoms="কাশি")
    other = PatientFactory(full_name="করিম উদ্দিন")
    visit(doctor, other, days_ago=4, symptoms="বুকে ব্যথা")

    response, data = download(client)

    assert len(data["appointments"]) == 1
    text = response.content.decode()
    assert "করিম উদ্দিন" not in text
    assert "বুকে ব্যথা" not in text
    assert other.email not in text


def test_download_takes_a_fixed_number_of_queries(
    client, doctor, patient, django_assert_num_queries
):
    visit(doctor, patient, days_ago=3, symptoms="one")
    # session, user; the user with profile; appointments; their events; the audit entry
    with django_assert_num_queries(6):
        download(client)
    for n in range(4):
        visit(doctor, patient, days_ago=10 + n, symptoms="more")
    with django_assert_num_queries(6):
        _, data = download(client)
    assert len(data["appointments"]) == 5


def test_download_is_recorded_in_the_audit_log(client, patient):
    client.get(URL, REMOTE_ADDR="203.0.113.9")
    [entry] = AuditEntry.objects.filter(action=AuditEntry.Action.DATA_DOWNLOAD)
    assert (entry.user, entry.ip_address) == (patient, "203.0.113.9")
    assert entry.detail == {"appointments": 0}


def test_doctor_downloads_their_profile_and_appointments_without_medical_details(client, doctor):
    patient = PatientFactory(full_name="রহিমা বেগম")
    visit(doctor, patient, days_ago=3, symptoms="জ্বর")
    client.force_login(doctor.user)

    response, data = download(client)

    assert data["profile"]["licence_number"] == doctor.licence_number
    assert [c["name"] for c in data["profile"]["chambers"]] == [
        c.name for c in doctor.chambers.all()
    ]
    [item] = data["appointments"]
    assert item["patient"] == "রহিমা বেগম"
    assert "জ্বর" not in response.content.decode()
    assert "symptoms" not in item and "visit_notes" not in item


def test_anonymous_visitor_is_sent_to_login(client):
    response = client.get(URL)
    assert response.status_code == 302
    assert response.url.startswith("/accounts/login/?next=")
    assert not AuditEntry.objects.exists()


def test_profile_page_links_to_the_download(client, patient):
    assert URL in client.get("/accounts/profile/").content.decode()
