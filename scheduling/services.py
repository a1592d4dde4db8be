"""Writes that carry the scheduling rules: booking, chamber hours, time off."""

import secrets
from datetime import datetime, timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext, gettext_lazy
from django.utils.translation import gettext as _

from accounts import audit
from accounts import services as account_services
from accounts.models import DoctorProfile, User
from appion import clinic_calendar
from appion.l10n import local_date, local_digits
from scheduling import live, notifications, selectors
from scheduling.models import (
    Appointment,
    AppointmentEvent,
    Chamber,
    ChamberHours,
    LateNotice,
    Payment,
    QueueState,
    ScheduleSettings,
    TimeOff,
    VisitNotes,
)
from scheduling.selectors import (
    bump_slots_version,
    chamber_clashes,
    find_free_slot,
    is_slot_start,
    listed_doctors,
    next_free_slots,
    settings_for,
    slot_is_taken,
)


class BookingError(Exception):
    """A booking or status change was refused; the message is safe to show to the user.
    `code` says which kind of refusal it is: FORBIDDEN when this user may never do it
    (the wrong role or party), CONFLICT when the appointment's state, its time or a
    taken slot stands in the way (the API answers 403 and 409)."""

    CONFLICT = "conflict"
    FORBIDDEN = "forbidden"

    def __init__(self, message, *, slot_taken=False, code=CONFLICT):
        super().__init__(message)
        self.message = message
        self.slot_taken = slot_taken
        self.code = code


SLOT_TAKEN = gettext_lazy("This slot was just taken — please pick another.")
NOT_A_SLOT = gettext_lazy("This time is not one of the doctor's slots. Please pick another.")
NO_LONGER_FREE = gettext_lazy("That time is not a free slot any more. Please pick another.")


def slot_refusal(*, doctor, start: datetime):
    """Why `start`, which is not a free slot of `doctor`, cannot be booked: another
    booking holds it (SLOT_TAKEN), it never was one of the doctor's slots (NOT_A_SLOT), or
    it no longer is free: past, inside the minimum notice, on leave, or overlapped by a
    booking after the slot length changed (NO_LONGER_FREE)."""
    if slot_is_taken(doctor, start):
        return SLOT_TAKEN
    if not is_slot_start(doctor, start):
        return NOT_A_SLOT
    return NO_LONGER_FREE


def book_appointment(
    *,
    patient,
    doctor,
    start: datetime,
    symptoms="",
    notes="",
    now=None,
    notify=True,
    prepaid=None,
) -> Appointment:
    """Book the free slot of `doctor` that starts at `start` for `patient`.

    Guarantees: only an active patient books, never with themself; the slot is a current
    free slot (on the grid, in chamber hours, not past or inside the minimum notice, not
    on leave, within the booking window, not taken); neither the doctor nor the patient
    ends up with two overlapping active appointments, also under concurrent requests (on
    PostgreSQL the exclusion constraints decide a race; on SQLite the IMMEDIATE
    transaction serialises bookings). The appointment is at the chamber whose session
    holds the slot. The serial is the slot's position in that chamber's sessions of the
    day unless an active appointment there that day holds it (booked before a change of
    slot length or hours), then the one after the day's highest (selectors.next_serial);
    no two active appointments of a chamber share one on a day, also under concurrent
    bookings (they wait for each other). The fee is copied from the chamber when it has
    its own, else from the doctor. At an online chamber the appointment gets its own
    video room (new_video_room). The creation
    is recorded as the first event and in the audit log; the patient and the doctor are
    notified (scheduling.notifications.booked: written to the outbox in this
    transaction, sent by the worker) unless notify=False.
    At a chamber that takes an advance online (Chamber.advance) the appointment is
    AWAITING_PAYMENT: it holds the slot until `hold_until` (APPION_PAYMENT_HOLD_MINUTES)
    with a started Payment, and nobody is told until it is paid
    (scheduling.payments). `prepaid`, a paid Payment (a reschedule's), moves to the new
    appointment instead.
    Raises BookingError and writes nothing otherwise."""
    if patient.role != User.Role.PATIENT or not patient.is_active:
        raise BookingError(_("Only patients can book appointments."), code=BookingError.FORBIDDEN)
    if doctor.user_id == patient.pk:
        raise BookingError(
            _("You cannot book an appointment with yourself."), code=BookingError.FORBIDDEN
        )
    if not doctor.is_verified or not doctor.user.is_active:
        raise BookingError(_("This doctor is not taking bookings."))
    if timezone.is_naive(start):
        start = timezone.make_aware(start)
    schedule = settings_for(doctor)
    now = now or timezone.now()
    release_holds(doctor=doctor, now=now)

    try:
        with transaction.atomic():
            # One booking of a doctor at a time: the serial is read from the day's
            # bookings (the slot's position, or the one after the day's highest), and
            # two bookings of one day must not both take the same next number. The
            # unique constraint would refuse the second; the lock makes it wait and read
            # the first one's serial instead. (FOR NO KEY UPDATE: the appointments'
            # foreign keys still check the row. SQLite ignores it: its IMMEDIATE
            # transactions already serialise bookings.)
            DoctorProfile.objects.select_for_update(no_key=True).filter(pk=doctor.pk).exists()
            slot = find_free_slot(doctor, start, now=now)
            if slot is None:
                raise BookingError(slot_refusal(doctor=doctor, start=start), slot_taken=True)
            clash = (
                Appointment.objects.active()
                .filter(
                    patient=patient,
                    start__lt=slot.end,
                    end__gt=slot.start,
                )
                .exists()
            )
            if clash:
                raise BookingError(
                    _("You already have an appointment at this time."),
                )
            status = (
                Appointment.Status.CONFIRMED
                if schedule.auto_confirm
                else Appointment.Status.PENDING
            )
            chamber = Chamber.objects.select_related("doctor").get(pk=slot.chamber_id)
            chamber_fee, online = chamber.fee, chamber.is_online
            fee = doctor.consultation_fee if chamber_fee is None else chamber_fee
            advance = None if prepaid is not None else chamber.advance_for(fee)
            if advance is not None:
                status = Appointment.Status.AWAITING_PAYMENT
            appointment = Appointment.objects.create(
                doctor=doctor,
                chamber_id=slot.chamber_id,
                patient=patient,
                start=slot.start,
                end=slot.end,
                serial=slot.serial,
                status=status,
                fee=fee,
                symptoms=symptoms.strip(),
                notes=notes.strip(),
                video_room=new_video_room() if online else "",
                hold_until=now + timedelta(minutes=settings.APPION_PAYMENT_HOLD_MINUTES)
                if advance is not None
                else None,
            )
            AppointmentEvent.objects.create(
                appointment=appointment, actor=patient, from_status="", to_status=status
            )
            _audit_status(appointment, by=patient, previous="")
            if advance is not None:
                Payment.objects.create(
                    appointment=appointment, tran_id=new_tran_id(), amount=advance
                )
            elif prepaid is not None:
                Payment.objects.filter(pk=prepaid.pk).update(appointment=appointment)
            if notify and advance is None:
                notifications.booked(appointment)
    except IntegrityError:
        # The exclusion constraint refused an overlap: another booking won the race.
        raise BookingError(SLOT_TAKEN, slot_taken=True) from None

    refresh_after_commit(doctor)
    live.bookings_changed(
        doctor_id=doctor.pk, day=appointment.date, chamber_id=appointment.chamber_id
    )
    return appointment


def new_tran_id() -> str:
    """Our id of a payment at the gateway: unguessable (it alone identifies the payment
    on the gateway's return), short enough for every gateway."""
    return f"APN{secrets.token_hex(12).upper()}"


def release_holds(*, doctor=None, now=None) -> int:
    """Release the slots of appointments whose advance was not paid in time: each
    becomes cancelled ("Payment not completed in time", with history) and its started
    payment expired. For one doctor (whenever their slots are asked for) or all (the
    worker's round). Returns how many were released."""
    now = now or timezone.now()
    expired = Appointment.objects.filter(
        status=Status.AWAITING_PAYMENT, hold_until__lte=now
    ).order_by("pk")
    if doctor is not None:
        expired = expired.filter(doctor=doctor)
    released = 0
    for appointment_id in expired.values_list("pk", flat=True)[:500]:
        with transaction.atomic():
            appointment = (
                Appointment.objects.select_for_update(of=("self",))
                .filter(pk=appointment_id, status=Status.AWAITING_PAYMENT, hold_until__lte=now)
                .first()
            )
            if appointment is None:
                continue  # paid or released meanwhile
            change_status(
                appointment=appointment,
                to=Status.CANCELLED,
                by=None,
                reason=gettext_lazy("Payment not completed in time"),
                now=now,
                notify=False,
            )
            Payment.objects.filter(appointment=appointment, state=Payment.State.STARTED).update(
                state=Payment.State.EXPIRED
            )
            released += 1
    return released


def new_video_room() -> str:
    """A video room name no one can guess (128 random bits): the room's address is all
    it takes to join a Jitsi Meet call."""
    return f"Appion-{secrets.token_urlsafe(16)}"


@transaction.atomic
def register_doctor(*, email, password, data):
    """Register a doctor, the one way: the account and profile, not yet verified
    (accounts.services.create_account), and their first chamber (name, address and the
    thana chosen) with the sessions from `data["chamber_hours"]` on Saturday to
    Thursday, with the default booking rules. `data` holds the cleaned fields of
    forms.DoctorRegistrationForm. Raises accounts.services.AccountError, creating
    nothing, when the email, mobile or licence is taken."""
    user = account_services.create_account(
        role=User.Role.DOCTOR, email=email, password=password, data=data
    )
    doctor = user.doctor_profile
    chamber = Chamber.objects.create(
        doctor=doctor,
        name=(data.get("chamber_name") or "").strip() or _("Chamber"),
        address=data.get("chamber_address", "").strip(),
        thana=data.get("thana"),
    )
    ranges = data.get("chamber_hours") or []
    save_schedule_settings(doctor=doctor)
    _replace_sessions(chamber, dict.fromkeys(clinic_calendar.WORKING_WEEK, ranges))
    refresh_after_commit(doctor)
    return user


def save_schedule_settings(*, doctor, **values) -> ScheduleSettings:
    """Create or update the doctor's booking rules."""
    schedule, _created = ScheduleSettings.objects.update_or_create(doctor=doctor, defaults=values)
    return schedule


@transaction.atomic
def save_schedule(*, doctor, **rules) -> ScheduleSettings:
    """Save the doctor's booking rules (slot length, window, notice, cut-off,
    auto-confirm). Existing appointments are kept as they are."""
    schedule = save_schedule_settings(doctor=doctor, **rules)
    refresh_after_commit(doctor)
    return schedule


class ChamberError(Exception):
    """A chamber change was refused; the message is safe to show to the doctor."""

    def __init__(self, message, field=None):
        super().__init__(message)
        self.message = message
        self.field = field


CHAMBER_FIELDS = ("name", "is_online", "address", "thana", "phone", "map_url", "fee")
# How its patients pay (issue #21): kept as they are when `data` leaves them out.
ADVANCE_FIELDS = ("advance", "advance_amount", "refund_on_patient_cancel")


def _replace_sessions(chamber, week):
    for weekday, ranges in week.items():
        ChamberHours.objects.filter(chamber=chamber, weekday=weekday).delete()
        ChamberHours.objects.bulk_create(
            ChamberHours(
                doctor_id=chamber.doctor_id,
                chamber=chamber,
                weekday=weekday,
                start=start,
                end=end,
            )
            for start, end in ranges
        )


@transaction.atomic
def save_chamber(*, doctor, data: dict, week: dict, chamber=None) -> Chamber:
    """Create a chamber of `doctor` (chamber=None) or update `chamber`, which must be
    theirs, from `data` (CHAMBER_FIELDS, cleaned by forms.ChamberForm), and replace its
    sessions of every weekday in `week` ({weekday: [(start, end), ...]}; an empty list
    closes that day). Each session's doctor is the chamber's. Guarantees that no session
    overlaps one of the doctor's sessions at another chamber (a doctor is in one place at
    a time), also when two saves race (the doctor's row is locked). Existing
    appointments are kept as they are. An online chamber (`is_online`) keeps no address,
    thana or map link; a chamber turns online or back only while it has no appointment
    still to come (its patients booked the other kind of visit). Raises ChamberError,
    saving nothing, otherwise."""
    if chamber is not None and chamber.doctor_id != doctor.pk:
        raise ChamberError(_("This is not your chamber."))
    # One chamber save of a doctor at a time: the overlap check reads the other
    # chambers' sessions, which a concurrent save could be changing; a booking waits
    # for it too (book_appointment locks the same row), so no appointment slips in
    # while a chamber turns online.
    DoctorProfile.objects.select_for_update(no_key=True).filter(pk=doctor.pk).exists()
    online = bool(data.get("is_online"))
    if (
        chamber is not None
        and chamber.is_online != online
        and Appointment.objects.active().filter(chamber=chamber, end__gt=timezone.now()).exists()
    ):
        message = (
            _(
                "%(chamber)s has appointments still to come that patients booked as visits "
                "in person. Add a separate chamber for online consultations, or change this "
                "one when those appointments are over."
            )
            if online
            else _(
                "%(chamber)s has online consultations still to come. Add a separate chamber "
                "for visits in person, or change this one when those appointments are over."
            )
        )
        raise ChamberError(message % {"chamber": chamber.name}, field="is_online")
    clashes = chamber_clashes(doctor=doctor, week=week, chamber=chamber)
    if clashes:
        raise ChamberError(clashes[0])
    name = data["name"].strip()
    if (
        Chamber.objects.filter(doctor=doctor, name__iexact=name)
        .exclude(pk=getattr(chamber, "pk", None))
        .exists()
    ):
        raise ChamberError(_("You already have a chamber with this name."), field="name")
    if chamber is None:
        last = Chamber.objects.filter(doctor=doctor).order_by("-position").first()
        chamber = Chamber(doctor=doctor, position=last.position + 1 if last else 0)
    for field in CHAMBER_FIELDS:
        setattr(chamber, field, data.get(field))
    for field in ADVANCE_FIELDS:
        if field in data:
            setattr(chamber, field, data[field])
    if chamber.advance != "fixed":
        chamber.advance_amount = None
    chamber.name = name
    chamber.is_online = online
    chamber.address = "" if online else (data.get("address") or "").strip()
    chamber.thana = None if online else data.get("thana")
    chamber.phone = data.get("phone") or ""
    chamber.map_url = "" if online else (data.get("map_url") or "")
    chamber.save()
    _replace_sessions(chamber, week)
    refresh_after_commit(doctor)
    return chamber


@transaction.atomic
def delete_chamber(*, chamber, now=None) -> None:
    """Delete `chamber` with its sessions. Refused (ChamberError, nothing deleted) while
    it has active appointments still to come, when appointments in its history need it
    (they keep their chamber), and for the doctor's only chamber."""
    now = now or timezone.now()
    doctor = chamber.doctor
    DoctorProfile.objects.select_for_update(no_key=True).filter(pk=doctor.pk).exists()
    appointments = Appointment.objects.filter(chamber=chamber)
    if appointments.active().filter(end__gt=now).exists():
        raise ChamberError(
            _(
                "%(chamber)s has appointments still to come. Cancel or move them first; "
                "to stop new bookings, clear its weekly sessions."
            )
            % {"chamber": chamber.name}
        )
    if appointments.exists():
        raise ChamberError(
            _(
                "%(chamber)s cannot be removed: past appointments were there, and their "
                "history keeps it. To stop new bookings, clear its weekly sessions."
            )
            % {"chamber": chamber.name}
        )
    if not Chamber.objects.filter(doctor=doctor).exclude(pk=chamber.pk).exists():
        raise ChamberError(_("You need at least one chamber."))
    chamber.delete()
    refresh_after_commit(doctor)


def appointments_during(*, doctor, start_date, end_date, chamber=None):
    """The doctor's pending and confirmed appointments on the days start_date..end_date,
    at `chamber` only when one is given."""
    appointments = (
        Appointment.objects.between(start_date, end_date)
        .filter(
            doctor=doctor,
            status__in=(Appointment.Status.PENDING, Appointment.Status.CONFIRMED),
        )
        .select_related("patient", "chamber")
        .order_by("start")
    )
    return appointments.filter(chamber=chamber) if chamber is not None else appointments


@transaction.atomic
def add_time_off(*, doctor, start_date, end_date, reason="", chamber=None) -> TimeOff:
    """Record days off, at every chamber of the doctor or at `chamber` (theirs) only. No
    new bookings can be made there on them; appointments already booked stay until the
    doctor cancels them (see cancel_for_time_off)."""
    if chamber is not None and chamber.doctor_id != doctor.pk:
        raise ChamberError(_("This is not your chamber."))
    leave = TimeOff.objects.create(
        doctor=doctor,
        chamber=chamber,
        start_date=start_date,
        end_date=end_date,
        reason=reason.strip(),
    )
    refresh_after_commit(doctor)
    live.bookings_changed(doctor_id=doctor.pk, day=start_date)
    return leave


@transaction.atomic
def remove_time_off(*, time_off) -> None:
    """Delete a time off: its days become bookable again."""
    doctor = time_off.doctor
    time_off.delete()
    refresh_after_commit(doctor)
    live.bookings_changed(doctor_id=doctor.pk, day=time_off.start_date)


def cancel_for_time_off(*, time_off, by, message) -> int:
    """Cancel every pending or confirmed appointment on the days of `time_off`, in one
    transaction, telling each patient `message` (notified in that transaction). Returns
    how many were cancelled."""
    with transaction.atomic():
        appointments = list(
            appointments_during(
                doctor=time_off.doctor,
                start_date=time_off.start_date,
                end_date=time_off.end_date,
                chamber=time_off.chamber,
            ).select_for_update(of=("self",))
        )
        for appointment in appointments:
            cancel_appointment(appointment=appointment, by=by, reason=message)
    return len(appointments)


Status = Appointment.Status

# The only moves an appointment's status can make.
TRANSITIONS = Appointment.TRANSITIONS


def _role_in(appointment, user):
    if user.is_staff:
        return "staff"
    if appointment.doctor.user_id == user.pk:
        return "doctor"
    if appointment.patient_id == user.pk:
        return "patient"
    return None


def check_transition(*, appointment, to, by, now=None, paid=False) -> None:
    """Raise BookingError with a clear message unless `by` may move `appointment` to
    status `to` now. Pending → confirmed → completed | no_show; pending | confirmed →
    cancelled. The doctor (or staff) confirms, completes and marks no-shows, the last
    two only once the visit has begun: its time has come, or the day's queue has called
    the patient in (a chamber ahead of time sees its serials early); the patient may
    only cancel, and only before the doctor's cancellation cut-off; the doctor and staff
    may cancel at any time. An appointment awaiting its advance moves on to pending or
    confirmed only when paid (`paid`, the payment service, `by` None); it is cancelled
    by its patient, doctor or staff at any time, or by the system (`by` None) when the
    payment fails or its hold runs out."""
    now = now or timezone.now()
    current = appointment.status
    if to not in TRANSITIONS.get(current, ()):
        raise BookingError(
            _("A %(current)s appointment cannot become %(to)s.")
            % {
                "current": Status(current).label.lower(),
                "to": Status(to).label.lower(),
            }
        )
    if current == Status.AWAITING_PAYMENT:
        if to != Status.CANCELLED and not paid:
            raise BookingError(_("This booking waits for its advance to be paid online."))
        if by is None or to != Status.CANCELLED:
            return
        if _role_in(appointment, by) is None:
            raise BookingError(_("This is not your appointment."), code=BookingError.FORBIDDEN)
        return
    if by is None:
        raise BookingError(_("This is not your appointment."), code=BookingError.FORBIDDEN)
    role = _role_in(appointment, by)
    if role is None:
        raise BookingError(_("This is not your appointment."), code=BookingError.FORBIDDEN)
    if to == Status.CANCELLED:
        if role == "patient":
            cutoff = appointment.start - timedelta(
                minutes=settings_for(appointment.doctor).cancellation_cutoff_minutes
            )
            if now >= cutoff:
                raise BookingError(
                    _(
                        "It is too late to cancel online: the chamber takes cancellations "
                        "until %(cutoff)s. Please call the chamber."
                    )
                    % {"cutoff": local_date(cutoff, "j M Y H:i")}
                )
        return
    if role == "patient":
        raise BookingError(_("Only the doctor's chamber can do this."), code=BookingError.FORBIDDEN)
    begun = now >= appointment.start or appointment.called_at is not None
    if to in (Status.COMPLETED, Status.NO_SHOW) and not begun:
        raise BookingError(_("A visit can be marked only once its time has begun."))


# The appointment page's buttons and the status each one asks for.
ACTIONS = {
    "cancel": Status.CANCELLED,
    "confirm": Status.CONFIRMED,
    "complete": Status.COMPLETED,
    "no_show": Status.NO_SHOW,
}


def permitted_actions(*, appointment, by, now=None) -> dict[str, bool]:
    """{action: whether `by` may take it on `appointment` now} for each of ACTIONS, as
    check_transition decides."""
    permitted = {}
    for action, status in ACTIONS.items():
        try:
            check_transition(appointment=appointment, to=status, by=by, now=now)
        except BookingError:
            permitted[action] = False
        else:
            permitted[action] = True
    return permitted


def _audit_status(appointment, *, by, previous):
    """Record a status change in the audit log too, which adds the client's address to
    what the AppointmentEvent holds (never the reason: it may describe the patient)."""
    audit.record(
        audit.Action.APPOINTMENT_STATUS,
        user=by,
        target=appointment,
        detail={"from": previous, "to": appointment.status},
    )


def change_status(
    *, appointment, to, by, reason="", now=None, notify=True, paid=False, refund=True
) -> Appointment:
    """Move `appointment` to status `to` on behalf of `by`, if check_transition allows
    it, and record the change as an AppointmentEvent (who, when, from, to, reason) and in
    the audit log (with the client's address). The row is locked, so two concurrent
    changes cannot both apply. The other side is notified in the same transaction
    (scheduling.notifications.status_changed: the outbox, sent by the worker; a failing
    mail server or SMS gateway never undoes the change), unless notify=False."""
    with transaction.atomic():
        appointment = (
            Appointment.objects.select_for_update(of=("self",))
            .select_related("doctor__user", "patient")
            .get(pk=appointment.pk)
        )
        check_transition(appointment=appointment, to=to, by=by, now=now, paid=paid)
        previous = appointment.status
        appointment.status = to
        appointment.save(update_fields=["status", "updated_at"])
        AppointmentEvent.objects.create(
            appointment=appointment,
            actor=by,
            from_status=previous,
            to_status=to,
            reason=(reason or "").strip()[:500],
        )
        _audit_status(appointment, by=by, previous=previous)
        # Nobody heard of a booking still waiting for its advance: nobody is told.
        if notify and previous != Status.AWAITING_PAYMENT:
            notifications.status_changed(appointment, by=by, reason=reason)
        if to == Status.CANCELLED and refund:
            _refund_if_due(appointment, by=by, now=now)
    if to == Status.CANCELLED:
        refresh_after_commit(appointment.doctor)
    live.appointment_changed(appointment_id=appointment.pk)
    live.bookings_changed(
        doctor_id=appointment.doctor_id, day=appointment.date, chamber_id=appointment.chamber_id
    )
    return appointment


def _refund_if_due(appointment, *, by, now=None):
    """A cancelled appointment with a paid advance: refund it when the doctor, staff or
    the system cancelled, and when the patient did if the chamber refunds them (they can
    cancel only before the cut-off). The refund is marked due here, in the transaction
    of the cancellation, and made through the gateway after the commit (retried by the
    worker while the gateway is down: scheduling.payments.process_refunds)."""
    payment = (
        Payment.objects.select_for_update()
        .filter(appointment=appointment, state=Payment.State.PAID, refund_state="")
        .first()
    )
    if payment is None:
        return
    by_patient = by is not None and by.pk == appointment.patient_id and not by.is_staff
    if by_patient and not appointment.chamber.refund_on_patient_cancel:
        return
    payment.refund_state = Payment.RefundState.DUE
    payment.refund_next_attempt = now or timezone.now()
    payment.save(update_fields=["refund_state", "refund_next_attempt"])

    def refund():
        from scheduling import payments  # it builds on this module

        payments.process_refunds(payment_ids=[payment.pk])

    transaction.on_commit(refund, robust=True)


def cancel_appointment(*, appointment, by, reason="", now=None) -> Appointment:
    """Cancel through change_status (the one code path for cancelling)."""
    return change_status(
        appointment=appointment, to=Status.CANCELLED, by=by, reason=reason, now=now
    )


def reschedule_appointment(*, appointment, start, by, now=None) -> Appointment:
    """Move the patient's appointment to another free slot of the same doctor in one
    step: the old one is cancelled (reason: rescheduled) and the new one booked in the
    same transaction, so the patient ends with exactly one of them — never two, never
    none — also when another patient takes the new slot at the same moment (the
    booking's database rules decide, and the whole step rolls back). The patient and the
    doctor are told of the move in the same transaction. Returns the new appointment;
    raises BookingError otherwise."""
    if by.pk != appointment.patient_id:
        raise BookingError(
            _("Only the patient can reschedule an appointment."), code=BookingError.FORBIDDEN
        )
    with transaction.atomic():
        # A paid advance moves to the new appointment rather than being refunded.
        paid = Payment.objects.filter(
            appointment=appointment, state=Payment.State.PAID, refund_state=""
        ).first()
        old = change_status(
            appointment=appointment,
            to=Status.CANCELLED,
            by=by,
            reason=gettext_lazy("Rescheduled"),
            now=now,
            notify=False,
            refund=False,
        )
        new = book_appointment(
            patient=old.patient,
            doctor=old.doctor,
            start=start,
            symptoms=old.symptoms,
            notes=old.notes,
            now=now,
            notify=False,
            prepaid=paid,
        )
        notifications.rescheduled(old, new)
    return new


def refresh_next_free(*, doctor_ids=None, now=None) -> int:
    """Recompute the stored next free slot (ScheduleSettings.next_free_at) of the given
    doctors, or of every listed doctor, in batches. Doctors without settings get them
    with the defaults. Returns how many doctors were refreshed."""
    doctors = listed_doctors().select_related("schedule_settings").order_by("pk")
    if doctor_ids is not None:
        doctors = doctors.filter(pk__in=list(doctor_ids))
    refreshed = 0
    batch = []
    for doctor in doctors.iterator(chunk_size=500):
        batch.append(doctor)
        if len(batch) == 500:
            refreshed += _store_next_free(batch, now=now)
            batch = []
    return refreshed + _store_next_free(batch, now=now)


def _store_next_free(doctors, *, now=None):
    """Save each doctor's next free slot start as of `now`: one UPDATE for those with
    settings, an INSERT for those without."""
    if not doctors:
        return 0
    slots = next_free_slots(doctors, now=now)
    changed, missing = [], []
    for doctor in doctors:
        slot = slots.get(doctor.pk)
        schedule = settings_for(doctor)
        schedule.next_free_at = slot.start if slot else None
        if schedule.pk is None:
            missing.append(schedule)
        else:
            changed.append(schedule)
    if changed:
        ScheduleSettings.objects.bulk_update(changed, ["next_free_at"])
    if missing:
        ScheduleSettings.objects.bulk_create(missing, ignore_conflicts=True)
    return len(doctors)


def refresh_after_commit(doctor):
    """Once the current transaction commits: refresh the doctor's stored next free slot
    and drop their cached slot lists."""

    def refresh():
        bump_slots_version(doctor.pk)
        refresh_next_free(doctor_ids=[doctor.pk])

    transaction.on_commit(refresh)


def notes_editable(appointment, *, now=None) -> bool:
    """Visit notes can be written once the visit is completed, for 7 days after it."""
    now = now or timezone.now()
    return appointment.status == Status.COMPLETED and now < appointment.end + timedelta(
        days=VisitNotes.EDITABLE_DAYS
    )


@transaction.atomic
def save_visit_notes(*, appointment, by, data, now=None) -> VisitNotes:
    """Write or update the doctor's notes on a completed visit. Only the appointment's
    doctor may, and only for 7 days after the visit; after that they are read-only."""
    if appointment.doctor.user_id != by.pk:
        raise BookingError(
            _("Only the doctor of this visit can write its notes."), code=BookingError.FORBIDDEN
        )
    if not notes_editable(appointment, now=now):
        raise BookingError(
            _("Visit notes can be written on a completed visit, for 7 days after it.")
        )
    notes, _created = VisitNotes.objects.update_or_create(appointment=appointment, defaults=data)
    return notes


# The day's queue at a chamber (issue #17): booked → arrived → in consultation → done,
# or no-show, or cancelled (models.QueueState). Status moves go through change_status
# (its rules, history and audit); the steps that keep the status (arrived, called,
# recalled) are recorded as AppointmentEvents of their kind and in the audit log. Each
# step locks the doctor's row first, as a booking does, so that two taps on "Call next"
# (the doctor's and the assistant's) call two patients one after the other, and a
# walk-in's serial never meets a booking's. Every step announces itself through
# scheduling.live once it commits.

Kind = AppointmentEvent.Kind


def _lock_queue_of(chamber, by):
    """Refuse anyone but the chamber's doctor; then take the doctor's lock."""
    if by is None or not by.is_active or chamber.doctor.user_id != by.pk:
        raise BookingError(
            _("Only the doctor of this chamber can run its queue."), code=BookingError.FORBIDDEN
        )
    DoctorProfile.objects.select_for_update(no_key=True).filter(pk=chamber.doctor_id).exists()


def _queue_entry(appointment, *, by, now):
    """`appointment` locked and read afresh, if it is today's and `by` runs its queue."""
    _lock_queue_of(appointment.chamber, by)
    appointment = (
        Appointment.objects.select_for_update(of=("self",))
        .select_related("doctor__user", "patient", "chamber")
        .get(pk=appointment.pk)
    )
    if appointment.date != clinic_calendar.local_day(now):
        raise BookingError(_("Only today's queue can be changed."))
    return appointment


def _queue_step(appointment, kind, *, by, reason=""):
    """Record a step that keeps the status: history and audit."""
    AppointmentEvent.objects.create(
        appointment=appointment,
        actor=by,
        kind=kind,
        from_status=appointment.status,
        to_status=appointment.status,
        reason=reason,
    )
    audit.record(
        audit.Action.QUEUE_STEP,
        user=by,
        target=appointment,
        detail={"step": kind, "serial": appointment.serial},
    )


def _announce(appointment, *others):
    for changed in (appointment, *others):
        live.appointment_changed(appointment_id=changed.pk)
    live.queue_changed(chamber_id=appointment.chamber_id, day=appointment.date)


def _serial_text(appointment):
    return local_digits(appointment.serial)


def mark_arrived(*, appointment, by, now=None) -> Appointment:
    """Mark today's booked patient as arrived at the chamber: they join the line that
    "call next" takes, by serial. A pending booking is confirmed on the way (the chamber
    has accepted the patient who came). Raises BookingError, changing nothing, when the
    appointment is not today's, not booked (already arrived, called, done, missed,
    cancelled) or `by` is not its doctor."""
    now = now or timezone.now()
    with transaction.atomic():
        appointment = _queue_entry(appointment, by=by, now=now)
        if appointment.queue_state != QueueState.BOOKED:
            raise BookingError(
                _("Serial %(serial)s is not waiting to arrive (now: %(state)s).")
                % {
                    "serial": _serial_text(appointment),
                    "state": appointment.get_queue_state_display().lower(),
                }
            )
        if appointment.status == Status.PENDING:
            appointment = change_status(
                appointment=appointment,
                to=Status.CONFIRMED,
                by=by,
                reason=gettext("Arrived at the chamber"),
                now=now,
                notify=False,
            )
        appointment.arrived_at = now
        appointment.save(update_fields=["arrived_at", "updated_at"])
        _queue_step(appointment, Kind.ARRIVED, by=by)
        _announce(appointment)
    return appointment


def _finish(appointment, *, by, now):
    """Complete the consultation of `appointment` (in consultation): status and end time."""
    appointment = change_status(appointment=appointment, to=Status.COMPLETED, by=by, now=now)
    appointment.finished_at = now
    appointment.save(update_fields=["finished_at", "updated_at"])
    return appointment


def call_next(*, chamber, by, now=None) -> tuple[list, Appointment | None]:
    """The chamber's "call next": the patient in consultation is done, and the waiting
    patient with the lowest serial among those who have arrived is called in. Booked
    patients who have not arrived are skipped and keep their place: once marked arrived,
    the lowest serial goes first again. Returns (those finished, the one called or
    None). Raises BookingError, changing nothing, when nobody is in consultation or
    waiting, or `by` is not the chamber's doctor."""
    now = now or timezone.now()
    day = clinic_calendar.local_day(now)
    with transaction.atomic():
        _lock_queue_of(chamber, by)
        entries = list(
            selectors.queue_appointments(chamber, day)
            .filter(status__in=(Status.PENDING, Status.CONFIRMED))
            .select_for_update(of=("self",))
        )
        current = [e for e in entries if e.queue_state == QueueState.IN_CONSULTATION]
        waiting = [e for e in entries if e.queue_state == QueueState.ARRIVED]
        if not current and not waiting:
            raise BookingError(
                _("Nobody is waiting: mark patients as arrived when they come, then call.")
            )
        finished = [_finish(entry, by=by, now=now) for entry in current]
        called = None
        if waiting:
            called = waiting[0]
            called.called_at = now
            called.save(update_fields=["called_at", "updated_at"])
            _queue_step(called, Kind.CALLED, by=by)
            _tell_the_next(entries, called=called, now=now)
        for changed in [*finished, *([called] if called else [])]:
            live.appointment_changed(appointment_id=changed.pk)
        live.queue_changed(chamber_id=chamber.pk, day=day)
    return finished, called


# How many patients after the one called in are told that their turn is near.
NEAR_AHEAD = 2


def _tell_the_next(entries, *, called, now):
    """Tell the next NEAR_AHEAD patients still to come after `called` (arrived or not
    yet: those not yet at the chamber need it most) that their turn is near, once each
    (near_told_at), in the transaction of the call."""
    to_come = [
        entry
        for entry in entries
        if entry.serial > called.serial
        and entry.queue_state in (QueueState.BOOKED, QueueState.ARRIVED)
    ]
    for entry in to_come[:NEAR_AHEAD]:
        if entry.near_told_at is None:
            notifications.serial_near(entry, now_serving=called.serial)
            entry.near_told_at = now
            entry.save(update_fields=["near_told_at", "updated_at"])


def recall(*, appointment, by, now=None) -> Appointment:
    """Call the patient in consultation again (they did not come in): the screen and
    their phone show the call afresh, and the consultation's time counts from now.
    Raises BookingError, changing nothing, for anyone not called in."""
    now = now or timezone.now()
    with transaction.atomic():
        appointment = _queue_entry(appointment, by=by, now=now)
        if appointment.queue_state != QueueState.IN_CONSULTATION:
            raise BookingError(
                _("Only the patient called in can be called again; serial %(serial)s is not.")
                % {"serial": _serial_text(appointment)}
            )
        appointment.called_at = now
        appointment.save(update_fields=["called_at", "updated_at"])
        _queue_step(appointment, Kind.RECALLED, by=by)
        _announce(appointment)
    return appointment


def finish_consultation(*, appointment, by, now=None) -> Appointment:
    """ "Done": the patient's visit is completed without calling the next one (the end of
    the session, a break). For a patient in consultation the queue records when it
    ended (today's pace); otherwise change_status's rules apply (the visit's time must
    have come). Raises BookingError, changing nothing, otherwise."""
    now = now or timezone.now()
    with transaction.atomic():
        appointment = _queue_entry(appointment, by=by, now=now)
        if appointment.queue_state == QueueState.IN_CONSULTATION:
            appointment = _finish(appointment, by=by, now=now)
        else:
            appointment = change_status(
                appointment=appointment, to=Status.COMPLETED, by=by, now=now
            )
        _announce(appointment)
    return appointment


def mark_no_show(*, appointment, by, now=None) -> Appointment:
    """The patient did not come (or did not come in when called): a no-show, by
    change_status's rules (confirmed, and the visit's time has come or they were
    called). Raises BookingError, changing nothing, otherwise."""
    now = now or timezone.now()
    with transaction.atomic():
        appointment = _queue_entry(appointment, by=by, now=now)
        appointment = change_status(appointment=appointment, to=Status.NO_SHOW, by=by, now=now)
        _announce(appointment)
    return appointment


def add_walk_in(*, chamber, by, name, mobile, now=None) -> Appointment:
    """Add a patient who came to the chamber without booking to today's queue: no
    account, their name and mobile number (already normalised, accounts.mobile), a
    serial after every slot of the chamber's day and every serial given out that day,
    confirmed and arrived at once, at the chamber's fee. Their time is the moment they
    were added: they hold a serial but no slot (free slots and the doctor's overlap rule
    leave walk-ins out). Raises BookingError, adding nothing, when `by` is not the
    chamber's doctor, the name or mobile is empty, or the chamber has no session today."""
    now = now or timezone.now()
    day = clinic_calendar.local_day(now)
    name, mobile = (name or "").strip(), (mobile or "").strip()
    if not name or not mobile:
        raise BookingError(_("Give the walk-in patient's name and mobile number."))
    with transaction.atomic():
        _lock_queue_of(chamber, by)
        queue = selectors.chamber_queue(chamber, day=day, now=now)
        if not queue.sessions:
            raise BookingError(
                _("%(chamber)s has no session today, so there is no queue to join.")
                % {"chamber": chamber.name}
            )
        schedule = settings_for(chamber.doctor)
        slots = selectors.day_grid(queue.sessions, day, schedule.slot_minutes)
        serial = max([len(slots), *(entry.serial for entry in queue.entries)]) + 1
        status = Status.CONFIRMED
        appointment = Appointment.objects.create(
            doctor_id=chamber.doctor_id,
            chamber=chamber,
            patient=None,
            walk_in_name=name[:150],
            walk_in_mobile=mobile[:16],
            start=now,
            end=now + schedule.slot_length,
            serial=serial,
            status=status,
            fee=chamber.effective_fee,
            arrived_at=now,
        )
        AppointmentEvent.objects.create(
            appointment=appointment,
            actor=by,
            from_status="",
            to_status=status,
            reason=gettext("Walk-in at the chamber"),
        )
        _audit_status(appointment, by=by, previous="")
        _queue_step(appointment, Kind.ARRIVED, by=by)
        _announce(appointment)
    return appointment


def set_late_notice(*, chamber, by, minutes: int, reason="", now=None) -> LateNotice:
    """Say that the chamber's session of today runs `minutes` late (0: on time again),
    with a reason that patients and the waiting-room screen see. Raises BookingError,
    changing nothing, when `by` is not the chamber's doctor or the minutes are out of
    range."""
    now = now or timezone.now()
    day = clinic_calendar.local_day(now)
    if not 0 <= minutes <= LateNotice.MAX_MINUTES:
        raise BookingError(
            _("Give the delay in minutes, from 0 to %(max)s.")
            % {"max": local_digits(LateNotice.MAX_MINUTES)}
        )
    with transaction.atomic():
        _lock_queue_of(chamber, by)
        notice, _created = LateNotice.objects.update_or_create(
            chamber=chamber,
            date=day,
            defaults={
                "minutes": minutes,
                "reason": (reason or "").strip()[:200] if minutes else "",
                "updated_by": by,
                "updated_at": now,
            },
        )
        audit.record(
            audit.Action.LATE_NOTICE,
            user=by,
            target=chamber,
            detail={"minutes": minutes, "day": day.isoformat()},
        )
        live.queue_changed(chamber_id=chamber.pk, day=day)
    return notice
