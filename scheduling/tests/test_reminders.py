import threading
import time
from datetime import datetime, timedelta
from io import StringIO
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core import mail
from django.core.mail import EmailMultiAlternatives
from django.core.management import call_command
from django.db import connection, connections
from django.utils import timezone
from icalendar import Calendar

from accounts.tests.factories import DoctorProfileFactory, PatientFactory, UserFactory
from appion.messaging.models import Notification, OutboxMessage
from appion.messaging.worker import Worker
from scheduling.models import Appointment
from scheduling.tests.factories import AppointmentFactory

DHAKA = ZoneInfo("Asia/Dhaka")

# Django's own Bengali weekday names, by date.weekday().
BENGALI_WEEKDAYS = ["সোমবার", "মঙ্গলবার", "বুধবার", "বৃহস্পতিবার", "শুক্রবার", "শনিবার", "রবিবার"]


def run(*args):
    out = StringIO()
    call_command("send_reminders", *args, stdout=out, stderr=StringIO())
    return out.getvalue().strip()


def deliver():
    """The worker's run (send_notifications --once): the queued reminders go out."""
    return Worker().run_once()


def appointment_in(delta, status=Appointment.Status.CONFIRMED, **kwargs):
    start = timezone.now().replace(microsecond=0) + delta
    return AppointmentFactory(start=start, status=status, **kwargs)


@pytest.mark.django_db
def test_sends_one_reminder_with_the_calendar_file():
    doctor = DoctorProfileFactory(user=UserFactory(role="doctor", full_name="Dr. Nasrin Akter"))
    patient = PatientFactory(email="rahim@example.com")
    appointment = appointment_in(timedelta(hours=5), doctor=doctor, patient=patient, serial=4)

    assert run() == "Queued 1 reminder."
    assert mail.outbox == []  # queued in the outbox, sent by the worker
    assert Notification.objects.get(recipient=patient).kind == "reminder"
    deliver()

    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["rahim@example.com"]
    assert "Reminder" in message.subject
    assert "Dr. Nasrin Akter" in message.subject
    assert "serial 4" in message.subject
    assert "Dr. Nasrin Akter" in message.body
    html, mimetype = message.alternatives[0]
    assert mimetype == "text/html"
    assert "Dr. Nasrin Akter" in html
    [(filename, content, attachment_type)] = message.attachments
    assert filename.endswith(".ics")
    assert attachment_type == "text/calendar"
    [event] = Calendar.from_ical(content).walk("VEVENT")
    assert str(event["UID"]) == f"appointment-{appointment.pk}@appion"
    assert event.decoded("DTSTART") == appointment.start
    appointment.refresh_from_db()
    assert appointment.reminder_sent_at is not None


@pytest.mark.django_db
def test_skips_appointments_that_are_not_due():
    now = timezone.now()
    appointment_in(timedelta(hours=3), status=Appointment.Status.PENDING)
    appointment_in(timedelta(hours=3), status=Appointment.Status.CANCELLED)
    appointment_in(timedelta(hours=-1))  # already started
    appointment_in(timedelta(hours=25))  # too far ahead
    appointment_in(timedelta(hours=3), reminder_sent_at=now - timedelta(hours=1))
    due = appointment_in(timedelta(hours=23))

    assert run() == "Queued 1 reminder."
    deliver()

    assert [message.to for message in mail.outbox] == [[due.patient.email]]


@pytest.mark.django_db
def test_a_second_run_sends_nothing():
    appointment_in(timedelta(hours=2))
    appointment_in(timedelta(hours=6))

    assert run() == "Queued 2 reminders."
    assert run() == "Queued 0 reminders."
    deliver()

    assert len(mail.outbox) == 2


@pytest.mark.django_db
def test_dry_run_sends_and_changes_nothing():
    appointment = appointment_in(timedelta(hours=2))

    assert run("--dry-run") == "Would send 1 reminder."

    assert not OutboxMessage.objects.exists()
    assert not Notification.objects.exists()
    appointment.refresh_from_db()
    assert appointment.reminder_sent_at is None
    assert run() == "Queued 1 reminder."


@pytest.mark.django_db
def test_reminder_is_in_the_patients_language():
    patient = PatientFactory(preferred_language="bn")
    appointment = appointment_in(timedelta(hours=4), patient=patient)
    weekday = BENGALI_WEEKDAYS[timezone.localtime(appointment.start).weekday()]

    run()
    deliver()

    [message] = mail.outbox
    # The weekday comes from Django's date formatting, which only gives Bengali names
    # while Bengali is the active language.
    assert weekday in message.subject
    assert weekday in message.body
    assert weekday in message.alternatives[0][0]
    assert '<html lang="bn">' in message.alternatives[0][0]


@pytest.mark.django_db
def test_bengali_reminder_subject_has_bengali_digits_for_the_serial_and_date():
    doctor = DoctorProfileFactory(user=UserFactory(role="doctor", full_name="ডা. নাসরিন আক্তার"))
    patient = PatientFactory(preferred_language="bn")
    with time_machine.travel(datetime(2025, 3, 10, 8, 0, tzinfo=DHAKA), tick=False):
        AppointmentFactory(
            doctor=doctor,
            patient=patient,
            start=datetime(2025, 3, 10, 14, 30, tzinfo=DHAKA),
            status=Appointment.Status.CONFIRMED,
            serial=3,
        )

        run()
        deliver()

    [message] = mail.outbox
    assert message.subject == (
        "স্মরণিকা: ডা. নাসরিন আক্তার-এর সাথে অ্যাপয়েন্টমেন্ট, সোমবার, ১০ মার্চ, ১৪:৩০, সিরিয়াল ৩"
    )


@pytest.mark.django_db
def test_english_patient_gets_english_even_when_bengali_is_active():
    from django.utils import translation

    appointment = appointment_in(timedelta(hours=4))
    english_weekday = timezone.localtime(appointment.start).strftime("%A")

    with translation.override("bn"):
        run()
        deliver()

    [message] = mail.outbox
    assert english_weekday in message.subject


@pytest.mark.django_db
def test_a_reminder_waits_in_the_outbox_while_the_mail_server_is_down(monkeypatch):
    appointment = appointment_in(timedelta(hours=2))

    def refuse(self, fail_silently=False):
        raise OSError("mail server down")

    monkeypatch.setattr(EmailMultiAlternatives, "send", refuse)
    assert run() == "Queued 1 reminder."
    assert deliver() == {"sent": 0, "retry": 1, "failed": 0}

    appointment.refresh_from_db()
    assert appointment.reminder_sent_at is not None  # queued once, never again
    message = OutboxMessage.objects.get(kind="reminder")
    assert (message.status, message.last_error) == ("pending", "OSError: mail server down")

    monkeypatch.undo()
    assert run() == "Queued 0 reminders."
    with time_machine.travel(timezone.now() + timedelta(minutes=2)):
        assert deliver() == {"sent": 1, "retry": 0, "failed": 0}
    assert [m.to for m in mail.outbox] == [[appointment.patient.email]]


@pytest.mark.django_db
def test_one_failure_does_not_stop_the_other_reminders(monkeypatch):
    failing = appointment_in(timedelta(hours=2))
    other = appointment_in(timedelta(hours=3))
    send = EmailMultiAlternatives.send

    def refuse_one(self, fail_silently=False):
        if self.to == [failing.patient.email]:
            raise OSError("mailbox unavailable")
        return send(self, fail_silently)

    monkeypatch.setattr(EmailMultiAlternatives, "send", refuse_one)

    assert run() == "Queued 2 reminders."
    assert deliver() == {"sent": 1, "retry": 1, "failed": 0}

    assert [message.to for message in mail.outbox] == [[other.patient.email]]
    waiting = OutboxMessage.objects.get(status="pending")
    assert waiting.address == failing.patient.email


@pytest.mark.django_db
def test_a_reminder_not_sent_before_the_visit_begins_is_dropped(monkeypatch):
    appointment = appointment_in(timedelta(hours=2))
    assert run() == "Queued 1 reminder."

    with time_machine.travel(appointment.start + timedelta(minutes=1)):
        assert deliver() == {"sent": 0, "retry": 0, "failed": 1}
    assert mail.outbox == []
    message = OutboxMessage.objects.get(kind="reminder")
    assert (message.status, message.last_error) == ("failed", "expired before it could be sent")


@pytest.mark.django_db(transaction=True)
def test_concurrent_runs_queue_each_reminder_once(monkeypatch):
    if connection.vendor != "postgresql":
        pytest.skip("concurrent writers need PostgreSQL")
    appointments = [appointment_in(timedelta(hours=1, minutes=10 * i)) for i in range(12)]
    sent_to = []
    lock = threading.Lock()

    def record(self, fail_silently=False):
        time.sleep(0.01)  # keep both runs busy at the same time
        with lock:
            sent_to.extend(self.to)
        return 1

    monkeypatch.setattr(EmailMultiAlternatives, "send", record)
    barrier = threading.Barrier(2)
    outputs, errors = [], []

    def worker():
        try:
            barrier.wait(timeout=10)
            outputs.append(run())
        except Exception as error:  # reported by the assertion below
            errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert errors == []
    assert sum(int(output.split()[1]) for output in outputs) == len(appointments)
    assert not Appointment.objects.filter(reminder_sent_at__isnull=True).exists()
    queued = OutboxMessage.objects.filter(kind="reminder")
    assert sorted(queued.values_list("address", flat=True)) == sorted(
        a.patient.email for a in appointments
    )
    deliver()
    assert sorted(sent_to) == sorted(a.patient.email for a in appointments)
