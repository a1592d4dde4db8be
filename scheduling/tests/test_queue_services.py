"""The day's queue at a chamber (issue #17): each step through the services, on the
database, with its history, audit entry and announcement."""

import io
from datetime import time, timedelta
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.db import transaction
from django.utils import timezone

from accounts.models import AuditEntry
from accounts.tests.factories import DoctorProfileFactory, StaffFactory
from appion import clinic_calendar
from appion.messaging.models import Notification, OutboxMessage
from scheduling import live, selectors, services
from scheduling.models import Appointment, AppointmentEvent, LateNotice, QueueState
from scheduling.tests.factories import ChamberFactory, ChamberHoursFactory
from scheduling.tests.queue_world import SLOT_MINUTES

pytestmark = pytest.mark.django_db

Status = Appointment.Status
Kind = AppointmentEvent.Kind


def fresh(appointment):
    appointment.refresh_from_db()
    return appointment


@pytest.fixture
def announced(monkeypatch):
    """What the services announced through scheduling.live, in order."""
    calls = []
    monkeypatch.setattr(
        live, "queue_changed", lambda **kwargs: calls.append(("queue", kwargs["chamber_id"]))
    )
    monkeypatch.setattr(
        live,
        "appointment_changed",
        lambda **kwargs: calls.append(("appointment", kwargs["appointment_id"])),
    )
    return calls


# Arrived


def test_arrived_is_recorded_with_history_audit_and_announcement(chamber_day, announced):
    booked = chamber_day.book(3)
    doctor = chamber_day.doctor.user

    services.mark_arrived(appointment=booked, by=doctor)

    booked = fresh(booked)
    assert booked.queue_state == QueueState.ARRIVED
    assert booked.arrived_at == timezone.now()
    assert booked.status == Status.CONFIRMED
    event = booked.events.last()
    assert (event.kind, event.actor, event.to_status) == (Kind.ARRIVED, doctor, Status.CONFIRMED)
    entry = AuditEntry.objects.get(action=AuditEntry.Action.QUEUE_STEP)
    assert entry.user == doctor
    assert entry.detail == {"step": "arrived", "serial": 3}
    assert ("appointment", booked.pk) in announced
    assert ("queue", chamber_day.chamber.pk) in announced


def test_arrived_confirms_a_pending_booking_through_the_status_service(chamber_day):
    pending = chamber_day.book(4, status=Status.PENDING)

    services.mark_arrived(appointment=pending, by=chamber_day.doctor.user)

    pending = fresh(pending)
    assert pending.status == Status.CONFIRMED
    assert pending.queue_state == QueueState.ARRIVED
    steps = list(pending.events.values_list("kind", "from_status", "to_status", "reason"))
    assert steps[1:] == [
        ("status", "pending", "confirmed", "Arrived at the chamber"),
        ("arrived", "confirmed", "confirmed", ""),
    ]
    assert AuditEntry.objects.filter(
        action=AuditEntry.Action.APPOINTMENT_STATUS, detail__to="confirmed"
    ).exists()


def test_arriving_twice_is_refused_and_changes_nothing(chamber_day):
    booked = chamber_day.book(3)
    services.mark_arrived(appointment=booked, by=chamber_day.doctor.user)
    events = booked.events.count()

    with pytest.raises(
        services.BookingError, match=r"Serial 3 is not waiting to arrive \(now: arrived\)"
    ):
        services.mark_arrived(appointment=booked, by=chamber_day.doctor.user)

    assert booked.events.count() == events


@pytest.mark.parametrize("status", [Status.CANCELLED, Status.NO_SHOW, Status.COMPLETED])
def test_a_closed_appointment_cannot_arrive(chamber_day, status):
    closed = chamber_day.book(2, status=status)

    with pytest.raises(services.BookingError):
        services.mark_arrived(appointment=closed, by=chamber_day.doctor.user)

    assert fresh(closed).arrived_at is None


def test_only_todays_patients_arrive(chamber_day):
    tomorrow = chamber_day.book(3)
    tomorrow.start += timedelta(days=1)
    tomorrow.end += timedelta(days=1)
    tomorrow.save(update_fields=["start", "end"])

    with pytest.raises(services.BookingError, match="Only today's queue"):
        services.mark_arrived(appointment=tomorrow, by=chamber_day.doctor.user)

    assert fresh(tomorrow).arrived_at is None


@pytest.mark.parametrize("who", ["other_doctor", "staff", "patient"])
def test_only_the_chambers_doctor_runs_its_queue(chamber_day, who):
    booked = chamber_day.book(3)
    by = {
        "other_doctor": lambda: DoctorProfileFactory().user,
        "staff": StaffFactory,
        "patient": lambda: booked.patient,
    }[who]()

    for step in (services.mark_arrived, services.recall, services.finish_consultation):
        with pytest.raises(services.BookingError) as refused:
            step(appointment=booked, by=by)
        assert refused.value.code == services.BookingError.FORBIDDEN
    with pytest.raises(services.BookingError):
        services.call_next(chamber=chamber_day.chamber, by=by)
    with pytest.raises(services.BookingError):
        services.add_walk_in(chamber=chamber_day.chamber, by=by, name="X", mobile="+8801712345678")
    with pytest.raises(services.BookingError):
        services.set_late_notice(chamber=chamber_day.chamber, by=by, minutes=10)

    assert fresh(booked).queue_state == QueueState.BOOKED
    assert Appointment.objects.count() == 1
    assert not LateNotice.objects.exists()


# Call next


def test_call_next_calls_the_lowest_arrived_serial_and_skips_those_not_arrived(chamber_day):
    doctor = chamber_day.doctor.user
    first, second, third, fourth = (chamber_day.book(n) for n in (1, 2, 3, 4))
    for appointment in (second, fourth):
        services.mark_arrived(appointment=appointment, by=doctor)

    finished, called = services.call_next(chamber=chamber_day.chamber, by=doctor)

    assert finished == []
    assert called.pk == second.pk
    assert fresh(second).queue_state == QueueState.IN_CONSULTATION
    assert fresh(second).called_at == timezone.now()
    assert second.events.last().kind == Kind.CALLED
    # Serial 1 has not come: skipped, still waiting in its place.
    assert fresh(first).queue_state == QueueState.BOOKED
    assert fresh(third).queue_state == QueueState.BOOKED


def test_call_next_moves_the_current_patient_to_done_and_calls_the_next(ten_oclock, chamber_day):
    doctor = chamber_day.doctor.user
    second, fourth = chamber_day.book(2), chamber_day.book(4)
    for appointment in (second, fourth):
        services.mark_arrived(appointment=appointment, by=doctor)
    services.call_next(chamber=chamber_day.chamber, by=doctor)

    ten_oclock.shift(timedelta(minutes=7))
    finished, called = services.call_next(chamber=chamber_day.chamber, by=doctor)

    assert [f.pk for f in finished] == [second.pk]
    second = fresh(second)
    assert second.status == Status.COMPLETED
    assert second.finished_at - second.called_at == timedelta(minutes=7)
    # Through the status service: its history and audit entry.
    assert second.events.filter(kind=Kind.STATUS, to_status=Status.COMPLETED).exists()
    assert AuditEntry.objects.filter(detail__to="completed").exists()
    assert called.pk == fourth.pk
    assert fresh(fourth).queue_state == QueueState.IN_CONSULTATION


def test_a_skipped_serial_goes_first_once_it_arrives(chamber_day):
    doctor = chamber_day.doctor.user
    first, second, third = (chamber_day.book(n) for n in (1, 2, 3))
    services.mark_arrived(appointment=second, by=doctor)
    services.mark_arrived(appointment=third, by=doctor)
    services.call_next(chamber=chamber_day.chamber, by=doctor)  # serial 2; 1 not here

    services.mark_arrived(appointment=first, by=doctor)  # serial 1 comes late
    _finished, called = services.call_next(chamber=chamber_day.chamber, by=doctor)

    assert called.pk == first.pk
    assert fresh(third).queue_state == QueueState.ARRIVED


def test_call_next_with_nobody_waiting_is_refused_and_changes_nothing(chamber_day):
    booked = chamber_day.book(1)

    with pytest.raises(services.BookingError, match="Nobody is waiting"):
        services.call_next(chamber=chamber_day.chamber, by=chamber_day.doctor.user)

    assert fresh(booked).queue_state == QueueState.BOOKED
    assert booked.events.count() == 1


def test_call_next_finishes_the_last_patient_when_nobody_else_waits(chamber_day):
    doctor = chamber_day.doctor.user
    only = chamber_day.book(2)
    services.mark_arrived(appointment=only, by=doctor)
    services.call_next(chamber=chamber_day.chamber, by=doctor)

    finished, called = services.call_next(chamber=chamber_day.chamber, by=doctor)

    assert called is None
    assert [f.pk for f in finished] == [only.pk]
    assert fresh(only).status == Status.COMPLETED


def test_call_next_tells_the_next_two_to_come_that_their_turn_is_near_once(chamber_day):
    doctor = chamber_day.doctor.user
    booked = {serial: chamber_day.book(serial) for serial in (1, 2, 3, 4, 6)}
    walk_in = services.add_walk_in(
        chamber=chamber_day.chamber, by=doctor, name="Abdul Karim", mobile="01712345678"
    )
    for serial in (1, 3):
        services.mark_arrived(appointment=booked[serial], by=doctor)

    services.call_next(chamber=chamber_day.chamber, by=doctor)  # serial 1

    # The next two to come, arrived or not yet: 2 (still on the way) and 3.
    told = {a.serial for a in Appointment.objects.exclude(near_told_at=None)}
    assert told == {2, 3}
    near = Notification.objects.filter(kind="serial_near")
    assert sorted(n.recipient_id for n in near) == sorted(booked[s].patient_id for s in (2, 3))
    assert {n.link for n in near} == {f"/appointments/{booked[s].pk}/" for s in (2, 3)}
    assert all("now serving 1 " in n.text for n in near)
    # By each patient's channel too (SMS or email): one outbox message each.
    assert OutboxMessage.objects.filter(kind="serial_near").count() == 2

    services.call_next(chamber=chamber_day.chamber, by=doctor)  # serial 3 (2 not here)

    # 4 and 6 are now next; 2 is not told twice.
    told = {a.serial for a in Appointment.objects.exclude(near_told_at=None)}
    assert told == {2, 3, 4, 6}
    assert Notification.objects.filter(kind="serial_near").count() == 4
    assert fresh(walk_in).near_told_at is None  # further back; and told at the chamber


def test_a_walk_in_next_in_line_is_passed_over_quietly(chamber_day):
    doctor = chamber_day.doctor.user
    first = chamber_day.book(1)
    walk_in = services.add_walk_in(
        chamber=chamber_day.chamber, by=doctor, name="Abdul Karim", mobile="01712345678"
    )
    services.mark_arrived(appointment=first, by=doctor)

    services.call_next(chamber=chamber_day.chamber, by=doctor)

    assert fresh(walk_in).near_told_at is not None
    assert not Notification.objects.filter(kind="serial_near").exists()


def test_a_rolled_back_call_tells_nobody(chamber_day):
    doctor = chamber_day.doctor.user
    booked = {serial: chamber_day.book(serial) for serial in (1, 2)}
    services.mark_arrived(appointment=booked[1], by=doctor)

    with pytest.raises(RuntimeError), transaction.atomic():
        services.call_next(chamber=chamber_day.chamber, by=doctor)
        raise RuntimeError

    assert fresh(booked[2]).near_told_at is None
    assert not Notification.objects.filter(kind="serial_near").exists()
    assert not OutboxMessage.objects.filter(kind="serial_near").exists()


def test_a_patient_called_before_their_slot_time_can_be_completed(chamber_day):
    """A chamber ahead of time sees serial 5 (11:00) at 10:00: called in, the visit has
    begun."""
    doctor = chamber_day.doctor.user
    early = chamber_day.book(5)
    services.mark_arrived(appointment=early, by=doctor)
    services.call_next(chamber=chamber_day.chamber, by=doctor)

    services.finish_consultation(appointment=early, by=doctor)

    early = fresh(early)
    assert early.status == Status.COMPLETED
    assert early.finished_at is not None


def test_done_on_a_patient_never_called_follows_the_status_rules(chamber_day):
    doctor = chamber_day.doctor.user
    later = chamber_day.book(5)  # 11:00, not called
    with pytest.raises(services.BookingError, match="only once its time has begun"):
        services.finish_consultation(appointment=later, by=doctor)
    assert fresh(later).status == Status.CONFIRMED

    seen = chamber_day.book(1)  # 09:00: its time has come
    services.finish_consultation(appointment=seen, by=doctor)
    assert fresh(seen).status == Status.COMPLETED
    assert fresh(seen).finished_at is None  # not through the queue: not in the pace


# Recall


def test_recall_calls_the_patient_in_consultation_again(ten_oclock, chamber_day, announced):
    doctor = chamber_day.doctor.user
    called = chamber_day.book(2)
    services.mark_arrived(appointment=called, by=doctor)
    services.call_next(chamber=chamber_day.chamber, by=doctor)
    first_call = fresh(called).called_at
    announced.clear()

    ten_oclock.shift(timedelta(minutes=2))
    services.recall(appointment=called, by=doctor)

    called = fresh(called)
    assert called.called_at == first_call + timedelta(minutes=2)
    assert called.queue_state == QueueState.IN_CONSULTATION
    assert called.events.last().kind == Kind.RECALLED
    assert AuditEntry.objects.filter(detail__step="recalled").exists()
    assert announced == [("appointment", called.pk), ("queue", chamber_day.chamber.pk)]


def test_only_the_patient_called_in_can_be_recalled(chamber_day):
    waiting = chamber_day.book(3)
    services.mark_arrived(appointment=waiting, by=chamber_day.doctor.user)

    with pytest.raises(services.BookingError, match="Only the patient called in"):
        services.recall(appointment=waiting, by=chamber_day.doctor.user)

    assert fresh(waiting).called_at is None


# No-show


def test_a_called_patient_who_does_not_come_in_is_a_no_show(chamber_day):
    doctor = chamber_day.doctor.user
    called = chamber_day.book(5)  # 11:00, called early at 10:00
    services.mark_arrived(appointment=called, by=doctor)
    services.call_next(chamber=chamber_day.chamber, by=doctor)

    services.mark_no_show(appointment=called, by=doctor)

    called = fresh(called)
    assert called.status == Status.NO_SHOW
    assert called.queue_state == QueueState.NO_SHOW
    assert called.events.last().to_status == Status.NO_SHOW


def test_no_show_waits_for_the_slot_time_of_a_patient_not_called(chamber_day):
    doctor = chamber_day.doctor.user
    past, later = chamber_day.book(1), chamber_day.book(6)

    services.mark_no_show(appointment=past, by=doctor)
    with pytest.raises(services.BookingError):
        services.mark_no_show(appointment=later, by=doctor)

    assert fresh(past).status == Status.NO_SHOW
    assert fresh(later).status == Status.CONFIRMED


# Walk-ins


def test_a_walk_in_gets_the_serial_after_every_slot_of_the_day(chamber_day):
    chamber_day.book(2)
    doctor = chamber_day.doctor.user

    first = services.add_walk_in(
        chamber=chamber_day.chamber, by=doctor, name="Rahim Uddin", mobile="+8801712345678"
    )
    second = services.add_walk_in(
        chamber=chamber_day.chamber, by=doctor, name="Karima", mobile="+8801812345678"
    )

    # Two sessions of six 30-minute slots: serials 1–12 belong to the slots.
    assert (first.serial, second.serial) == (13, 14)
    assert first.patient is None and first.is_walk_in
    assert first.patient_name == "Rahim Uddin"
    assert first.patient_mobile == "+8801712345678"
    assert first.status == Status.CONFIRMED
    assert first.queue_state == QueueState.ARRIVED
    assert first.fee == chamber_day.chamber.effective_fee
    assert first.date == chamber_day.day
    steps = list(first.events.values_list("kind", "from_status", "to_status"))
    assert steps == [("status", "", "confirmed"), ("arrived", "confirmed", "confirmed")]
    assert AuditEntry.objects.filter(target=f"scheduling.appointment:{first.pk}").count() == 2


def test_a_walk_in_comes_after_a_serial_beyond_the_grid(chamber_day):
    chamber_day.book(20)  # booked before the hours shrank

    walk_in = services.add_walk_in(
        chamber=chamber_day.chamber, by=chamber_day.doctor.user, name="A", mobile="+8801712345678"
    )

    assert walk_in.serial == 21


def test_walk_ins_are_called_in_serial_order_after_the_booked(chamber_day):
    doctor = chamber_day.doctor.user
    walk_in = services.add_walk_in(
        chamber=chamber_day.chamber, by=doctor, name="A", mobile="+8801712345678"
    )
    booked = chamber_day.book(4)
    services.mark_arrived(appointment=booked, by=doctor)

    _finished, called = services.call_next(chamber=chamber_day.chamber, by=doctor)
    assert called.pk == booked.pk
    _finished, called = services.call_next(chamber=chamber_day.chamber, by=doctor)
    assert called.pk == walk_in.pk


def test_a_walk_in_takes_no_bookable_slot(chamber_day):
    before = selectors.free_slots(chamber_day.doctor, chamber_day.day, chamber_day.day)

    services.add_walk_in(
        chamber=chamber_day.chamber,
        by=chamber_day.doctor.user,
        name="A",
        mobile="+8801712345678",
    )

    after = selectors.free_slots(chamber_day.doctor, chamber_day.day, chamber_day.day)
    assert [s.start for s in after[chamber_day.day]] == [s.start for s in before[chamber_day.day]]
    # And a patient can still book the next free slot, the walk-in notwithstanding.
    slot = after[chamber_day.day][0]
    booked = services.book_appointment(
        patient=chamber_day.book(1).patient, doctor=chamber_day.doctor, start=slot.start
    )
    assert booked.serial == slot.serial


def test_a_walk_in_needs_a_session_today(chamber_day):
    elsewhere = ChamberFactory(doctor=chamber_day.doctor, name="Evening chamber")
    tomorrow = (chamber_day.day.weekday() + 1) % 7
    ChamberHoursFactory(chamber=elsewhere, weekday=tomorrow, start=time(18), end=time(20))

    with pytest.raises(services.BookingError, match="has no session today"):
        services.add_walk_in(
            chamber=elsewhere, by=chamber_day.doctor.user, name="A", mobile="+8801712345678"
        )

    assert not Appointment.objects.filter(chamber=elsewhere).exists()


def test_a_walk_in_needs_a_name_and_a_mobile(chamber_day):
    for name, mobile in (("", "+8801712345678"), ("A", ""), ("   ", "+8801712345678")):
        with pytest.raises(services.BookingError):
            services.add_walk_in(
                chamber=chamber_day.chamber, by=chamber_day.doctor.user, name=name, mobile=mobile
            )
    assert not Appointment.objects.exists()


def test_walk_ins_get_no_email_and_no_reminder(ten_oclock, chamber_day, mailoutbox):
    doctor = chamber_day.doctor.user
    for name in ("Stays", "Leaves"):
        walk_in = services.add_walk_in(
            chamber=chamber_day.chamber, by=doctor, name=name, mobile="+8801712345678"
        )
    services.cancel_appointment(appointment=walk_in, by=doctor, reason="Left")
    ten_oclock.shift(timedelta(hours=-1))  # the walk-in still to come, within 24 hours

    call_command("send_reminders", stdout=io.StringIO())

    assert mailoutbox == []


# Running late


def test_late_notice_is_set_changed_and_cleared(chamber_day, announced):
    doctor = chamber_day.doctor.user

    notice = services.set_late_notice(
        chamber=chamber_day.chamber, by=doctor, minutes=30, reason="Emergency surgery"
    )
    assert (notice.minutes, notice.reason, notice.date) == (
        30,
        "Emergency surgery",
        chamber_day.day,
    )
    assert selectors.chamber_queue(chamber_day.chamber).late.minutes == 30
    assert ("queue", chamber_day.chamber.pk) in announced

    services.set_late_notice(chamber=chamber_day.chamber, by=doctor, minutes=45, reason="Traffic")
    assert LateNotice.objects.get().minutes == 45

    services.set_late_notice(chamber=chamber_day.chamber, by=doctor, minutes=0, reason="ignored")
    assert LateNotice.objects.get().reason == ""
    assert selectors.chamber_queue(chamber_day.chamber).late is None
    assert AuditEntry.objects.filter(action=AuditEntry.Action.LATE_NOTICE).count() == 3


@pytest.mark.parametrize("minutes", [-1, 601])
def test_late_notice_out_of_range_is_refused(chamber_day, minutes):
    with pytest.raises(services.BookingError):
        services.set_late_notice(
            chamber=chamber_day.chamber, by=chamber_day.doctor.user, minutes=minutes
        )
    assert not LateNotice.objects.exists()


# The estimate


def test_the_estimate_uses_the_slot_length_before_the_first_visit(chamber_day):
    doctor = chamber_day.doctor.user
    first, _second, third = chamber_day.book(3), chamber_day.book(4), chamber_day.book(5)
    services.mark_arrived(appointment=first, by=doctor)
    services.call_next(chamber=chamber_day.chamber, by=doctor)

    queue = selectors.chamber_queue(chamber_day.chamber)

    assert not queue.pace_measured
    assert queue.pace == timedelta(minutes=SLOT_MINUTES)
    # Serial 5 has 3 and 4 ahead of it: about an hour (and its slot is at 11:00).
    assert selectors.wait_minutes(queue, fresh(third)) == 2 * SLOT_MINUTES
    assert selectors.wait_minutes(queue, fresh(first)) is None  # called


def test_the_estimate_follows_todays_pace(ten_oclock, chamber_day):
    doctor = chamber_day.doctor.user
    patients = [chamber_day.book(n) for n in (1, 2, 3, 4, 6)]
    for appointment in patients[:-1]:
        services.mark_arrived(appointment=appointment, by=doctor)
    # Three consultations of 12 minutes each (the slots are 30).
    for _call in range(4):
        services.call_next(chamber=chamber_day.chamber, by=doctor)
        ten_oclock.shift(timedelta(minutes=12))

    queue = selectors.chamber_queue(chamber_day.chamber)

    assert queue.pace_measured
    assert queue.pace == timedelta(minutes=12)
    assert queue.serving.serial == 4
    # Serial 6 (not arrived yet): serial 4 is in consultation ahead of it, then 6.
    assert selectors.wait_minutes(queue, fresh(patients[-1])) == 15  # 12, rounded up to 5


def test_the_estimate_counts_the_late_notice_before_the_doctor_starts(ten_oclock, chamber_day):
    ten_oclock.move_to(clinic_calendar.at(chamber_day.day, time(8, 30)))
    chamber_day.book(1)
    booked = chamber_day.book(2)
    services.set_late_notice(chamber=chamber_day.chamber, by=chamber_day.doctor.user, minutes=20)

    queue = selectors.chamber_queue(chamber_day.chamber)

    # 30 minutes to 09:00, 20 late, then serial 1's turn (30 minutes).
    assert selectors.wait_minutes(queue, fresh(booked)) == 80


def test_queue_counts_each_state(chamber_day):
    doctor = chamber_day.doctor.user
    chamber_day.book(1, status=Status.CANCELLED)
    done = chamber_day.book(2)
    services.mark_arrived(appointment=done, by=doctor)
    services.call_next(chamber=chamber_day.chamber, by=doctor)
    services.call_next(chamber=chamber_day.chamber, by=doctor)
    chamber_day.book(3)
    services.add_walk_in(chamber=chamber_day.chamber, by=doctor, name="A", mobile="+8801712345678")

    counts = selectors.chamber_queue(chamber_day.chamber).counts()

    assert counts == {
        "booked": 1,
        "arrived": 1,
        "in_consultation": 0,
        "done": 1,
        "no_show": 0,
        "cancelled": 1,
    }


def test_walk_in_fee_is_the_chambers(chamber_day):
    chamber_day.chamber.fee = Decimal("500")
    chamber_day.chamber.save()

    walk_in = services.add_walk_in(
        chamber=chamber_day.chamber, by=chamber_day.doctor.user, name="A", mobile="+8801712345678"
    )

    assert walk_in.fee == Decimal("500")
