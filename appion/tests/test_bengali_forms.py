"""Bengali pages speak Bengali in their forms.

Every form of the app is opened in Bengali (through the language switch, as a visitor
does) and sent back with errors: empty, malformed, too long, out of range, weak or
mismatched passwords. In the form area of each page (the <form> elements, the alerts
and the messages) no run of three or more English words may remain: Django's own
labels, help texts and validation messages included, which our catalogue translates
where Django's Bengali catalogue lacks them (appion/django_strings.py).

The data the forms show is Bengali too, so that only the interface can fail the test."""

import ast
import re
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from html.parser import HTMLParser
from pathlib import Path
from zoneinfo import ZoneInfo

import django
import pytest
import time_machine
from django.contrib.auth.tokens import default_token_generator
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import translation
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from django.utils.translation import gettext, ngettext

from accounts.tests.factories import (
    DEFAULT_PASSWORD,
    DoctorProfileFactory,
    PatientFactory,
    SpecializationFactory,
    StaffFactory,
)
from accounts.tests.images import image_bytes
from appion import django_strings
from locations.tests.factories import ThanaFactory
from scheduling.models import Appointment
from scheduling.tests.factories import AppointmentFactory, TimeOffFactory, open_every_day

DHAKA = ZoneInfo("Asia/Dhaka")
# A Tuesday morning; every date below is counted from it.
NOW = datetime(2026, 3, 10, 10, 0, tzinfo=DHAKA)
TODAY = NOW.date()

ENGLISH_RUN = re.compile(r"[A-Za-z][A-Za-z’']*(?: [A-Za-z][A-Za-z’']*){2,}")
# Addresses are data, not sentences: they are taken out before the words are looked for.
ADDRESSES = re.compile(r"(?:https?://|www\.)\S+|\S+@\S+")
# Attributes a person reads or hears (a screen reader says the label, a browser shows the
# placeholder, tooltip and confirmation); names, ids, values and URLs are not read.
READ_ATTRIBUTES = {"placeholder", "title", "aria-label", "data-confirm", "alt"}
# Words that stay in Latin letters in Bengali too: the brand. (Abbreviations such as
# BMDC, MBBS or JPEG stand alone or between commas, never three in a row.)
ALLOWED = {"Appion"}
# Where the form area starts: forms, alerts (the page's notes and the forms' error
# summaries) and the messages that a form's refusal leaves after a redirect.
AREA_CLASSES = {"alert", "messages", "invalid-feedback"}
VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source"}


class FormArea(HTMLParser):
    """Collects the text a person reads in the form area of a page."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.stack = []  # (tag, opens an area, is skipped)
        self.texts = []

    def _inside(self):
        return any(area for _tag, area, _skip in self.stack)

    def _skipped(self):
        return any(skip for _tag, _area, skip in self.stack)

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        classes = set((attrs.get("class") or "").split())
        area = tag == "form" or bool(classes & AREA_CLASSES)
        skip = tag in {"script", "style", "template"} or "hidden" in attrs
        if (area or self._inside()) and not (skip or self._skipped()):
            self.texts += [attrs[name] for name in READ_ATTRIBUTES if attrs.get(name)]
        if tag not in VOID:
            self.stack.append((tag, area, skip))

    def handle_startendtag(self, tag, attrs):
        self.handle_starttag(tag, attrs)
        if tag not in VOID:
            self.stack.pop()

    def handle_endtag(self, tag):
        for depth in range(len(self.stack) - 1, -1, -1):
            if self.stack[depth][0] == tag:
                del self.stack[depth:]
                return

    def handle_data(self, data):
        if self._inside() and not self._skipped():
            self.texts.append(data)


def english_in_form_area(html):
    """The runs of three or more English words in the form area of a page."""
    parser = FormArea()
    parser.feed(html)
    found = []
    for text in parser.texts:
        text = ADDRESSES.sub(" ", text)
        for word in ALLOWED:
            text = re.sub(rf"\b{word}\b", " ", text)
        found += [" ".join(match.split()) for match in ENGLISH_RUN.findall(text)]
    return found


def test_the_check_finds_english_in_forms_and_alerts_only():
    html = """
    <p>Outside any form this is not looked at</p>
    <form><label>Full name please</label><input placeholder="Type your name here">
      <input type="hidden" value="a hidden value here"><script>var a = "some script text";</script>
      <span>পুরো নাম</span> <a href="https://example.com/some long path">ওয়েবসাইট</a>
      user@example.com sent by Appion</form>
    <div class="alert alert-danger">Please correct the errors</div>"""
    assert english_in_form_area(html) == [
        "Full name please",
        "Type your name here",
        "Please correct the errors",
    ]


@dataclass
class Clinic:
    patient: object
    doctor: object
    staff: object
    thana: object
    specialization: object
    pending: object
    completed: object
    time_off: object
    free_start: str


def _at(day, hour):
    return datetime.combine(day, time(hour), tzinfo=DHAKA)


@pytest.fixture
def clinic(db):
    with time_machine.travel(NOW, tick=False):
        thana = ThanaFactory(name="Dhanmondi", name_bn="ধানমন্ডি")
        specialization = SpecializationFactory(name="Medicine", name_bn="মেডিসিন")
        patient = PatientFactory(full_name="রহিমা খাতুন", thana=thana)
        doctor = open_every_day(
            DoctorProfileFactory(
                user__full_name="ডা. করিম উদ্দিন",
                specialization=specialization,
                chamber_thana=thana,
                chamber_name="পপুলার ডায়াগনস্টিক সেন্টার",
                chamber_address="বাড়ি ১৬, সড়ক ২, ধানমন্ডি",
                qualifications="MBBS",
                bio="মেডিসিন বিশেষজ্ঞ",
            ),
            min_notice_minutes=0,
        )
        # A photo, so that the profile form shows the file input's "Currently" and "Clear".
        doctor.user.photo.save("photo.png", ContentFile(image_bytes("PNG", (40, 40))))
        pending = AppointmentFactory(
            doctor=doctor, patient=patient, start=_at(TODAY + timedelta(days=3), 9)
        )
        completed = AppointmentFactory(
            doctor=doctor,
            patient=patient,
            start=_at(TODAY - timedelta(days=1), 10),
            status=Appointment.Status.COMPLETED,
        )
        time_off = TimeOffFactory(
            doctor=doctor,
            start_date=TODAY + timedelta(days=20),
            end_date=TODAY + timedelta(days=21),
            reason="পারিবারিক অনুষ্ঠান",
        )
        return Clinic(
            patient=patient,
            doctor=doctor,
            staff=StaffFactory(full_name="প্রশাসক"),
            thana=thana,
            specialization=specialization,
            pending=pending,
            completed=completed,
            time_off=time_off,
            free_start=_at(TODAY + timedelta(days=2), 14).isoformat(),
        )


def _png():
    return SimpleUploadedFile("ছবি.png", b"not a picture at all", "image/png")


WEAK = {"password1": "12345678", "password2": "12345678"}
TOO_LONG = "ক" * 2100
# What each page gets: (id, who, url from the clinic, [posted data or None for a GET]).
# The data are chosen to reach Django's messages: required, malformed, too long, out of
# range, too many digits, not a choice, not an image, and each password rule.
FORMS = [
    ("home", None, lambda c: "/", [None]),
    ("directory", None, lambda c: "/doctors/?max_fee=অনেক&date=কাল&sort=x&division=0", [None]),
    ("doctor_page", None, lambda c: f"/doctors/{c.doctor.pk}/?date=2026-13-40", [None]),
    (
        "login",
        None,
        lambda c: "/accounts/login/",
        [
            None,
            {},
            {"username": "রহিমা", "password": "x"},
            {"username": "nobody@example.com", "password": "ভুল"},
        ],
    ),
    (
        "register_patient",
        None,
        lambda c: "/accounts/register/patient/",
        [
            None,
            {},
            {
                "full_name": TOO_LONG[:151],
                "email": "রহিমা@",
                "mobile": "১২৩",
                **WEAK,
                "date_of_birth": "2030-01-01",
                "gender": "x",
                "blood_group": "x",
                "division": "0",
                "photo": _png,
            },
            {
                "email": "rahima.khatun@example.com",
                "full_name": "রহিমা",
                "password1": "rahima.khatun@example.com",
                "password2": "rahima.khatun@example.com",
            },
            {"email": "rahima@example.com", "password1": "Ab1!", "password2": "Ab1!x"},
            {"date_of_birth": "১৯৯০", "district": "999999"},
        ],
    ),
    (
        "register_doctor",
        None,
        lambda c: "/accounts/register/doctor/",
        [
            None,
            {},
            {
                "experience_years": "৭১",
                "consultation_fee": "123456.789",
                "specialization": "999",
                "licence_number": "A" * 30,
                "chamber_hours": "৯টা থেকে",
                "bio": TOO_LONG,
                **WEAK,
            },
            {"experience_years": "-1", "consultation_fee": "-5", "chamber_hours": "07:00-09:00"},
            {"experience_years": "দশ", "consultation_fee": "অনেক", "chamber_hours": "10:00-10:30"},
            {"consultation_fee": "1.234"},
        ],
    ),
    (
        "profile_patient",
        "patient",
        lambda c: "/accounts/profile/",
        [
            None,
            {},
            {"full_name": "ক", "mobile": "০১", "photo": _png, "date_of_birth": "1800-01-01"},
            {"full_name": "রহিমা\x00", "photo": _png, "photo-clear": "on"},
        ],
    ),
    (
        "profile_doctor",
        "doctor",
        lambda c: "/accounts/profile/",
        [
            None,
            {},
            {"consultation_fee": "99999999", "experience_years": "1.5", "specialization": "x"},
        ],
    ),
    (
        "email_change",
        "patient",
        lambda c: "/accounts/profile/email/",
        [
            None,
            {},
            {"email": "নতুন", "current_password": "ভুল"},
        ],
    ),
    (
        "password_change",
        "patient",
        lambda c: "/accounts/password/change/",
        [
            None,
            {},
            {"old_password": "ভুল", "new_password1": "123", "new_password2": "456"},
            {
                "old_password": DEFAULT_PASSWORD,
                "new_password1": "password",
                "new_password2": "password",
            },
        ],
    ),
    (
        "password_reset",
        None,
        lambda c: "/accounts/password/reset/",
        [
            None,
            {},
            {"email": "রহিমা"},
        ],
    ),
    (
        "password_reset_confirm",
        None,
        lambda c: "reset",
        [
            None,
            {},
            {"new_password1": "১২৩৪৫৬৭৮৯", "new_password2": "১"},
            {"new_password1": "12345678", "new_password2": "12345678"},
        ],
    ),
    (
        "book",
        "patient",
        lambda c: f"/appointments/book/{c.doctor.pk}/?start={c.free_start}",
        [
            None,
            {"start": "", "symptoms": TOO_LONG, "notes": TOO_LONG},
        ],
    ),
    (
        "book_not_a_slot",
        "patient",
        lambda c: f"/appointments/book/{c.doctor.pk}/?start=2026-03-12T09:17:00%2B06:00",
        [None],
    ),
    ("my_appointments", "patient", lambda c: "/appointments/?q=করিম", [None]),
    (
        "cancel",
        "patient",
        lambda c: f"/appointments/{c.pending.pk}/cancel/",
        [
            None,
            {"reason": TOO_LONG},
        ],
    ),
    (
        "reschedule",
        "patient",
        lambda c: f"/appointments/{c.pending.pk}/reschedule/",
        [
            None,
            {"start": "কাল"},
        ],
    ),
    ("appointment_doctor", "doctor", lambda c: f"/portal/appointments/{c.pending.pk}/", [None]),
    (
        "decline",
        "doctor",
        lambda c: f"/appointments/{c.pending.pk}/status/",
        [
            {"to": "declined", "decline-reason": ""},
            {"to": "আর কিছু"},
        ],
    ),
    (
        "visit_notes",
        "doctor",
        lambda c: f"/portal/appointments/{c.completed.pk}/notes/",
        [
            {"notes-diagnosis": TOO_LONG * 3, "notes-follow_up_date": "2020-01-01"},
            {"notes-follow_up_date": "কাল"},
        ],
    ),
    ("visit_notes_page", "doctor", lambda c: f"/portal/appointments/{c.completed.pk}/", [None]),
    ("portal", "doctor", lambda c: "/portal/", [None]),
    ("agenda", "doctor", lambda c: "/portal/agenda/?date=কাল", [None]),
    (
        "schedule",
        "doctor",
        lambda c: "/portal/schedule/",
        [
            None,
            {},
            {
                "slot_minutes": "৫",
                "booking_window_days": "অনেক",
                "min_notice_minutes": "-1",
                "cancellation_cutoff_minutes": "1.5",
                "day_0": "৯টা",
                "day_1": "12:00-09:00",
                "day_2": "09:00-12:00,10:00-11:00",
                "day_3": "06:00-07:00",
                "quick_hours": "10:00-12:00",
                "quick_days": ["9"],
            },
            {"slot_minutes": "500", "quick_days": ["1"], "day_4": "09:00-09:20"},
        ],
    ),
    (
        "time_off",
        "doctor",
        lambda c: "/portal/time-off/",
        [
            None,
            {},
            {"start_date": "2026-03-01", "end_date": "2026-02-01", "reason": TOO_LONG},
            {"start_date": "২০২৬", "end_date": "2026-02-30"},
            {"start_date": "2026-03-20", "end_date": "2027-06-01"},
            {"start_date": "2030-01-01", "end_date": "2030-01-02"},
        ],
    ),
    (
        "time_off_detail",
        "doctor",
        lambda c: f"/portal/time-off/{c.time_off.pk}/",
        [
            None,
            {"message": ""},
        ],
    ),
    ("my_report", "doctor", lambda c: "/portal/report/?start_date=কাল&end_date=2026-02-30", [None]),
    ("reports", "staff", lambda c: "/reports/?start_date=2026-03-09&end_date=2020-01-01", [None]),
    ("doctor_report", "staff", lambda c: f"/reports/doctor/{c.doctor.pk}/?range=x", [None]),
]


def _client_for(client, clinic, who):
    client.get("/language/bn/")  # the language switch, as on every page
    user = {"patient": clinic.patient, "doctor": clinic.doctor.user, "staff": clinic.staff}
    if who:
        client.force_login(user[who])
    return client


def _url(client, clinic, url):
    if url != "reset":
        return url
    uid = urlsafe_base64_encode(force_bytes(clinic.patient.pk))
    token = default_token_generator.make_token(clinic.patient)
    # The emailed link hides the token in the session and redirects to set-password.
    return client.get(f"/accounts/password/reset/{uid}/{token}/").url


def _data(posted):
    return {name: value() if callable(value) else value for name, value in posted.items()}


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("who", "url", "requests"), [f[1:] for f in FORMS], ids=[f[0] for f in FORMS]
)
def test_every_form_speaks_bengali_empty_and_with_errors(client, clinic, who, url, requests):
    with time_machine.travel(NOW, tick=False):
        client = _client_for(client, clinic, who)
        address = _url(client, clinic, url(clinic))
        english = {}
        for n, posted in enumerate(requests):
            if posted is None:
                response = client.get(address, follow=True)
            else:
                response = client.post(address, _data(posted), follow=True)
            assert response.status_code < 500
            page = response.content.decode()
            assert 'lang="bn"' in page
            found = english_in_form_area(page)
            if found:
                english[
                    f"request {n}: " + ("GET" if posted is None else f"POST {sorted(posted)}")
                ] = found
        assert not english, english


# Each marker and how many of its arguments are texts (the msgid and the plural).
MARKERS = {"gettext_noop": 1, "ngettext_lazy": 2}
# Where Django writes the texts of appion/django_strings.py.
DJANGO_SOURCES = (
    "core/validators.py",
    "forms/fields.py",
    "contrib/auth/forms.py",
    "contrib/auth/password_validation.py",
)


def _strings(path):
    """Every string literal of a Python file (adjacent literals joined, as Python does)."""
    tree = ast.parse(Path(path).read_text(encoding="utf-8"))
    return [
        n.value for n in ast.walk(tree) if isinstance(n, ast.Constant) and isinstance(n.value, str)
    ]


def test_the_django_texts_we_translate_are_djangos_own_msgids():
    """After a Django upgrade a changed msgid would silently lose its translation."""
    tree = ast.parse(Path(django_strings.__file__).read_text(encoding="utf-8"))
    texts = [
        [arg.value for arg in node.args[: MARKERS[node.func.id]]]
        for node in ast.walk(tree)
        if isinstance(node, ast.Call) and getattr(node.func, "id", "") in MARKERS
    ]
    folder = Path(django.__file__).parent
    djangos = {text for name in DJANGO_SOURCES for text in _strings(folder / name)}
    assert len(texts) > 15
    assert [text for forms in texts for text in forms if text not in djangos] == []
    with translation.override("bn"):
        english = [
            forms[0]
            for forms in texts
            if gettext(forms[0]) in forms
            or len(forms) == 2
            and any(ngettext(*forms, n) in forms for n in (1, 2))
        ]
    assert english == []
