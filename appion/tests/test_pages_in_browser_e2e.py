"""Every main page, in English and in Bengali, opened in Chromium as a visitor would on
a first visit: axe-core finds no serious or critical accessibility problem, the page
weighs at most 150 KB over the wire in a handful of requests, and the console stays free
of errors and CSP violations.

Static files are served as in production: collected once with WhiteNoise's compressed
manifest storage and served by WhiteNoise itself (hashed names, gzip), by a live server
of our own that has no development static handler in front. HTML is counted as Django
sends it (uncompressed: a proxy that gzips only makes it lighter)."""

import os
from datetime import time, timedelta

import pytest
from django.core.management import call_command
from django.test import Client
from django.utils import timezone

from accounts.tests.factories import DoctorProfileFactory, PatientFactory, StaffFactory
from appion import clinic_calendar
from appion.messaging.services import add_notification
from appion.tests.servers import AsgiLiveServer
from locations.tests.factories import ThanaFactory
from scheduling import selectors, services
from scheduling.models import VisitNotes
from scheduling.tests.factories import AppointmentFactory, TimeOffFactory, open_every_day

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

MAX_BYTES = 150 * 1024
# E2E_SCREENSHOTS=folder keeps a full-page screenshot of each page at 360 and 1280 px.
SCREENSHOTS = os.environ.get("E2E_SCREENSHOTS")
# Every page is checked for overflow on a phone; desktop shots only when kept.
WIDTHS = ((360, 740), (1280, 800)) if SCREENSHOTS else ((360, 740),)
MAX_REQUESTS = 8
PRODUCTION_STATIC = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}


@pytest.fixture(scope="session")
def collected_static(tmp_path_factory, django_db_blocker):
    from django.test import override_settings

    root = tmp_path_factory.mktemp("static")
    with override_settings(STATIC_ROOT=root, STORAGES=PRODUCTION_STATIC):
        call_command("collectstatic", interactive=False, verbosity=0)
    return root


@pytest.fixture
def production_server(collected_static, settings):
    settings.STATIC_ROOT = collected_static
    settings.STORAGES = PRODUCTION_STATIC
    # No development static handler in front: WhiteNoise serves the collected files.
    server = AsgiLiveServer("localhost", static_files=False)
    yield server.url
    server.stop()


@pytest.fixture
def site():
    """A doctor with a day of patients, a patient with bookings, and staff; the session
    cookie of each, made before Playwright starts."""
    doctor = open_every_day(
        DoctorProfileFactory(
            user__full_name="Dr. Nasima Haque", chamber_thana=ThanaFactory(name="Dhanmondi")
        )
    )
    patient = PatientFactory(full_name="Rokeya Sultana")
    staff = StaffFactory()
    now = timezone.now()
    booked = AppointmentFactory(
        doctor=doctor, patient=patient, start=now + timedelta(days=2), serial=4, status="pending"
    )
    seen = AppointmentFactory(
        doctor=doctor, patient=patient, start=now - timedelta(days=3), serial=2, status="completed"
    )
    VisitNotes.objects.create(
        appointment=seen, diagnosis="Viral fever", prescription="Paracetamol 500 mg"
    )
    AppointmentFactory(doctor=doctor, start=now + timedelta(hours=3), status="confirmed")
    TimeOffFactory(
        doctor=doctor,
        start_date=timezone.localdate() + timedelta(days=10),
        end_date=timezone.localdate() + timedelta(days=12),
        reason="Conference",
    )
    day = timezone.localdate() + timedelta(days=3)
    slot = selectors.free_slots(doctor, day, day)[day][0]
    # Today's queue (issue #17): the patient arrived early in the morning, before any
    # other booking of the day, with a walk-in after them and the doctor running late.
    today = AppointmentFactory(
        doctor=doctor,
        patient=patient,
        start=clinic_calendar.at(timezone.localdate(), time(0, 5)),
        serial=1,
        status="confirmed",
    )
    services.mark_arrived(appointment=today, by=doctor.user)
    services.add_walk_in(
        chamber=doctor.chambers.get(), by=doctor.user, name="Abdul Karim", mobile="01712345678"
    )
    services.set_late_notice(
        chamber=doctor.chambers.get(), by=doctor.user, minutes=20, reason="Ward round"
    )
    for text in ("Booked with Dr. Nasima Haque, serial 4.", "Confirmed: Dr. Nasima Haque."):
        add_notification(recipient=patient, text=text, link=f"/appointments/{booked.pk}/")

    def cookie(user):
        client = Client()
        client.force_login(user)
        return {"sessionid": client.cookies["sessionid"].value}

    anyone, as_patient, as_doctor, as_staff = (
        {},
        cookie(patient),
        cookie(doctor.user),
        cookie(staff),
    )
    return [
        ("home", "/", anyone),
        ("directory", "/doctors/", anyone),
        ("doctor page", f"/doctors/{doctor.pk}/", anyone),
        ("login", "/accounts/login/", anyone),
        ("registration (patient)", "/accounts/register/patient/", anyone),
        ("registration (doctor)", "/accounts/register/doctor/", anyone),
        ("booking", f"/appointments/book/{doctor.pk}/?start={slot.start_param}", as_patient),
        # A visitor registers or logs in on the booking page itself.
        ("booking (visitor)", f"/appointments/book/{doctor.pk}/?start={slot.start_param}", anyone),
        ("confirmation", f"/appointments/{booked.pk}/", as_patient),
        ("my appointments", "/appointments/", as_patient),
        ("appointment with notes", f"/appointments/{seen.pk}/", as_patient),
        ("profile", "/accounts/profile/", as_patient),
        ("notifications", "/notifications/", as_patient),
        ("portal", "/portal/", as_doctor),
        ("agenda", "/portal/agenda/?view=week", as_doctor),
        ("appointment (doctor)", f"/portal/appointments/{seen.pk}/", as_doctor),
        ("schedule", "/portal/schedule/", as_doctor),
        ("time off", "/portal/time-off/", as_doctor),
        ("reports", "/reports/", as_staff),
        ("appointment today (queue)", f"/appointments/{today.pk}/", as_patient),
        ("queue", "/portal/queue/", as_doctor),
        ("queue screen", f"/queue/{doctor.chambers.get().pk}/screen/", anyone),
    ]


def weigh_and_check(page, url):
    """Load `url` with an empty cache; return (bytes over the wire, requests, axe's
    serious and critical violations)."""
    from axe_playwright_python.sync_playwright import Axe

    finished = []
    page.on("requestfinished", lambda request: finished.append(request))
    response = page.goto(url, wait_until="networkidle")
    assert response.ok, f"{url}: {response.status}"
    sizes = [request.sizes() for request in finished]
    transferred = sum(s["responseBodySize"] + s["responseHeadersSize"] for s in sizes)
    results = Axe().run(page)
    serious = [
        f"{v['id']} ({v['impact']}): {v['help']} — "
        + "; ".join(node["target"][0] for node in v["nodes"][:3])
        for v in results.response["violations"]
        if v["impact"] in ("serious", "critical")
    ]
    return transferred, len(finished), serious


def test_main_pages_are_accessible_light_and_error_free(site, production_server, open_page):
    figures, problems = [], []
    for name, path, cookies in site:
        row = [name]
        for language in ("en", "bn"):
            page = open_page(None, language=language, cookies=cookies, base=production_server)
            transferred, requests, serious = weigh_and_check(page, production_server + path)
            if language == "bn":
                assert page.locator("html").get_attribute("lang") == "bn"
            page.context.close()
            for width, height in WIDTHS:
                page = open_page(
                    path,
                    language=language,
                    cookies=cookies,
                    base=production_server,
                    width=width,
                    height=height,
                )
                if page.evaluate("() => document.documentElement.scrollWidth") > width:
                    problems.append(f"{name} [{language}]: wider than {width} px")
                if SCREENSHOTS:
                    slug = name.replace(" ", "-").replace("(", "").replace(")", "")
                    page.screenshot(
                        path=f"{SCREENSHOTS}/{slug}-{language}-{width}.png", full_page=True
                    )
                page.context.close()
            row += [transferred, requests]
            if transferred > MAX_BYTES or requests > MAX_REQUESTS:
                problems.append(f"{name} [{language}]: {transferred} bytes, {requests} requests")
            problems += [f"{name} [{language}]: {violation}" for violation in serious]
        figures.append(row)

    from pathlib import Path

    Path("test-results").mkdir(exist_ok=True)
    lines = [
        "| page | English KB | requests | Bengali KB | requests |",
        "| --- | ---: | ---: | ---: | ---: |",
    ]
    lines += [
        f"| {n} | {e / 1024:.1f} | {er} | {b / 1024:.1f} | {br} |" for n, e, er, b, br in figures
    ]
    Path("test-results/page-weight.md").write_text("\n".join(lines) + "\n")
    assert not problems, "\n".join(problems)


# Forms sent back with errors: (name, page, the fields to fill with bad values, whose).
FAILED_FORMS = [
    ("login", "/accounts/login/", {"#id_username": "nobody@example.com", "#id_password": "x"}),
    (
        "registration (patient)",
        "/accounts/register/patient/",
        {"#id_email": "not an email", "#id_mobile": "123", "#id_password1": "short"},
    ),
    ("time off", "/portal/time-off/", {"#id_start_date": "2026-13-40"}),
    # The booking page's own registration (its address comes from `site`).
    (
        "booking (visitor)",
        None,
        {"#id_email": "not an email", "#id_mobile": "123", "#id_password1": "short"},
    ),
]


def test_forms_sent_back_with_errors_stay_accessible(site, production_server, open_page):
    """After a refused submission the errors are announced and tied to their fields: no
    serious or critical axe finding, each invalid field marked and described by its error."""
    from axe_playwright_python.sync_playwright import Axe

    whose = {name: cookies for name, _path, cookies in site}
    cookies_for = {"/portal/time-off/": whose["time off"]}
    problems = []
    paths = {name: path for name, path, _cookies in site}
    for name, path, bad in FAILED_FORMS:
        path = path or paths[name]
        for language in ("en", "bn"):
            page = open_page(
                path, language=language, cookies=cookies_for.get(path), base=production_server
            )
            for selector, value in bad.items():
                page.fill(selector, value)
            page.locator("main form[method=post] [type=submit]").first.click()
            page.wait_for_load_state("networkidle")
            invalid = page.locator("main [aria-invalid=true]")
            errors = page.locator("main .invalid-feedback, main .alert-danger, main .errorlist")
            if errors.count() == 0:
                problems.append(f"{name} [{language}]: no error shown")
            for n in range(invalid.count()):
                field = invalid.nth(n)
                described = (field.get_attribute("aria-describedby") or "").split()
                texts = [
                    page.locator(f"[id='{ident}']").inner_text()
                    for ident in described
                    if page.locator(f"[id='{ident}']").count()
                ]
                if not any(text.strip() for text in texts):
                    problems.append(
                        f"{name} [{language}]: #{field.get_attribute('id')} is invalid but not "
                        "described by its error"
                    )
            results = Axe().run(page)
            problems += [
                f"{name} [{language}]: {v['id']} ({v['impact']})"
                for v in results.response["violations"]
                if v["impact"] in ("serious", "critical")
            ]
            page.context.close()
    assert not problems, "\n".join(problems)
