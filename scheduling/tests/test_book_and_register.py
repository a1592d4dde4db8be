"""The one booking page of a visitor who is not logged in: register or log in, and book,
in one submit."""

import html
import re
from datetime import datetime
from decimal import Decimal
from urllib.parse import quote
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.contrib.auth import get_user
from django.core import mail

from accounts.models import User
from accounts.tests.factories import DEFAULT_PASSWORD, DoctorProfileFactory, PatientFactory
from locations.tests.factories import ThanaFactory
from scheduling.models import Appointment
from scheduling.tests.factories import AppointmentFactory, open_every_day

pytestmark = pytest.mark.django_db

DHAKA = ZoneInfo("Asia/Dhaka")
# A Tuesday morning; the slots booked are on Thursday 12 March 2026.
FROZEN = datetime(2026, 3, 10, 10, 0, tzinfo=DHAKA)
PASSWORD = "Dhaka#Sky42"


def at(hour, minute=0):
    return datetime(2026, 3, 12, hour, minute, tzinfo=DHAKA)


def book_url(doctor, start):
    return f"/appointments/book/{doctor.pk}/?start={quote(start.isoformat())}"


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(FROZEN, tick=False):
        yield


@pytest.fixture
def doctor():
    thana = ThanaFactory(name="Dhanmondi")
    return open_every_day(
        DoctorProfileFactory(
            user__full_name="Dr. Nusrat Jahan",
            chamber_name="Popular Diagnostic",
            chamber_thana=thana,
            consultation_fee=Decimal("700"),
        )
    )


def registration(**overrides):
    data = {
        "account": "new",
        "full_name": "Rahima Begum",
        "email": "rahima@example.com",
        "mobile": "01712345678",
        "password1": PASSWORD,
        "password2": PASSWORD,
        "symptoms": "Fever for <b>three</b> days",
        "notes": "Morning is better",
    }
    data.update(overrides)
    return data


def logging_in(username, password=DEFAULT_PASSWORD, **overrides):
    data = {"account": "existing", "username": username, "password": password}
    data.update({"symptoms": "Cough", "notes": ""}, **overrides)
    return data


def page_text(response):
    return html.unescape(response.content.decode())


def banner(response):
    """The words of the page's booking banner, without its tags."""
    page = response.content.decode()
    section = re.search(r'<section class="booking-banner.*?</section>', page, re.S)
    return " ".join(html.unescape(re.sub(r"<[^>]+>", "", section.group(0))).split())


def test_a_visitor_gets_one_page_to_register_or_log_in_and_book(client, doctor):
    response = client.get(book_url(doctor, at(10)))

    assert response.status_code == 200
    page = page_text(response)
    for field in ("full_name", "mobile", "email", "password1", "password2", "username"):
        assert f'name="{field}"' in page
    assert 'name="symptoms"' in page
    assert "New here? Register" in page
    assert banner(response) == (
        "Dr. Nusrat Jahan · Popular Diagnostic, Dhanmondi · Thu 12 Mar, 10:00 · serial 2"
    )


def test_a_visitor_registers_and_books_in_one_submit(
    client, doctor, django_capture_on_commit_callbacks, send_outbox
):
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(book_url(doctor, at(10)), registration())

    user = User.objects.get(email="rahima@example.com")
    appointment = Appointment.objects.get()
    assert response.status_code == 302
    assert response.url == f"/appointments/{appointment.pk}/"
    assert (user.role, user.mobile, user.full_name) == ("patient", "+8801712345678", "Rahima Begum")
    assert user.check_password(PASSWORD)
    assert get_user(client) == user
    assert (appointment.patient, appointment.doctor, appointment.start) == (user, doctor, at(10))
    assert appointment.symptoms == "Fever for <b>three</b> days"
    assert appointment.notes == "Morning is better"
    send_outbox()
    assert sorted(m.to[0] for m in mail.outbox) == sorted([user.email, doctor.user.email])

    confirmation = client.get(response.url)
    assert "Welcome to Appion, Rahima Begum!" in page_text(confirmation)
    assert banner(confirmation) == (
        "Dr. Nusrat Jahan · Popular Diagnostic, Dhanmondi · Thu 12 Mar, 10:00 · serial 2"
    )


def test_a_slot_taken_meanwhile_keeps_the_account_and_offers_that_days_free_times(client, doctor):
    assert client.get(book_url(doctor, at(10))).status_code == 200
    AppointmentFactory(doctor=doctor, start=at(10), status="confirmed")

    response = client.post(book_url(doctor, at(10)), registration())

    assert response.status_code == 200
    user = User.objects.get(email="rahima@example.com")
    assert get_user(client) == user
    assert not Appointment.objects.filter(patient=user).exists()
    page = page_text(response)
    assert "This slot was just taken" in page
    assert "You are logged in." in page
    assert f'value="{at(11).isoformat()}"' in page  # that day's free times, in the form
    assert f'value="{at(10).isoformat()}"' not in page
    assert "Fever for &lt;b&gt;three&lt;/b&gt; days" in response.content.decode()
    assert "Morning is better" in page
    assert PASSWORD not in page
    assert 'name="password1"' not in page  # logged in: no account part any more

    # One of the offered times books with what was typed.
    booked = client.post(
        f"/appointments/book/{doctor.pk}/",
        {"start": at(11).isoformat(), "symptoms": "Fever for <b>three</b> days", "notes": ""},
    )
    appointment = Appointment.objects.get(patient=user)
    assert booked.url == f"/appointments/{appointment.pk}/"
    assert appointment.start == at(11)


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        pytest.param({"mobile": "12345"}, "mobile", "mobile", id="invalid-mobile"),
        pytest.param(
            {"password1": "password", "password2": "password"},
            "password1",
            "password",
            id="weak-password",
        ),
        pytest.param({"password2": "Other#Sky42"}, "password2", "do not match", id="mismatch"),
        pytest.param({"email": "taken@example.com"}, "email", "already exists", id="email-taken"),
        pytest.param({"full_name": ""}, "full_name", "required", id="no-name"),
    ],
)
def test_a_bad_field_creates_nothing_and_keeps_what_was_typed(
    client, doctor, overrides, field, message
):
    PatientFactory(email="taken@example.com")
    users = User.objects.count()

    response = client.post(book_url(doctor, at(10)), registration(**overrides))

    assert response.status_code == 200
    assert User.objects.count() == users
    assert not Appointment.objects.exists()
    assert not get_user(client).is_authenticated
    errors = response.context["account"]["registration"].errors
    assert field in errors and message in " ".join(errors[field])
    page = page_text(response)
    assert "Please correct the errors below." in page
    assert "Morning is better" in page
    assert "rahima" in page or field == "email"
    for typed in {overrides.get("password1", PASSWORD), overrides.get("password2", PASSWORD)}:
        assert f'value="{typed}"' not in page


def test_a_bad_booking_field_creates_no_account(client, doctor):
    response = client.post(book_url(doctor, at(10)), registration(symptoms="x" * 1001))

    assert response.status_code == 200
    assert "symptoms" in response.context["form"].errors
    assert not User.objects.filter(email="rahima@example.com").exists()
    assert not Appointment.objects.exists()


@pytest.mark.parametrize("login_name", ["email", "mobile"])
def test_a_patient_logs_in_and_books_in_one_submit(client, doctor, login_name):
    patient = PatientFactory(email="karim@example.com", mobile="+8801812345678")
    name = {"email": "Karim@Example.com", "mobile": "০১৮১২৩৪৫৬৭৮"}[login_name]

    response = client.post(book_url(doctor, at(10)), logging_in(name))

    appointment = Appointment.objects.get()
    assert response.url == f"/appointments/{appointment.pk}/"
    assert appointment.patient == patient and appointment.symptoms == "Cough"
    assert get_user(client) == patient


def test_a_wrong_password_books_nothing(client, doctor):
    PatientFactory(email="karim@example.com")

    response = client.post(
        book_url(doctor, at(10)), logging_in("karim@example.com", password="wrong")
    )

    assert response.status_code == 200
    assert not Appointment.objects.exists()
    assert not get_user(client).is_authenticated
    page = page_text(response)
    assert "The email address or mobile number, or the password, is not correct." in page
    assert "Cough" in page
    assert 'value="karim@example.com"' in page


def test_wrong_passwords_on_the_booking_page_lock_the_account_as_the_login_page_does(
    client, doctor, settings
):
    PatientFactory(email="karim@example.com")
    for _attempt in range(settings.AXES_FAILURE_LIMIT):
        client.post(book_url(doctor, at(10)), logging_in("karim@example.com", password="wrong"))

    response = client.post(book_url(doctor, at(10)), logging_in("karim@example.com"))

    assert response.status_code == 429
    assert not Appointment.objects.exists()
    assert not get_user(client).is_authenticated


def test_a_doctor_logging_in_on_the_booking_page_books_nothing(client, doctor):
    other = DoctorProfileFactory(user__email="doc@example.com")

    response = client.post(book_url(doctor, at(10)), logging_in("doc@example.com"), follow=True)

    assert "Only patients can book appointments." in page_text(response)
    assert get_user(client) == other.user
    assert not Appointment.objects.exists()


def test_registrations_on_the_booking_page_count_against_the_registration_limit(
    client, doctor, settings
):
    settings.APPION_RATE_REGISTRATION = "1/h"
    client.post(book_url(doctor, at(10)), registration(email="a@example.com", mobile="bad"))

    response = client.post(book_url(doctor, at(10)), registration())

    assert response.status_code == 429
    assert not User.objects.filter(email="rahima@example.com").exists()


def test_the_banner_speaks_bengali_with_bengali_digits(client, doctor):
    client.get("/language/bn/")

    words = banner(client.get(book_url(doctor, at(10))))

    assert words.startswith("Dr. Nusrat Jahan · Popular Diagnostic, ")
    assert words.endswith(" · বৃহঃ ১২ মার্চ, ১০:০০ · সিরিয়াল ২")
