"""Abuse limits: too many posts of a form from one address, account or email get the 429
page and write nothing; others are not affected."""

from datetime import datetime, time, timedelta
from urllib.parse import quote

import pytest
from django.core import mail
from django.test import Client
from django.utils import timezone

from accounts.models import AuditEntry, User
from accounts.tests.factories import DoctorProfileFactory, PatientFactory
from accounts.tests.test_registration import doctor_data, patient_data
from appion import checks
from locations.tests.factories import ThanaFactory
from scheduling.models import Appointment
from scheduling.tests.factories import open_every_day

pytestmark = pytest.mark.django_db

HOME = "10.1.1.1"
ELSEWHERE = "10.2.2.2"


def assert_refused(response):
    assert response.status_code == 429
    page = response.content.decode()
    assert "Too many attempts" in page
    assert "Nothing was saved" in page
    assert "Please try again in" in page
    assert 0 < int(response["Retry-After"]) <= 3600


@pytest.fixture
def thana():
    return ThanaFactory()


def register(place, address, n, url="/accounts/register/patient/", data=patient_data):
    return Client(REMOTE_ADDR=address).post(
        url, data(place, email=f"person{n}@example.com", mobile=f"0171200000{n}")
    )


def test_registrations_from_one_address_are_limited(settings, thana):
    settings.APPION_RATE_REGISTRATION = "2/h"
    assert register(thana, HOME, 1).status_code == 302
    assert register(thana, HOME, 2).status_code == 302

    assert_refused(register(thana, HOME, 3))
    assert_refused(register(thana, HOME, 4, url="/accounts/register/doctor/", data=doctor_data))
    assert not User.objects.filter(email__in=["person3@example.com", "person4@example.com"])

    assert register(thana, ELSEWHERE, 5).status_code == 302
    assert User.objects.filter(email="person5@example.com").exists()


def test_only_posts_count_towards_a_limit(settings, thana):
    settings.APPION_RATE_REGISTRATION = "1/h"
    visitor = Client(REMOTE_ADDR=HOME)
    for _ in range(5):
        assert visitor.get("/accounts/register/patient/").status_code == 200
    assert register(thana, HOME, 1).status_code == 302


def test_password_resets_from_one_address_are_limited(settings):
    settings.APPION_RATE_PASSWORD_RESET = "2/h"
    emails = [PatientFactory().email for _ in range(3)]
    visitor = Client(REMOTE_ADDR=HOME)
    for email in emails[:2]:
        assert visitor.post("/accounts/password/reset/", {"email": email}).status_code == 302

    assert_refused(visitor.post("/accounts/password/reset/", {"email": emails[2]}))
    assert len(mail.outbox) == 2

    other = Client(REMOTE_ADDR=ELSEWHERE)
    assert other.post("/accounts/password/reset/", {"email": emails[2]}).status_code == 302
    assert len(mail.outbox) == 3


def test_password_resets_for_one_email_are_limited_from_any_address(settings):
    settings.APPION_RATE_PASSWORD_RESET_EMAIL = "2/h"
    target = PatientFactory(email="rahim@example.com")
    for n, spelling in enumerate(["rahim@example.com", " Rahim@Example.com "]):
        client = Client(REMOTE_ADDR=f"10.0.0.{n + 1}")
        assert client.post("/accounts/password/reset/", {"email": spelling}).status_code == 302

    client = Client(REMOTE_ADDR="10.0.0.9")
    assert_refused(client.post("/accounts/password/reset/", {"email": target.email}))
    assert len(mail.outbox) == 2

    someone_else = PatientFactory()
    assert (
        client.post("/accounts/password/reset/", {"email": someone_else.email}).status_code == 302
    )
    assert len(mail.outbox) == 3


DAY = timezone.localdate() + timedelta(days=2)


def book_url(doctor, hour):
    start = datetime.combine(DAY, time(hour), tzinfo=timezone.get_default_timezone())
    return f"/appointments/book/{doctor.pk}/?start={quote(start.isoformat())}"


def patient_at(address):
    client = Client(REMOTE_ADDR=address)
    client.force_login(PatientFactory())
    return client


def test_bookings_by_one_account_are_limited(settings):
    settings.APPION_RATE_BOOKING_ACCOUNT = "2/h"
    doctor = open_every_day(DoctorProfileFactory())
    patient = patient_at(HOME)
    assert patient.post(book_url(doctor, 9)).status_code == 302
    assert patient.post(book_url(doctor, 10)).status_code == 302

    assert_refused(patient.post(book_url(doctor, 11)))
    assert Appointment.objects.count() == 2

    neighbour = patient_at(HOME)
    assert neighbour.post(book_url(doctor, 11)).status_code == 302
    assert Appointment.objects.count() == 3


def test_bookings_from_one_address_are_limited(settings):
    settings.APPION_RATE_BOOKING = "2/h"
    doctor = open_every_day(DoctorProfileFactory())
    for hour in (9, 10):
        assert patient_at(HOME).post(book_url(doctor, hour)).status_code == 302

    assert_refused(patient_at(HOME).post(book_url(doctor, 11)))
    assert Appointment.objects.count() == 2

    assert patient_at(ELSEWHERE).post(book_url(doctor, 11)).status_code == 302
    assert Appointment.objects.count() == 3


def test_the_limit_page_is_in_bengali_for_bengali_readers(settings, thana):
    settings.APPION_RATE_REGISTRATION = "1/h"
    register(thana, HOME, 1)
    response = Client(REMOTE_ADDR=HOME, HTTP_ACCEPT_LANGUAGE="bn").post(
        "/accounts/register/patient/", patient_data(thana, email="late@example.com")
    )
    assert response.status_code == 429
    assert 'lang="bn"' in response.content.decode()
    assert "Too many attempts" not in response.content.decode()


def test_the_client_address_comes_from_the_proxy_header_only_when_configured(settings):
    settings.APPION_RATE_PASSWORD_RESET = "1/h"
    email = PatientFactory().email
    # Not configured: a header sent by the client changes nothing.
    spoofer = Client(REMOTE_ADDR=HOME)
    spoofer.post("/accounts/password/reset/", {"email": email}, HTTP_X_REAL_IP="1.1.1.1")
    refused = spoofer.post("/accounts/password/reset/", {"email": email}, HTTP_X_REAL_IP="2.2.2.2")
    assert refused.status_code == 429

    # Behind a proxy that sets X-Real-IP, each client counts on its own.
    settings.CLIENT_IP_META_KEY = "HTTP_X_REAL_IP"
    proxy = Client(REMOTE_ADDR="127.0.0.1")
    for address in ("1.1.1.1", "2.2.2.2"):
        response = proxy.post("/accounts/password/reset/", {"email": email}, HTTP_X_REAL_IP=address)
        assert response.status_code == 302
    refused = proxy.post("/accounts/password/reset/", {"email": email}, HTTP_X_REAL_IP="1.1.1.1")
    assert refused.status_code == 429


@pytest.mark.parametrize(
    "environ",
    [
        {"REMOTE_ADDR": ""},  # gunicorn on a Unix socket
        {"REMOTE_ADDR": "127.0.0.1", "HTTP_X_REAL_IP": "not an address"},
    ],
    ids=["empty REMOTE_ADDR", "garbled proxy header"],
)
def test_requests_without_a_usable_address_are_counted_together(settings, thana, environ):
    """A request may carry no usable client address (Schemathesis' WSGI client sends
    none: the API's login and registration answered 500). Such requests are limited as
    one client, and the audit log records no address for them."""
    settings.CLIENT_IP_META_KEY = "HTTP_X_REAL_IP"
    settings.APPION_RATE_REGISTRATION = "1/h"
    client = Client(**environ)
    assert client.post("/accounts/register/patient/", patient_data(thana)).status_code == 302
    assert_refused(client.post("/accounts/register/patient/", patient_data(thana)))

    login = client.post("/api/v1/auth/login", {"username": "a@x.org", "password": "wrong"})
    assert login.status_code == 401
    failed = AuditEntry.objects.get(action=AuditEntry.Action.LOGIN_FAILED)
    assert failed.ip_address is None


def test_a_malformed_rate_is_a_system_check_error(settings):
    assert checks.rates_are_well_formed(None) == []
    settings.APPION_RATE_BOOKING = "sixty an hour"
    assert [error.id for error in checks.rates_are_well_formed(None)] == ["appion.E001"]


def test_deploy_check_asks_for_a_shared_cache(settings):
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    assert [warning.id for warning in checks.cache_is_shared(None)] == ["appion.W001"]
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": "redis://127.0.0.1:6379/5",
        }
    }
    assert checks.cache_is_shared(None) == []
