"""Every main page sends the security headers, and no page carries script that the
Content Security Policy would block (inline <script> or on...= handlers)."""

import re
from datetime import datetime, time, timedelta
from urllib.parse import quote

import pytest
from django.utils import timezone

from accounts.tests.factories import DoctorProfileFactory, PatientFactory, StaffFactory
from scheduling.tests.factories import AppointmentFactory, TimeOffFactory, open_every_day

pytestmark = pytest.mark.django_db

DAY = timezone.localdate() + timedelta(days=2)
START = datetime.combine(DAY, time(10), tzinfo=timezone.get_default_timezone())

TAG = re.compile(r"<[a-zA-Z][^>]*>")
EVENT_HANDLER = re.compile(r"\son[a-z]+\s*=", re.IGNORECASE)
SCRIPT = re.compile(r"<script\b([^>]*)>(.*?)</script>", re.IGNORECASE | re.DOTALL)


def directive(policy, name):
    for part in policy.split(";"):
        words = part.split()
        if words and words[0] == name:
            return words[1:]
    return None


def assert_secure_headers(response):
    policy = response["Content-Security-Policy"]
    assert directive(policy, "default-src") == ["'self'"]
    # Scripts from our own origin only: no inline script, no eval, no other host.
    assert directive(policy, "script-src") == ["'self'"]
    assert directive(policy, "object-src") == ["'none'"]
    assert directive(policy, "frame-ancestors") == ["'none'"]
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["Cross-Origin-Opener-Policy"] == "same-origin"
    features = dict(
        item.strip().split("=", 1) for item in response["Permissions-Policy"].split(",")
    )
    for feature in ("camera", "microphone", "geolocation", "payment", "usb"):
        assert features[feature] == "()", feature


def assert_no_inline_script(page):
    for attributes, body in SCRIPT.findall(page):
        if "application/json" in attributes:
            continue  # data for a script file, never run
        assert "src=" in attributes and not body.strip(), f"inline script: {body[:80]!r}"
    for tag in TAG.findall(page):
        assert not EVENT_HANDLER.search(tag), f"inline event handler: {tag[:120]}"
        assert "javascript:" not in tag.lower(), f"javascript: URL: {tag[:120]}"


@pytest.fixture
def people():
    doctor = open_every_day(DoctorProfileFactory())
    patient = PatientFactory()
    appointment = AppointmentFactory(doctor=doctor, patient=patient, start=START, status="pending")
    TimeOffFactory(doctor=doctor, start_date=DAY + timedelta(days=3), end_date=DAY + timedelta(4))
    return {"doctor": doctor, "patient": patient, "staff": StaffFactory(), "visit": appointment}


def pages(people):
    doctor, visit = people["doctor"], people["visit"]
    book = (
        f"/appointments/book/{doctor.pk}/?start={quote((START + timedelta(hours=4)).isoformat())}"
    )
    return [
        (None, "/"),
        (None, "/doctors/"),
        (None, f"/doctors/{doctor.pk}/"),
        (None, f"/doctors/{doctor.pk}/slots/?date={DAY.isoformat()}"),
        (None, "/accounts/login/"),
        (None, "/accounts/register/patient/"),
        (None, "/accounts/register/doctor/"),
        (None, "/accounts/password/reset/"),
        (None, "/admin/login/"),
        (None, "/no-such-page/"),
        ("patient", book),
        ("patient", "/appointments/"),
        ("patient", f"/appointments/{visit.pk}/"),
        ("patient", "/accounts/profile/"),
        ("patient", "/accounts/password/change/"),
        ("doctor", "/portal/"),
        ("doctor", "/portal/agenda/"),
        ("doctor", f"/portal/appointments/{visit.pk}/"),
        ("doctor", "/portal/schedule/"),
        ("doctor", "/portal/time-off/"),
        ("doctor", "/portal/report/"),
        ("doctor", "/accounts/profile/"),
        ("staff", "/reports/"),
        ("staff", f"/reports/doctor/{doctor.pk}/"),
        ("staff", "/admin/"),
        ("staff", "/admin/scheduling/appointment/"),
        ("staff", f"/admin/scheduling/appointment/{visit.pk}/change/"),
        ("staff", "/admin/accounts/user/"),
        ("staff", "/admin/accounts/user/add/"),
        ("staff", f"/admin/accounts/doctorprofile/{doctor.pk}/change/"),
    ]


def test_every_main_page_sends_the_security_headers_and_no_inline_script(client, people):
    checked = 0
    for who, url in pages(people):
        client.logout()
        if who == "doctor":
            client.force_login(people["doctor"].user)
        elif who:
            client.force_login(people[who])
        response = client.get(url)
        assert response.status_code == (404 if url == "/no-such-page/" else 200), url
        assert_secure_headers(response)
        assert_no_inline_script(response.content.decode())
        checked += 1
    assert checked == 30


def test_the_rate_limit_page_sends_the_headers_too(client, settings):
    settings.APPION_RATE_PASSWORD_RESET = "0/h"
    response = client.post("/accounts/password/reset/", {"email": "a@example.com"})
    assert response.status_code == 429
    assert_secure_headers(response)
    assert_no_inline_script(response.content.decode())


def test_the_inline_script_check_catches_what_the_policy_blocks():
    for page in (
        "<script>alert(1)</script>",
        '<script type="module">import "x"</script>',
        '<button onclick="go()">Go</button>',
        '<a href="javascript:go()">Go</a>',
    ):
        with pytest.raises(AssertionError):
            assert_no_inline_script(page)
    assert_no_inline_script('<script src="/static/js/appion.js" defer></script><p>only one</p>')
