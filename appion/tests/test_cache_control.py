"""Pages and files with personal data are never kept by a browser or a shared cache:
every response to a signed-in visitor says `Cache-Control: private, no-store`, while the
public pages that anonymous visitors see stay free to cache."""

from datetime import datetime, time
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.utils.cache import get_max_age

from accounts.tests.factories import DoctorProfileFactory, PatientFactory, StaffFactory
from scheduling.models import VisitNotes
from scheduling.tests.factories import AppointmentFactory, open_every_day

pytestmark = pytest.mark.django_db

DHAKA = ZoneInfo("Asia/Dhaka")
NOW = datetime(2026, 3, 10, 13, 0, tzinfo=DHAKA)  # a Tuesday
LATER = datetime(2026, 3, 12, 10, 0, tzinfo=DHAKA)
EARLIER = datetime(2026, 3, 9, 10, 0, tzinfo=DHAKA)


@pytest.fixture(autouse=True)
def _frozen_now():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def people():
    doctor = open_every_day(DoctorProfileFactory(), ranges=((time(9), time(17)),))
    patient = PatientFactory()
    upcoming = AppointmentFactory(doctor=doctor, patient=patient, start=LATER, status="confirmed")
    visit = AppointmentFactory(doctor=doctor, patient=patient, start=EARLIER, status="completed")
    VisitNotes.objects.create(appointment=visit, diagnosis="Seasonal flu", advice="Rest")
    return {
        "doctor": doctor.user,
        "patient": patient,
        "staff": StaffFactory(),
        "upcoming": upcoming,
        "visit": visit,
        "doctor_id": doctor.pk,
    }


def private_urls(people):
    upcoming, visit, doctor_id = people["upcoming"], people["visit"], people["doctor_id"]
    report_range = "start_date=2026-03-01&end_date=2026-03-31"
    return [
        ("patient", "/appointments/"),
        ("patient", f"/appointments/{upcoming.pk}/"),
        ("patient", f"/appointments/{visit.pk}/"),  # with the doctor's visit notes
        ("patient", f"/appointments/{upcoming.pk}/ics/"),
        ("patient", f"/appointments/{upcoming.pk}/reschedule/"),
        ("patient", "/accounts/profile/"),
        ("patient", "/accounts/profile/data/"),
        ("patient", "/"),  # public pages too: the navigation names the user
        ("patient", f"/doctors/{doctor_id}/"),
        ("doctor", "/portal/"),
        ("doctor", "/portal/agenda/?date=2026-03-12"),
        ("doctor", f"/portal/appointments/{upcoming.pk}/"),
        ("doctor", f"/portal/appointments/{visit.pk}/"),
        ("doctor", "/portal/schedule/"),
        ("doctor", f"/portal/report/?{report_range}"),
        ("doctor", f"/portal/report/?{report_range}&format=csv"),
        ("doctor", "/accounts/profile/"),
        ("doctor", "/accounts/profile/data/"),
        ("staff", "/reports/"),
        ("staff", f"/reports/doctor/{doctor_id}/?{report_range}"),
        ("staff", f"/reports/doctor/{doctor_id}/?{report_range}&format=csv"),
        ("staff", f"/admin/scheduling/appointment/{visit.pk}/change/"),
    ]


def assert_not_stored(response, url):
    directives = {part.strip() for part in response.get("Cache-Control", "").split(",")}
    assert {"private", "no-store"} <= directives, (url, response.get("Cache-Control"))
    assert "public" not in directives, url


def test_every_page_and_file_with_personal_data_is_private_and_not_stored(client, people):
    for who, url in private_urls(people):
        client.force_login(people[who])
        response = client.get(url)
        assert response.status_code == 200, url
        assert_not_stored(response, url)
        if response.streaming:
            b"".join(response.streaming_content)


def test_the_admins_csv_export_is_private_and_not_stored(client, people):
    client.force_login(people["staff"])

    response = client.post(
        "/admin/scheduling/appointment/",
        {"action": "export_csv", "_selected_action": [people["visit"].pk]},
    )

    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert_not_stored(response, "export_csv")


def test_a_redirect_and_an_error_page_for_a_signed_in_visitor_are_not_stored(client, people):
    client.force_login(people["patient"])
    for url, status in (("/accounts/login/", 302), (f"/appointments/{10**9}/", 404)):
        response = client.get(url)
        assert response.status_code == status
        assert_not_stored(response, url)


def test_public_pages_for_anonymous_visitors_stay_cacheable(client, people):
    for url in ("/", "/doctors/", f"/doctors/{people['doctor_id']}/"):
        response = client.get(url)
        assert response.status_code == 200
        assert "no-store" not in response.get("Cache-Control", ""), url
        assert "private" not in response.get("Cache-Control", ""), url
        assert get_max_age(response) is None or get_max_age(response) > 0
