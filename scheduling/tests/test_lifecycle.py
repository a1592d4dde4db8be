import html
from datetime import datetime, time, timedelta

import pytest
import time_machine
from django.core import mail
from django.utils import timezone

from accounts.tests.factories import DoctorProfileFactory, PatientFactory, StaffFactory
from scheduling import services
from scheduling.models import Appointment, AppointmentEvent, VisitNotes
from scheduling.tests.factories import AppointmentFactory, first_chamber, open_every_day

pytestmark = pytest.mark.django_db

TZ = timezone.get_default_timezone()
DAY = timezone.localdate() + timedelta(days=2)


def at(hour, day=DAY):
    return datetime.combine(day, time(hour), tzinfo=TZ)


@pytest.fixture
def doctor():
    return open_every_day(DoctorProfileFactory())


def make(doctor, status, start=None):
    return AppointmentFactory(doctor=doctor, start=start or at(10), status=status)


def actor(role, appointment):
    return {
        "patient": appointment.patient,
        "doctor": appointment.doctor.user,
        "staff": StaffFactory(),
        "stranger": PatientFactory(),
    }[role]


PAST = "past"
FUTURE = "future"
# (from, to, who, when, allowed)
CASES = [
    ("pending", "confirmed", "doctor", FUTURE, True),
    ("pending", "confirmed", "staff", FUTURE, True),
    ("pending", "confirmed", "patient", FUTURE, False),
    ("pending", "cancelled", "patient", FUTURE, True),
    ("pending", "cancelled", "doctor", FUTURE, True),
    ("pending", "completed", "doctor", PAST, False),
    ("pending", "no_show", "doctor", PAST, False),
    ("confirmed", "completed", "doctor", PAST, True),
    ("confirmed", "completed", "doctor", FUTURE, False),
    ("confirmed", "no_show", "doctor", PAST, True),
    ("confirmed", "no_show", "staff", PAST, True),
    ("confirmed", "no_show", "patient", PAST, False),
    ("confirmed", "completed", "patient", PAST, False),
    ("confirmed", "cancelled", "patient", FUTURE, True),
    ("confirmed", "cancelled", "staff", PAST, True),
    ("confirmed", "pending", "doctor", FUTURE, False),
    ("completed", "cancelled", "doctor", PAST, False),
    ("completed", "no_show", "doctor", PAST, False),
    ("no_show", "completed", "doctor", PAST, False),
    ("cancelled", "confirmed", "doctor", FUTURE, False),
    ("cancelled", "pending", "staff", FUTURE, False),
    ("pending", "confirmed", "stranger", FUTURE, False),
]


@pytest.mark.parametrize("current, to, who, when, allowed", CASES)
def test_status_transitions(doctor, current, to, who, when, allowed):
    start = at(10) if when == FUTURE else timezone.now() - timedelta(hours=3)
    appointment = make(doctor, current, start=start)
    by = actor(who, appointment)

    if allowed:
        services.change_status(appointment=appointment, to=to, by=by, reason="why")
        appointment.refresh_from_db()
        assert appointment.status == to
        event = AppointmentEvent.objects.get(appointment=appointment)
        assert (event.actor, event.from_status, event.to_status, event.reason) == (
            by,
            current,
            to,
            "why",
        )
    else:
        with pytest.raises(services.BookingError) as refused:
            services.change_status(appointment=appointment, to=to, by=by)
        assert refused.value.message
        appointment.refresh_from_db()
        assert appointment.status == current
        assert not AppointmentEvent.objects.filter(appointment=appointment).exists()


def test_patient_cancels_before_the_cutoff_but_not_after(doctor):
    soon = make(doctor, "confirmed", start=timezone.now() + timedelta(hours=2))  # cut-off 3 h
    later = make(doctor, "confirmed", start=at(11))

    with pytest.raises(services.BookingError, match="too late"):
        services.cancel_appointment(appointment=soon, by=soon.patient)
    services.cancel_appointment(appointment=later, by=later.patient)

    soon.refresh_from_db()
    later.refresh_from_db()
    assert (soon.status, later.status) == ("confirmed", "cancelled")
    # The doctor may still cancel at any time.
    services.cancel_appointment(appointment=soon, by=doctor.user, reason="Emergency")
    soon.refresh_from_db()
    assert soon.status == "cancelled"


def test_history_records_each_step(client, doctor):
    patient = PatientFactory()
    client.force_login(patient)
    appointment = services.book_appointment(patient=patient, doctor=doctor, start=at(9))
    services.change_status(appointment=appointment, to="confirmed", by=doctor.user)
    services.cancel_appointment(appointment=appointment, by=patient, reason="Feeling better")

    steps = list(
        AppointmentEvent.objects.filter(appointment=appointment).values_list(
            "from_status", "to_status"
        )
    )
    assert steps == [("", "pending"), ("pending", "confirmed"), ("confirmed", "cancelled")]
    page = client.get(f"/appointments/{appointment.pk}/").content.decode()
    assert "Feeling better" in page


def test_emails_go_to_the_other_side_in_their_language(
    doctor, django_capture_on_commit_callbacks, send_outbox
):
    appointment = make(doctor, "pending")
    appointment.patient.preferred_language = "bn"
    appointment.patient.save()

    with django_capture_on_commit_callbacks(execute=True):
        services.change_status(appointment=appointment, to="confirmed", by=doctor.user)
    send_outbox()
    assert mail.outbox[-1].to == [appointment.patient.email]
    assert "নিশ্চিত" in mail.outbox[-1].subject

    with django_capture_on_commit_callbacks(execute=True):
        services.cancel_appointment(appointment=appointment, by=appointment.patient, reason="x")
    send_outbox()
    assert mail.outbox[-1].to == [doctor.user.email]


def test_failing_mail_server_does_not_undo_the_change(
    doctor, django_capture_on_commit_callbacks, monkeypatch, send_outbox
):
    def broken(*args, **kwargs):
        raise OSError("mail server down")

    monkeypatch.setattr("django.core.mail.EmailMultiAlternatives.send", broken)
    appointment = make(doctor, "pending")
    with django_capture_on_commit_callbacks(execute=True):
        services.change_status(appointment=appointment, to="confirmed", by=doctor.user)
    assert send_outbox() == {"sent": 0, "retry": 1, "failed": 0}
    appointment.refresh_from_db()
    assert appointment.status == "confirmed"


def test_reschedule_to_a_free_slot_moves_in_one_step(client, doctor):
    appointment = make(doctor, "confirmed")
    client.force_login(appointment.patient)

    response = client.post(
        f"/appointments/{appointment.pk}/reschedule/", {"start": at(14).isoformat()}
    )

    new = Appointment.objects.exclude(pk=appointment.pk).get()
    assert response.url == f"/appointments/{new.pk}/"
    appointment.refresh_from_db()
    assert appointment.status == "cancelled"
    assert (new.start, new.status, new.patient) == (at(14), "pending", appointment.patient)
    assert new.serial == 4


def test_reschedule_to_a_taken_slot_changes_nothing(client, doctor):
    appointment = make(doctor, "confirmed")
    make(doctor, "pending", start=at(14))
    client.force_login(appointment.patient)

    response = client.post(
        f"/appointments/{appointment.pk}/reschedule/",
        {"start": at(14).isoformat()},
        follow=True,
    )

    assert "This slot was just taken" in response.content.decode()
    appointment.refresh_from_db()
    assert appointment.status == "confirmed"
    assert Appointment.objects.count() == 2


def test_visit_notes_by_the_doctor_within_7_days_then_read_only(client, doctor):
    done = make(doctor, "completed", start=timezone.now() - timedelta(days=1))
    old = make(doctor, "completed", start=timezone.now() - timedelta(days=9))
    client.force_login(doctor.user)
    notes = {"notes-diagnosis": "Viral fever", "notes-prescription": "Paracetamol 500 mg"}

    client.post(f"/portal/appointments/{done.pk}/notes/", notes)
    client.post(f"/portal/appointments/{old.pk}/notes/", notes)

    assert VisitNotes.objects.get(appointment=done).diagnosis == "Viral fever"
    assert not VisitNotes.objects.filter(appointment=old).exists()
    # The patient reads them on the appointment page: their medical history.
    client.force_login(done.patient)
    assert "Paracetamol 500 mg" in client.get(f"/appointments/{done.pk}/").content.decode()


def test_notes_only_on_completed_visits_and_only_by_their_doctor(client, doctor):
    pending = make(doctor, "pending")
    completed = make(doctor, "completed", start=timezone.now() - timedelta(hours=5))
    other_doctor = DoctorProfileFactory()
    notes = {"notes-diagnosis": "x"}

    client.force_login(doctor.user)
    client.post(f"/portal/appointments/{pending.pk}/notes/", notes)
    client.force_login(other_doctor.user)
    assert client.post(f"/portal/appointments/{completed.pk}/notes/", notes).status_code == 404
    assert not VisitNotes.objects.exists()


def test_doctor_sees_only_their_own_history_with_the_patient(client, doctor):
    patient = PatientFactory()
    other = DoctorProfileFactory()
    mine = make(doctor, "completed", start=timezone.now() - timedelta(days=20))
    VisitNotes.objects.create(appointment=mine, diagnosis="Migraine with aura")
    theirs = AppointmentFactory(
        doctor=other,
        patient=patient,
        start=timezone.now() - timedelta(days=10),
        status="completed",
    )
    VisitNotes.objects.create(appointment=theirs, diagnosis="Secret other diagnosis")
    mine.patient = patient
    mine.save()
    current = AppointmentFactory(doctor=doctor, patient=patient, start=at(10), status="pending")

    client.force_login(doctor.user)
    page = client.get(f"/portal/appointments/{current.pk}/").content.decode()

    assert "Migraine with aura" in page
    assert "Secret other diagnosis" not in page
    assert client.get(f"/portal/appointments/{theirs.pk}/").status_code == 404


def test_ics_download_parses(client, doctor):
    from icalendar import Calendar

    appointment = make(doctor, "confirmed")
    client.force_login(appointment.patient)
    response = client.get(f"/appointments/{appointment.pk}/ics/")

    assert response["Content-Type"].startswith("text/calendar")
    event = Calendar.from_ical(response.content).walk("VEVENT")[0]
    assert event.decoded("DTSTART") == appointment.start
    assert first_chamber(doctor).address in str(event["LOCATION"])


def test_portal_agenda_and_pending_requests(client, doctor):
    today_start = timezone.now() + timedelta(minutes=5)
    make(doctor, "confirmed", start=today_start)
    pending = make(doctor, "pending")
    client.force_login(doctor.user)

    portal = client.get("/portal/")
    assert portal.status_code == 200
    assert list(portal.context["pending"]) == [pending]
    week = client.get("/portal/agenda/", {"view": "week"})
    assert week.status_code == 200
    assert client.get("/portal/agenda/", {"date": "not-a-date"}).status_code == 200

    client.post(f"/appointments/{pending.pk}/status/", {"to": "confirmed"})
    pending.refresh_from_db()
    assert pending.status == "confirmed"


def test_decline_needs_a_reason(client, doctor):
    pending = make(doctor, "pending")
    client.force_login(doctor.user)

    client.post(f"/appointments/{pending.pk}/status/", {"to": "declined"})
    pending.refresh_from_db()
    assert pending.status == "pending"

    client.post(
        f"/appointments/{pending.pk}/status/",
        {"to": "declined", "decline-reason": "Not my speciality"},
    )
    pending.refresh_from_db()
    assert pending.status == "cancelled"
    assert pending.events.get(to_status="cancelled").reason == "Not my speciality"


def test_time_off_uses_the_cancel_service(doctor):
    appointment = make(doctor, "confirmed")
    leave = services.add_time_off(doctor=doctor, start_date=DAY, end_date=DAY)
    assert services.cancel_for_time_off(time_off=leave, by=doctor.user, message="Away") == 1
    appointment.refresh_from_db()
    assert appointment.status == "cancelled"
    assert appointment.events.get().actor == doctor.user


def test_my_appointments_lists_upcoming_first_and_history_latest_first(client, doctor):
    patient = PatientFactory()
    soon = AppointmentFactory(doctor=doctor, patient=patient, start=at(9), status="pending")
    later = AppointmentFactory(doctor=doctor, patient=patient, start=at(11), status="confirmed")
    called_off = AppointmentFactory(
        doctor=doctor, patient=patient, start=at(14), status="cancelled"
    )
    old = AppointmentFactory(
        doctor=doctor,
        patient=patient,
        start=timezone.now() - timedelta(days=30),
        status="completed",
    )
    older = AppointmentFactory(
        doctor=doctor,
        patient=patient,
        start=timezone.now() - timedelta(days=60),
        status="no_show",
    )
    AppointmentFactory(doctor=doctor, start=at(15), status="pending")  # someone else's
    client.force_login(patient)

    response = client.get("/appointments/")

    assert list(response.context["upcoming"]) == [soon, later]
    assert list(response.context["page"].object_list) == [called_off, old, older]


def test_confirmation_email_has_html_and_the_calendar_file(
    doctor, django_capture_on_commit_callbacks, send_outbox
):
    from icalendar import Calendar

    appointment = make(doctor, "pending")
    with django_capture_on_commit_callbacks(execute=True):
        services.change_status(appointment=appointment, to="confirmed", by=doctor.user)

    send_outbox()
    message = mail.outbox[-1]
    assert message.alternatives[0][1] == "text/html"
    name, content, mimetype = message.attachments[0]
    assert mimetype == "text/calendar"
    assert Calendar.from_ical(content).walk("VEVENT")[0].decoded("DTSTART") == appointment.start


def test_reschedule_emails_both_sides_once(
    client, doctor, django_capture_on_commit_callbacks, send_outbox
):
    appointment = make(doctor, "confirmed")
    with django_capture_on_commit_callbacks(execute=True):
        services.reschedule_appointment(
            appointment=appointment, start=at(15), by=appointment.patient
        )

    send_outbox()
    assert sorted(m.to[0] for m in mail.outbox) == sorted(
        [appointment.patient.email, doctor.user.email]
    )
    assert all(m.subject.startswith("Appointment rescheduled") for m in mail.outbox)


def test_decline_email_reaches_the_patient_with_the_reason(
    client, doctor, django_capture_on_commit_callbacks, send_outbox
):
    pending = make(doctor, "pending")
    client.force_login(doctor.user)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            f"/appointments/{pending.pk}/status/",
            {"to": "declined", "decline-reason": "Chamber closed for repairs"},
        )
    send_outbox()
    message = mail.outbox[-1]
    assert message.to == [pending.patient.email]
    assert message.subject.startswith("Appointment cancelled")
    assert "Chamber closed for repairs" in message.body


def test_booking_emails_each_side_in_their_own_language(
    doctor, django_capture_on_commit_callbacks, send_outbox
):
    patient = PatientFactory(preferred_language="bn")
    with django_capture_on_commit_callbacks(execute=True):
        services.book_appointment(patient=patient, doctor=doctor, start=at(9))
    send_outbox()
    by_recipient = {m.to[0]: m for m in mail.outbox}
    assert "অপেক্ষমাণ" in by_recipient[patient.email].subject
    assert by_recipient[doctor.user.email].subject.startswith("Appointment pending")


def _section(page, heading):
    """The HTML of the card under `heading` on an appointment page ('' when absent)."""
    if heading not in page:
        return ""
    return page.split(heading, 1)[1].split('<div class="card', 1)[0]


def test_the_doctor_sees_earlier_visits_and_later_appointments_apart(client, doctor):
    with time_machine.travel(datetime(2026, 3, 10, 10, tzinfo=TZ), tick=False):
        patient = PatientFactory()
        day = datetime(2026, 3, 10, 9, tzinfo=TZ)
        earlier = AppointmentFactory(
            doctor=doctor, patient=patient, start=day - timedelta(days=10), status="completed"
        )
        current = AppointmentFactory(doctor=doctor, patient=patient, start=day + timedelta(days=2))
        later = AppointmentFactory(doctor=doctor, patient=patient, start=day + timedelta(days=9))
        client.force_login(doctor.user)

        page = client.get(f"/portal/appointments/{current.pk}/").content.decode()
        before = _section(page, "Earlier visits with you")
        after = _section(page, "Later appointments with you")
        assert f"/appointments/{earlier.pk}/" in before
        assert f"/appointments/{later.pk}/" not in before
        assert f"/appointments/{later.pk}/" in after
        assert f"/appointments/{earlier.pk}/" not in after

        first = client.get(f"/portal/appointments/{earlier.pk}/").content.decode()
        assert "first visit with you" in html.unescape(_section(first, "Earlier visits with you"))
        after = _section(first, "Later appointments with you")
        links = [f"/appointments/{current.pk}/", f"/appointments/{later.pk}/"]
        assert all(link in after for link in links)
        assert after.index(links[0]) < after.index(links[1])  # soonest first

        client.force_login(StaffFactory())
        page = client.get(f"/appointments/{current.pk}/").content.decode()
        assert f"/appointments/{earlier.pk}/" in _section(page, "Earlier visits with this doctor")
        assert f"/appointments/{later.pk}/" in _section(page, "Later appointments with this doctor")
