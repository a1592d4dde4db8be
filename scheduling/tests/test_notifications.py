"""What an appointment's parties are told, by SMS and in the app: every kind of message,
in English and in Bengali, with names as long as the forms allow, fits in two SMS parts
and carries the serial, the time, the chamber and a link, and never symptoms, notes or
reasons."""

from datetime import datetime, time, timedelta
from io import StringIO

import pytest
import time_machine
from django.core.management import call_command
from django.utils import timezone, translation

from accounts.tests.factories import DoctorProfileFactory, PatientFactory
from appion.l10n import local_digits
from appion.messaging import sms
from appion.messaging.models import Notification, OutboxMessage
from scheduling import notifications, services
from scheduling.models import Appointment
from scheduling.tests.factories import open_every_day

pytestmark = pytest.mark.django_db

TZ = timezone.get_default_timezone()
NOW = datetime(2026, 6, 17, 8, 0, tzinfo=TZ)  # a Wednesday
# A long site address (the worst case) and a usual one.
SITE = "https://appointments.example.com.bd"
USUAL_SITE = "https://appion.com.bd"
SECRET = "Chest pain for three days"
NOTE = "Diabetic, on insulin"
REASON = "Your ECG report suggests cardiology"

# As long as the forms allow (full name and chamber name: 150 characters).
LONG = {
    "en": {
        "doctor": ("Dr. Mohammad Abdullah Al Mamun Chowdhury " * 4)[:150],
        "patient": ("Mst. Rahima Khatun Begum Chowdhury " * 5)[:150],
        "chamber": ("Popular Diagnostic Centre Dhanmondi Branch " * 4)[:150],
    },
    "bn": {
        "doctor": ("ডা. মোহাম্মদ আব্দুল্লাহ আল মামুন চৌধুরী " * 5)[:150],
        "patient": ("মোসাম্মৎ রহিমা খাতুন বেগম চৌধুরী " * 5)[:150],
        "chamber": ("পপুলার ডায়াগনস্টিক সেন্টার ধানমন্ডি শাখা " * 5)[:150],
    },
}


@pytest.fixture(autouse=True)
def _at_now(settings):
    settings.APPION_SITE_URL = SITE
    with time_machine.travel(NOW, tick=False):
        yield


def world(language, names):
    """A doctor and a patient who both want SMS, on verified numbers."""
    verified = {"notify_by": "sms", "mobile_verified_at": NOW, "preferred_language": language}
    doctor = open_every_day(
        DoctorProfileFactory(
            user__full_name=names["doctor"],
            user__mobile="+8801911000001",
            **{f"user__{field}": value for field, value in verified.items()},
            chamber_name=names["chamber"],
        ),
        min_notice_minutes=0,
    )
    patient = PatientFactory(full_name=names["patient"], mobile="+8801711000001", **verified)
    return doctor, patient


def at(hour, minute=0, days=1):
    return datetime.combine(NOW.date() + timedelta(days=days), time(hour, minute), tzinfo=TZ)


def book(doctor, patient, hour=10):
    return services.book_appointment(
        patient=patient, doctor=doctor, start=at(hour), symptoms=SECRET, notes=NOTE
    )


def every_kind(doctor, patient):
    """Make every kind of message happen; returns the appointments involved."""
    first = book(doctor, patient)  # booked (pending): patient and doctor
    services.change_status(appointment=first, to="confirmed", by=doctor.user)
    moved = services.reschedule_appointment(appointment=first, start=at(15), by=patient)
    services.change_status(appointment=moved, to="confirmed", by=doctor.user)
    services.cancel_appointment(appointment=moved, by=patient, reason=REASON)
    declined = book(doctor, patient, hour=11)
    services.cancel_appointment(appointment=declined, by=doctor.user, reason=REASON)
    doctor.schedule_settings.auto_confirm = True
    doctor.schedule_settings.save()
    reminded = book(doctor, patient, hour=9)  # booked and confirmed at once
    with time_machine.travel(at(8, days=1) - timedelta(hours=20), tick=False):
        call_command("send_reminders", stdout=StringIO())
    notifications.serial_near(reminded, now_serving=reminded.serial + 7)
    return [first, moved, declined, reminded]


KINDS = {
    ("booked", "patient"): 3,  # pending, pending (the second), confirmed at once
    ("booked", "doctor"): 3,
    ("confirmed", "patient"): 2,
    ("rescheduled", "patient"): 1,
    ("rescheduled", "doctor"): 1,
    ("cancelled", "doctor"): 1,
    ("cancelled", "patient"): 1,
    ("reminder", "patient"): 1,
    ("serial_near", "patient"): 1,
}


@pytest.mark.parametrize("language", ["en", "bn"])
@pytest.mark.parametrize("names", ["long", "short"])
def test_every_sms_fits_two_parts_and_carries_no_medical_detail(settings, language, names):
    site = SITE if names == "long" else USUAL_SITE
    settings.APPION_SITE_URL = site
    names = LONG[language] if names == "long" else {k: v[:12] for k, v in LONG[language].items()}
    doctor, patient = world(language, names)
    appointments = every_kind(doctor, patient)

    messages = OutboxMessage.objects.filter(channel="sms").order_by("pk")
    roles = {patient.mobile: "patient", doctor.user.mobile: "doctor"}
    seen = {}
    for message in messages:
        key = (message.kind, roles[message.address])
        seen[key] = seen.get(key, 0) + 1
    assert seen == KINDS
    assert not OutboxMessage.objects.filter(channel="email").exists()

    serials = {local_digits(a.serial, language) for a in appointments}
    for message in messages:
        text = message.text
        assert sms.parts(text) <= sms.MAX_PARTS, (message.kind, sms.encoding(text), text)
        assert message.parts == sms.parts(text)
        assert message.language == language
        assert text.startswith("Appion: ")
        assert f" {site}/a/" in text
        assert any(serial in text for serial in serials), text
        for private in (SECRET, NOTE, REASON, "ECG", "insulin", "Chest"):
            assert private not in text
        if language == "bn":
            assert sms.encoding(text).name == "ucs2"
            assert not any(digit in text.split(site)[0] for digit in "0123456789"), text
        elif message.kind != "serial_near":
            assert "Thu 18 Jun" in text
    if names is LONG[language]:
        assert any("..." in m.text for m in messages)  # the names were shortened to fit
    else:
        assert all(names["chamber"] in m.text for m in messages)


def test_the_in_app_lines_keep_the_whole_names_and_link_to_the_appointment():
    doctor, patient = world("en", LONG["en"])
    appointment = book(doctor, patient)

    line = Notification.objects.get(recipient=patient)
    assert LONG["en"]["doctor"] in line.text
    assert LONG["en"]["chamber"] in line.text
    assert line.link == f"/appointments/{appointment.pk}/"
    assert SECRET not in Notification.objects.get(recipient=doctor.user).text


def test_an_english_sms_is_gsm7_with_the_time_as_the_pages_say_it():
    doctor, patient = world(
        "en", {"doctor": "Dr. Nasrin Akter", "patient": "Rahim", "chamber": "Labaid"}
    )
    appointment = book(doctor, patient)

    text = OutboxMessage.objects.get(channel="sms", address=patient.mobile).text
    assert text == (
        f"Appion: Booked with Dr. Nasrin Akter, Thu 18 Jun 10:00, serial {appointment.serial}, "
        f"Labaid. Awaiting confirmation. {SITE}/a/{appointment.pk}/"
    )
    assert sms.encoding(text).name == "gsm7"
    assert sms.parts(text) == 1


def test_a_bengali_sms_says_the_time_as_people_do(settings):
    settings.APPION_SITE_URL = USUAL_SITE
    doctor, patient = world("bn", {"doctor": "ডা. নাসরিন", "patient": "রহিম", "chamber": "ল্যাবএইড"})
    book(doctor, patient)

    text = OutboxMessage.objects.get(channel="sms", address=patient.mobile).text
    with translation.override("bn"):
        assert "সকাল ১০:০০" in text
    assert "ডা. নাসরিন" in text and "ল্যাবএইড" in text


def test_the_short_link_leads_to_the_appointment_page(client):
    doctor, patient = world("en", {"doctor": "Dr. A", "patient": "B", "chamber": "C"})
    appointment = book(doctor, patient)
    response = client.get(f"/a/{appointment.pk}/")
    assert (response.status_code, response.url) == (302, f"/appointments/{appointment.pk}/")
    client.force_login(PatientFactory())
    assert client.get(f"/a/{appointment.pk}/", follow=True).status_code == 404


def test_serial_near_is_not_sent_after_the_visit():
    doctor, patient = world("en", {"doctor": "Dr. A", "patient": "B", "chamber": "C"})
    appointment = book(doctor, patient)
    notifications.serial_near(appointment, now_serving=1)

    message = OutboxMessage.objects.get(kind="serial_near")
    assert message.expires_at == appointment.end
    assert "now serving 1" in message.text
    assert Appointment.objects.count() == 1
