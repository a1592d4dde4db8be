"""Bad input never breaks anything.

Hypothesis sends generated values — empty, huge (1 MB), Unicode and Bengali, control
characters and NUL bytes, SQL and HTML/JS injection, out-of-range numbers and dates,
files where text belongs, repeated and missing fields — to every form field and query
parameter of every page (ENDPOINTS below), as each role. For each request:

- the status is below 500 (an exception in a view fails the test with its traceback);
- a refused request writes nothing: every row of every model is the same afterwards
  when the response is not a redirect, or is a redirect that carries an error message;
- no user gains a role or staff rights, and every redirect stays on this site;
- the markup of world.XSS, stored in names and sent as input, never comes back raw.

FUZZ_EXAMPLES (default 4) sets the examples per page and role; `make fuzz` runs many
more. Each example runs in a savepoint that is rolled back, so examples are independent
and a failure shrinks to a small case."""

import os
import re
from collections import Counter
from dataclasses import dataclass, field
from datetime import timedelta
from hashlib import sha256
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from django.apps import apps
from django.contrib.messages import ERROR, get_messages
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from accounts import services
from accounts.forms import (
    DoctorProfileForm,
    EmailChangeForm,
    PatientProfileForm,
    PatientRegistrationForm,
    QuickRegistrationForm,
)
from accounts.models import User
from accounts.tests.factories import DEFAULT_PASSWORD
from accounts.tests.images import image_bytes
from appion.tests.test_api_schema import schema as api_schema
from appion.tests.world import ROLES, XSS, build_world
from scheduling.forms import (
    BookingAccountForm,
    BookingForm,
    CancelForm,
    DeclineForm,
    DoctorRegistrationForm,
    LateNoticeForm,
    QueueStepForm,
    ScheduleForm,
    TimeOffForm,
    VisitNotesForm,
    WalkInForm,
)

FUZZ_EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "4"))
# The 1 MB values make Hypothesis warn that a failing example's repr is long.
pytestmark = pytest.mark.filterwarnings("ignore:Generating overly large repr")
STATUSES = Counter()
BASE_DIR = Path(__file__).resolve().parents[2]
MEGABYTE = 1024 * 1024

# Rows that a refused request may write, each for a reason: the session (a visitor's
# first request, the messages that do not fit a cookie), django-axes' record of failed
# logins and the audit log, which exist to record refusals, and the reports' daily
# roll-ups, derived figures that a report brings up to date before reading them.
MAY_CHANGE_ON_REFUSAL = {
    "sessions.session",
    "axes.accessattempt",
    "axes.accessfailurelog",
    "accounts.auditentry",
    "reports.reportday",
    "reports.reportmonth",
    "reports.dailyfigure",
    # Opening /notifications/ marks the user's notifications read (whatever the page
    # number asked for): a read receipt, not a change the input asked for.
    "messaging.notification",
}
# Columns that a refused request may write, in rows that it may not otherwise change: a
# calendar feed's fetch counter counts every fetch (the feed's answer is a 200 that
# changes nothing else), as the audit log records them.
MAY_CHANGE_COLUMNS = {
    "accounts.calendarfeed": {"fetch_count", "last_fetched_at", "last_fetched_from", "logged_at"},
}

NASTY = [
    "",
    " ",
    "0",
    "-1",
    "1",
    "007",
    "2147483648",
    "9223372036854775808",
    "-9223372036854775809",
    "9" * 400,
    "1e309",
    "-1e-309",
    "NaN",
    "-Infinity",
    "1,5",
    "0x1F",
    "১২৩",
    "০১৭১২৩৪৫৬৭৮",
    "ঢাকা মেডিকেল কলেজ",
    "ডাঃ রহিমা খাতুন",
    "𝟙𝟚𝟛",
    "٣٤",
    "Ⅻ",
    "😷🩺",
    "\u202etxt.exe",
    "\ufeff",
    "\x00",
    "a\x00b",
    "\x01\x02\x1b[31m\x7f",
    "\r\n\r\n",
    "\t",
    "%00",
    "%",
    "\\",
    "'",
    '"',
    "' OR '1'='1",
    "1; DROP TABLE accounts_user; --",
    "1' UNION SELECT password FROM accounts_user --",
    "{{ 7*7 }}{% debug %}",
    "%(name)s %s %d",
    *XSS,
    "javascript:alert(1)",
    "//evil.example/",
    "https://evil.example/x",
    "../../../etc/passwd",
    "0000-00-00",
    "0001-01-01",
    "9999-12-31",
    "10000-01-01",
    "2026-02-30",
    "2026-13-01",
    "2026-1-1",
    "-2026-01-01",
    "00:00-24:00",
    "23:00-08:00",
    "12:00-09:00",
    "09:00-12:00,10:00-11:00",
    "9-5",
    "09:00-12:00," * 40,
    "2026-06-01T25:61:00",
    "9999-12-31T23:59:59+14:00",
    "0001-01-01T00:00:00-23:59",
    "0001-01-01T00:00:00",
    "2026-06-01 10:00:00 06:00",
    "true",
    "on",
    "None",
    "null",
    "[]",
    "{}",
    "@",
    "a" * 250 + "@example.com",
    "x@" + "y" * 300 + ".com",
    "x" * MEGABYTE,
    "ক" * (MEGABYTE // 3),
    "\x00" * 10_000,
]


def _relative_dates():
    """Dates around today, which reach the checks behind the format."""
    return st.integers(-800, 800).map(lambda n: (timezone.localdate() + timedelta(n)).isoformat())


GENERATED = st.one_of(
    st.text(max_size=40),
    st.text(alphabet=st.characters(codec="utf-8"), max_size=200),
    st.integers().map(str),
    st.decimals(allow_nan=True, allow_infinity=True).map(str),
    st.floats().map(str),
    st.dates().map(lambda d: d.isoformat()),
    st.datetimes().map(lambda d: d.isoformat()),
    _relative_dates(),
)

UPLOADS = st.one_of(
    st.binary(max_size=64).map(lambda b: SimpleUploadedFile("x.jpg", b, "image/jpeg")),
    st.just(b"GIF89a" + b"\x00" * 100).map(lambda b: SimpleUploadedFile("a.png", b, "image/png")),
    st.just(b"").map(lambda b: SimpleUploadedFile("empty.jpg", b, "image/jpeg")),
    st.just(b"<svg onload=alert(1)>").map(
        lambda b: SimpleUploadedFile("<img src=x onerror=alert(1)>.svg", b, "image/svg+xml")
    ),
)
MISSING = object()


def values_for(valid):
    """One field's value: valid, nasty or generated; sometimes missing, repeated or a
    file instead of text. Valid values are frequent so that the other fields get past
    the first check."""
    good = st.builds(valid) if callable(valid) else st.just(valid)
    one = st.one_of(good, st.sampled_from(NASTY), GENERATED, good)
    return st.one_of(
        one,
        one,
        one,
        st.just(MISSING),
        st.lists(one, min_size=2, max_size=3),
        UPLOADS,
    )


def valid_values(world):
    """A valid value for every field name and query parameter of ENDPOINTS, taken one
    field at a time (a whole valid submission may still be refused, e.g. a taken email)."""
    today = timezone.localdate()
    week = {f"day_{day}": "09:00-12:00,14:00-17:00" for day in range(7)}
    return {
        # accounts
        "full_name": "Rahima Khatun",
        "mobile": "01812345678",
        "division": str(world.division.pk),
        "district": str(world.district.pk),
        "thana": str(world.thana.pk),
        "photo": lambda: SimpleUploadedFile("me.png", image_bytes("PNG", (40, 40)), "image/png"),
        "email": "new.person@example.com",
        "password1": "Str0ng#Pass2026",
        "password2": "Str0ng#Pass2026",
        "date_of_birth": "1990-05-17",
        "notify_by": "both",
        "gender": "female",
        "blood_group": "O+",
        "licence_number": "A-77777",
        "specialization": str(world.specialization.pk),
        "qualifications": "MBBS",
        "experience_years": "12",
        "consultation_fee": "700",
        "chamber_name": "Popular Diagnostic Centre",
        "chamber_address": "House 16, Road 2, Dhanmondi",
        "bio": "Physician",
        "chamber_hours": "09:00-12:00,14:00-17:00",
        "current_password": DEFAULT_PASSWORD,
        "username": world.patient.email,
        "password": DEFAULT_PASSWORD,
        "old_password": DEFAULT_PASSWORD,
        "new_password1": "Str0ng#Pass2026",
        "new_password2": "Str0ng#Pass2026",
        "next": "/appointments/",
        "language": "bn",
        "code": "123456",
        "action": "send",
        "tran_id": "APN0123456789ABCDEF",
        "val_id": "2611301234567abcdef",
        "amount": "300.00",
        # scheduling
        "slot_minutes": "30",
        "booking_window_days": "30",
        "min_notice_minutes": "60",
        "cancellation_cutoff_minutes": "120",
        "auto_confirm": "on",
        "quick_hours": "10:00-13:00",
        "name": "Labaid Evening Chamber",
        "address": "Road 4, Dhanmondi",
        "phone": "01712345678",
        "map_url": "https://maps.example.com/labaid",
        # "fee" (a chamber's fee) is the admin form's below.
        "quick_days": "5",
        **week,
        "start_date": (today + timedelta(days=40)).isoformat(),
        "end_date": (today + timedelta(days=41)).isoformat(),
        "reason": "Family wedding",
        "symptoms": "Fever for three days",
        "notes": "First visit",
        "diagnosis": "Viral fever",
        "prescription": "Paracetamol 500 mg",
        "advice": "Rest",
        "follow_up_date": (today + timedelta(days=7)).isoformat(),
        "to": "confirmed",
        "account": "new",
        "start": world.free_start,
        "message": "The chamber is closed; please book another day.",
        "q": "Karim",
        "page": "2",
        "sort": "fee",
        "max_fee": "1000",
        "online": "1",
        "is_online": "on",
        "date": (today + timedelta(days=3)).isoformat(),
        "view": "week",
        # the day's queue
        "chamber": str(world.doctor.chambers.get(is_online=False).pk),
        "step": "arrived",
        "minutes": "20",
        # reports
        "range": "this_month",
        "format": "csv",
        # locations
        "blank": "choose",
        "search-division": str(world.division.pk),
        "search-district": str(world.district.pk),
        # the admin's appointment form (the booking is read-only; "to" and "reason" are
        # above)
        "doctor": str(world.doctor.pk),
        "patient": str(world.other_patient.pk),
        "start_0": (today + timedelta(days=5)).isoformat(),
        "start_1": "10:00:00",
        "end_0": (today + timedelta(days=5)).isoformat(),
        "end_1": "11:00:00",
        "serial": "1",
        "status": "confirmed",
        "fee": "500",
        "reminder_sent_at_0": "",
        "reminder_sent_at_1": "",
        "_save": "Save",
        "_continue": "Save and continue editing",
        "_popup": "1",
        "_to_field": "id",
        **{
            f"events-{name}": value
            for name, value in (
                ("TOTAL_FORMS", "0"),
                ("INITIAL_FORMS", "0"),
                ("MIN_NUM_FORMS", "0"),
                ("MAX_NUM_FORMS", "1000"),
            )
        },
        # mass assignment: never honoured
        "role": "admin",
        "is_staff": "on",
        "is_superuser": "on",
        "verified_at": "2026-01-01",
    }


MASS_ASSIGNMENT = ("role", "is_staff", "is_superuser", "verified_at")
HTMX_TARGETS = ["id_district", "search-district", '"><script>x</script>', "", "a" * 300]


def form_fields(form_class, prefix=None, **kwargs):
    """The posted names of every field of a form, with its prefix."""
    form = form_class(prefix=prefix, **kwargs)
    return tuple(form.add_prefix(name) for name in form.fields)


@dataclass(frozen=True)
class Endpoint:
    """A page and its inputs. `url` gets the world; `prime` paths are fetched first in
    the same session (a password-reset link)."""

    name: str
    url: object
    get: tuple = ()
    post: tuple | None = None
    prime: tuple = field(default=())


PROFILE_FORM = tuple(
    dict.fromkeys(form_fields(PatientProfileForm) + form_fields(DoctorProfileForm))
)
REPORT_PARAMS = ("range", "start_date", "end_date", "format", "page")
# ChamberForm's fields (it needs a doctor to be built).
CHAMBER_FORM = (
    *("name", "is_online", "address", "division", "district", "thana", "phone", "map_url"),
    "fee",
    *("quick_hours", "quick_days", *(f"day_{day}" for day in range(7))),
)


def _email_change_confirm(world):
    token = services.email_change_token(user=world.patient, email="moved@example.com")
    return f"/accounts/profile/email/confirm/{token}/"


# The admin's appointment form: every field of the model as the add form would post it,
# the inline history's management form and the admin's own parameters.
ADMIN_PARAMS = ("_popup", "_to_field")
APPOINTMENT_ADMIN_FORM = (
    "doctor",
    "patient",
    "start_0",
    "start_1",
    "end_0",
    "end_1",
    "serial",
    "status",
    "fee",
    "symptoms",
    "notes",
    "reminder_sent_at_0",
    "reminder_sent_at_1",
    "events-TOTAL_FORMS",
    "events-INITIAL_FORMS",
    "events-MIN_NUM_FORMS",
    "events-MAX_NUM_FORMS",
    "_save",
    "_continue",
    *ADMIN_PARAMS,
)


def _chamber(world):
    return world.doctor.chambers.get(is_online=False).pk


def _reset_confirm(world):
    return f"/accounts/password/reset/{world.reset_uid}/{world.reset_token}/"


ENDPOINTS = [
    Endpoint("home", lambda w: "/", get=("q",)),
    Endpoint("healthz", lambda w: "/healthz"),
    Endpoint("language", lambda w: "/language/bn/", get=("next",)),
    Endpoint(
        "accounts:login",
        lambda w: "/accounts/login/",
        get=("next",),
        post=("username", "password", "next"),
    ),
    Endpoint("accounts:logout", lambda w: "/accounts/logout/", post=("next",)),
    Endpoint(
        "accounts:register_patient",
        lambda w: "/accounts/register/patient/",
        post=form_fields(PatientRegistrationForm) + MASS_ASSIGNMENT,
    ),
    Endpoint(
        "accounts:profile", lambda w: "/accounts/profile/", post=PROFILE_FORM + MASS_ASSIGNMENT
    ),
    Endpoint(
        "accounts:change_email",
        lambda w: "/accounts/profile/email/",
        post=form_fields(EmailChangeForm, user=User(email="x@example.com")),
    ),
    Endpoint("accounts:change_email_confirm", _email_change_confirm, post=()),
    Endpoint("accounts:calendar_feed", lambda w: "/accounts/profile/calendar/", post=()),
    Endpoint(
        "accounts:verify_mobile",
        lambda w: "/accounts/profile/mobile/",
        get=("next",),
        post=("code", "action", "next"),
    ),
    Endpoint("accounts:dashboard", lambda w: "/accounts/dashboard/"),
    Endpoint(
        "accounts:password_change",
        lambda w: "/accounts/password/change/",
        post=("old_password", "new_password1", "new_password2"),
    ),
    Endpoint("accounts:password_change_done", lambda w: "/accounts/password/change/done/"),
    Endpoint("accounts:password_reset", lambda w: "/accounts/password/reset/", post=("email",)),
    Endpoint("accounts:password_reset_done", lambda w: "/accounts/password/reset/sent/"),
    Endpoint(
        "accounts:password_reset_confirm",
        lambda w: f"/accounts/password/reset/{w.reset_uid}/set-password/",
        post=("new_password1", "new_password2"),
        prime=(_reset_confirm,),
    ),
    Endpoint("accounts:password_reset_complete", lambda w: "/accounts/password/reset/complete/"),
    Endpoint(
        "scheduling:register_doctor",
        lambda w: "/accounts/register/doctor/",
        post=form_fields(DoctorRegistrationForm) + MASS_ASSIGNMENT,
    ),
    Endpoint(
        "scheduling:directory",
        lambda w: "/doctors/",
        get=(
            "q",
            "specialization",
            "division",
            "district",
            "thana",
            "date",
            "max_fee",
            "online",
            "sort",
            "page",
        ),
    ),
    Endpoint("scheduling:doctor", lambda w: f"/doctors/{w.doctor.pk}/", get=("date",)),
    Endpoint("scheduling:slots", lambda w: f"/doctors/{w.doctor.pk}/slots/", get=("date",)),
    Endpoint(
        "scheduling:book",
        lambda w: f"/appointments/book/{w.doctor.pk}/",
        get=("start",),
        # A visitor registers (QuickRegistrationForm) or logs in on the same page.
        post=(
            "start",
            *form_fields(BookingForm),
            *form_fields(BookingAccountForm),
            *form_fields(QuickRegistrationForm),
            "username",
            "password",
        ),
    ),
    Endpoint("scheduling:appointments", lambda w: "/appointments/", get=("q", "page")),
    Endpoint("scheduling:appointment", lambda w: f"/appointments/{w.pending.pk}/"),
    Endpoint(
        "scheduling:cancel",
        lambda w: f"/appointments/{w.pending.pk}/cancel/",
        post=form_fields(CancelForm),
    ),
    Endpoint(
        "scheduling:reschedule",
        lambda w: f"/appointments/{w.pending.pk}/reschedule/",
        get=("date",),
        post=("start",),
    ),
    Endpoint("scheduling:ics", lambda w: f"/appointments/{w.pending.pk}/ics/"),
    Endpoint("scheduling:short_link", lambda w: f"/a/{w.pending.pk}/"),
    # Advances paid online (issue #21): "Pay now", the gateway's posts, the demo page.
    Endpoint("scheduling:pay", lambda w: f"/appointments/{w.pending.pk}/pay/", post=()),
    Endpoint(
        "scheduling:payment_return",
        lambda w: "/payments/return/success/",
        post=("tran_id", "val_id", "status", "amount"),
    ),
    Endpoint(
        "scheduling:payment_ipn",
        lambda w: "/payments/ipn/",
        post=("tran_id", "val_id", "status", "amount"),
    ),
    Endpoint("scheduling:demo_checkout", lambda w: "/payments/demo/not-a-token/"),
    Endpoint("messaging:notifications", lambda w: "/notifications/", get=("page",)),
    Endpoint("messaging:notification_bell", lambda w: "/notifications/bell/"),
    Endpoint("scheduling:my_data", lambda w: "/accounts/profile/data/"),
    # The patient's feed, fetched without logging in (by every role alike).
    Endpoint("scheduling:calendar_feed", lambda w: f"/calendar/{w.calendar_feed.secret}.ics"),
    Endpoint(
        "scheduling:status",
        lambda w: f"/appointments/{w.pending.pk}/status/",
        post=("to", *form_fields(DeclineForm, prefix="decline")),
    ),
    Endpoint("scheduling:appointment_queue", lambda w: f"/appointments/{w.today.pk}/queue/"),
    Endpoint("scheduling:portal", lambda w: "/portal/"),
    Endpoint("scheduling:queue", lambda w: "/portal/queue/", get=("chamber",)),
    Endpoint("scheduling:queue_list", lambda w: f"/portal/queue/{_chamber(w)}/list/"),
    Endpoint(
        "scheduling:queue_call_next", lambda w: f"/portal/queue/{_chamber(w)}/call-next/", post=()
    ),
    Endpoint(
        "scheduling:queue_walk_in",
        lambda w: f"/portal/queue/{_chamber(w)}/walk-in/",
        post=form_fields(WalkInForm),
    ),
    Endpoint(
        "scheduling:queue_late",
        lambda w: f"/portal/queue/{_chamber(w)}/late/",
        post=form_fields(LateNoticeForm),
    ),
    Endpoint(
        "scheduling:queue_step",
        lambda w: f"/portal/queue/appointments/{w.today.pk}/",
        post=form_fields(QueueStepForm),
    ),
    Endpoint("scheduling:queue_screen", lambda w: f"/queue/{_chamber(w)}/screen/"),
    Endpoint("scheduling:queue_screen_live", lambda w: f"/queue/{_chamber(w)}/screen/live/"),
    Endpoint("scheduling:agenda", lambda w: "/portal/agenda/", get=("date", "view")),
    Endpoint("scheduling:portal_appointment", lambda w: f"/portal/appointments/{w.completed.pk}/"),
    Endpoint(
        "scheduling:visit_notes",
        lambda w: f"/portal/appointments/{w.completed.pk}/notes/",
        post=form_fields(VisitNotesForm, prefix="notes"),
    ),
    Endpoint("scheduling:schedule", lambda w: "/portal/schedule/", post=form_fields(ScheduleForm)),
    Endpoint("scheduling:chamber_list", lambda w: "/portal/chambers/"),
    Endpoint("scheduling:chamber_new", lambda w: "/portal/chambers/new/", post=CHAMBER_FORM),
    Endpoint(
        "scheduling:chamber_edit",
        lambda w: f"/portal/chambers/{w.doctor.chambers.first().pk}/",
        post=CHAMBER_FORM,
    ),
    Endpoint(
        "scheduling:chamber_delete",
        lambda w: f"/portal/chambers/{w.doctor.chambers.first().pk}/delete/",
        post=(),
    ),
    Endpoint("scheduling:time_off", lambda w: "/portal/time-off/", post=form_fields(TimeOffForm)),
    Endpoint(
        "scheduling:time_off_detail",
        lambda w: f"/portal/time-off/{w.time_off.pk}/",
        post=("message",),
    ),
    Endpoint(
        "scheduling:time_off_delete",
        lambda w: f"/portal/time-off/{w.time_off.pk}/delete/",
        post=(),
    ),
    Endpoint(
        "reports:overview",
        lambda w: "/reports/",
        get=("range", "start_date", "end_date"),
    ),
    Endpoint(
        "reports:payments",
        lambda w: "/reports/payments/",
        get=("range", "start_date", "end_date", "format"),
    ),
    Endpoint("reports:doctor", lambda w: f"/reports/doctor/{w.doctor.pk}/", get=REPORT_PARAMS),
    Endpoint("reports:my_report", lambda w: "/portal/report/", get=REPORT_PARAMS),
    Endpoint(
        "locations:districts",
        lambda w: "/locations/districts/",
        get=("division", "search-division", "blank"),
    ),
    Endpoint(
        "locations:thanas",
        lambda w: "/locations/thanas/",
        get=("district", "search-district", "blank"),
    ),
    Endpoint(
        "admin:scheduling_appointment_add",
        lambda w: "/admin/scheduling/appointment/add/",
        get=ADMIN_PARAMS,
        post=APPOINTMENT_ADMIN_FORM,
    ),
    Endpoint(
        "admin:scheduling_appointment_change",
        lambda w: f"/admin/scheduling/appointment/{w.pending.pk}/change/",
        get=ADMIN_PARAMS,
        post=("to", "reason", *APPOINTMENT_ADMIN_FORM),
    ),
    Endpoint(
        "admin:login",
        lambda w: "/admin/login/",
        get=("next",),
        post=("username", "password", "next"),
    ),
]


def _unprefixed(name):
    return name.split("-", 1)[1] if name.startswith(("notes-", "decline-")) else name


@st.composite
def requests(draw, endpoint, valid):
    methods = ["GET"] + (["POST"] if endpoint.post is not None else [])
    method = draw(st.sampled_from(methods))
    names = endpoint.get if method == "GET" else endpoint.post
    data = {}
    for name in names:
        value = draw(values_for(valid[_unprefixed(name)]))
        if value is MISSING:
            continue
        if method == "GET":
            # A query string carries text only.
            values = value if isinstance(value, list) else [value]
            value = [v if isinstance(v, str) else "file.jpg" for v in values]
        data[name] = value
    headers = {}
    if draw(st.booleans()):
        headers["HX-Request"] = "true"
        headers["HX-Target"] = draw(st.sampled_from(HTMX_TARGETS))
    headers["Accept-Language"] = draw(st.sampled_from(["en", "bn", "bn-BD,bn;q=0.9", "xx;q=x"]))
    return method, data, headers


def snapshot():
    """A digest of every row of every model (but those that MAY_CHANGE_ON_REFUSAL), per
    model."""
    digests = {}
    for model in apps.get_models(include_auto_created=True):
        label = model._meta.label_lower
        if label in MAY_CHANGE_ON_REFUSAL:
            continue
        columns = [
            f.attname
            for f in model._meta.concrete_fields
            if f.attname not in MAY_CHANGE_COLUMNS.get(label, ())
        ]
        rows = model._base_manager.order_by("pk").values_list(*columns)
        digests[label] = sha256(repr(list(rows)).encode()).hexdigest()
    return digests


def powers():
    return sorted(User.objects.values_list("pk", "role", "is_staff", "is_superuser"))


def refused(response):
    """A response that is not a redirect, or a redirect with an error message. The
    admin answers a form saved in a popup window with a page that closes it, not a
    redirect."""
    if "popup_response_data" in (getattr(response, "context_data", None) or {}):
        return False
    if response.status_code not in (301, 302, 303, 307, 308):
        return True
    return any(message.level >= ERROR for message in get_messages(response.wsgi_request))


def check_response(response, *, before, powers_before, stored_users):
    assert response.status_code < 500, response.status_code
    if refused(response):
        after = snapshot()
        changed = [label for label in before if before[label] != after.get(label)]
        assert not changed, f"a refused request ({response.status_code}) wrote to {changed}"
    now = powers()
    assert [p for p in now if p[0] in stored_users] == powers_before, "a user's powers changed"
    assert all(
        role != "admin" and not staff for pk, role, staff, _su in now if pk not in stored_users
    )
    if response.status_code in (301, 302, 303, 307, 308):
        # A path on this site, absolute or relative (Django's url_has_allowed_host_and_scheme
        # refuses any URL over 2,048 characters, such as the login page with a long `next`).
        location = response["Location"]
        parts = urlsplit(location)
        assert not parts.scheme and not parts.netloc, location
        assert not location.startswith(("//", "/\\", "\\")), location
    content_type = response.get("Content-Type", "")
    if content_type.startswith("text/html") and not response.streaming:
        body = response.content.decode("utf-8", errors="replace")
        for payload in XSS:
            assert payload not in body, f"unescaped markup {payload!r}"


@pytest.fixture
def world(db):
    return build_world()


@pytest.fixture(scope="module", autouse=True)
def _tally():
    """Print how many requests were sent, by status (shown with -s, as `make fuzz` does)."""
    yield
    print(f"\nbad input: {STATUSES.total()} requests, by status {dict(sorted(STATUSES.items()))}")


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("endpoint", ENDPOINTS, ids=[e.name for e in ENDPOINTS])
def test_bad_input_never_breaks_a_page(endpoint, role, world, django_capture_on_commit_callbacks):
    valid = valid_values(world)
    user = world.user(role)
    url = endpoint.url(world)
    powers_before = powers()
    stored_users = {p[0] for p in powers_before}

    @settings(
        max_examples=FUZZ_EXAMPLES,
        deadline=None,
        suppress_health_check=list(HealthCheck),
        print_blob=True,
    )
    @given(request=requests(endpoint, valid))
    def fuzz(request):
        method, data, headers = request
        with transaction.atomic():
            client = Client()
            if user is not None:
                client.force_login(user)
            for prime in endpoint.prime:
                client.get(prime(world))
            before = snapshot()
            with django_capture_on_commit_callbacks(execute=True):
                if method == "GET":
                    response = client.get(url, data, headers=headers)
                else:
                    response = client.post(url, data, headers=headers)
            STATUSES[response.status_code] += 1
            check_response(
                response, before=before, powers_before=powers_before, stored_users=stored_users
            )
            transaction.set_rollback(True)

    fuzz()


# The catalogue is complete: every page of the project and every parameter the views read.


def _url_patterns(resolver=None, namespace="", prefix=""):
    """(name, route) of every named URL pattern."""
    for pattern in (resolver or get_resolver()).url_patterns:
        if isinstance(pattern, URLResolver):
            inner = f"{namespace}{pattern.namespace}:" if pattern.namespace else namespace
            yield from _url_patterns(pattern, inner, prefix + str(pattern.pattern))
        elif isinstance(pattern, URLPattern) and pattern.name:
            yield f"{namespace}{pattern.name}", prefix + str(pattern.pattern)


def _url_names():
    return (name for name, _route in _url_patterns())


# The API's own pages: its OpenAPI document, the docs page showing it, and its root.
API_DOCUMENTATION = {"api:openapi-json", "api:openapi-view", "api:api-root"}


def test_every_page_is_fuzzed():
    """Admin pages are out of scope, but its login and the appointment's add and change
    forms; the media route exists only with DEBUG. The REST API (`api:`) answers JSON and
    is fuzzed by Schemathesis against its OpenAPI document (test_api_schema.py), which
    sends requests to every operation of that document: so every `api:` URL must be an
    operation in it, at its path and under its name (django-ninja names a URL after the
    operation's function, which ends the operationId)."""
    pages = {name for name in _url_names() if not name.startswith(("admin:", "api:"))}
    pages.add("admin:login")
    assert pages - {e.name for e in ENDPOINTS} == set()

    operations = {
        (path, operation["operationId"])
        for path, methods in api_schema.raw_schema["paths"].items()
        for operation in methods.values()
    }
    undocumented = {
        name
        for name, route in _url_patterns()
        if name.startswith("api:") and name not in API_DOCUMENTATION
        if not any(
            path == "/" + re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", route)
            and operation_id.endswith("_" + name.removeprefix("api:"))
            for path, operation_id in operations
        )
    }
    assert undocumented == set()


PARAMETER = re.compile(r"""(?:GET|POST|params)\.get\(\s*["']([\w-]+)["']""")


def test_every_parameter_the_views_read_is_fuzzed():
    read = set()
    for app in ("appion", "accounts", "scheduling", "reports", "locations"):
        for path in (BASE_DIR / app).rglob("*.py"):
            if not {"tests", "migrations"} & set(path.relative_to(BASE_DIR).parts):
                read |= set(PARAMETER.findall(path.read_text()))
    fuzzed = {_unprefixed(name) for e in ENDPOINTS for name in (*e.get, *(e.post or ()))}
    assert read - fuzzed == set()


def test_every_fuzzed_field_has_a_valid_value(world):
    valid = valid_values(world)
    fuzzed = {_unprefixed(name) for e in ENDPOINTS for name in (*e.get, *(e.post or ()))}
    assert fuzzed - set(valid) == set()
