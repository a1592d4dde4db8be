from datetime import timedelta

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator, URLValidator
from django.db import models
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import DoctorProfile
from appion import clinic_calendar


class Weekday(models.IntegerChoices):
    # Python's date.weekday() numbering; the clinic week starts on Saturday in the UI.
    MONDAY = 0, _("Monday")
    TUESDAY = 1, _("Tuesday")
    WEDNESDAY = 2, _("Wednesday")
    THURSDAY = 3, _("Thursday")
    FRIDAY = 4, _("Friday")
    SATURDAY = 5, _("Saturday")
    SUNDAY = 6, _("Sunday")


# Saturday first, as a Bangladeshi week runs (said once, in appion.clinic_calendar).
WEEK_ORDER = clinic_calendar.WEEK_ORDER


BOOKING_WINDOW_MAX_DAYS = 365


class ScheduleSettings(models.Model):
    """A doctor's booking rules. Created with the defaults when first needed."""

    doctor = models.OneToOneField(
        DoctorProfile,
        on_delete=models.CASCADE,
        related_name="schedule_settings",
        verbose_name=_("doctor"),
    )
    slot_minutes = models.PositiveSmallIntegerField(
        _("slot length (minutes)"),
        default=60,
        validators=[MinValueValidator(10), MaxValueValidator(120)],
    )
    booking_window_days = models.PositiveSmallIntegerField(
        _("booking window (days ahead)"),
        default=30,
        validators=[MinValueValidator(1), MaxValueValidator(BOOKING_WINDOW_MAX_DAYS)],
    )
    min_notice_minutes = models.PositiveIntegerField(
        _("minimum notice (minutes)"),
        default=120,
        validators=[MaxValueValidator(7 * 24 * 60)],
    )
    cancellation_cutoff_minutes = models.PositiveIntegerField(
        _("cancellation cut-off (minutes before)"),
        default=180,
        validators=[MaxValueValidator(7 * 24 * 60)],
    )
    auto_confirm = models.BooleanField(_("confirm bookings automatically"), default=False)
    # The start of the doctor's next free slot as last computed (None: none in the
    # window), so that the directory can sort thousands of doctors in the database.
    # Refreshed after every booking, cancellation and schedule change, and for the
    # passing of time by the refresh_next_free command (cron); never by a page view.
    next_free_at = models.DateTimeField(_("next free slot"), null=True, blank=True, editable=False)

    class Meta:
        verbose_name = _("schedule settings")
        verbose_name_plural = _("schedule settings")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(slot_minutes__gte=10, slot_minutes__lte=120),
                name="schedule_slot_minutes_in_range",
            ),
            models.CheckConstraint(
                condition=models.Q(booking_window_days__gte=1, booking_window_days__lte=365),
                name="schedule_window_in_range",
            ),
        ]
        # The directory's default order.
        indexes = [models.Index(fields=["next_free_at"], name="schedule_next_free")]

    def __str__(self):
        return str(self.doctor)

    @property
    def slot_length(self):
        return timedelta(minutes=self.slot_minutes)


class Advance(models.TextChoices):
    """How a chamber's patients pay (Chamber.advance)."""

    NONE = "none", _("At the chamber")
    FIXED = "fixed", _("A fixed advance online")
    FULL = "full", _("The whole fee online")


class Chamber(models.Model):
    """A place where the doctor sees patients: a hospital in the morning, a diagnostic
    centre in the evening. Each has its own weekly sessions (ChamberHours), phone for
    serials, and may charge its own fee. A doctor is never in two chambers at once: their
    sessions never overlap across chambers (services.save_chamber), so a slot belongs to
    exactly one chamber."""

    # Deleting a doctor (only possible without appointments) takes their chambers with
    # them; an appointment keeps its chamber by PROTECT on Appointment.chamber.
    doctor = models.ForeignKey(
        DoctorProfile,
        on_delete=models.CASCADE,
        related_name="chambers",
        verbose_name=_("doctor"),
    )
    name = models.CharField(_("chamber name"), max_length=150)
    # An online chamber is a video consultation room: its patients join from their
    # appointment page (Appointment.video_room), and it has no address, thana or map
    # link (forms.ChamberForm and services.save_chamber leave them empty).
    is_online = models.BooleanField(
        _("online consultations (video)"),
        default=False,
        db_default=False,
        help_text=_(
            "Patients join by video from their appointment page; an online chamber has "
            "no address, area or map link."
        ),
    )
    address = models.CharField(_("address"), max_length=300, blank=True)
    thana = models.ForeignKey(
        "locations.Thana",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="chambers",
        verbose_name=_("thana / upazila"),
    )
    # Stored as +8801XXXXXXXXX (accounts.mobile.normalize_mobile).
    phone = models.CharField(_("phone for serials"), max_length=16, blank=True)
    map_url = models.URLField(
        _("map link"), max_length=500, blank=True, validators=[URLValidator(["http", "https"])]
    )
    fee = models.DecimalField(
        _("fee at this chamber (৳)"),
        max_digits=8,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(0), MaxValueValidator(100000)],
        help_text=_("Leave empty to charge your usual consultation fee."),
    )
    # Paying: at the chamber, or an advance online that holds the serial (issue #21).
    advance = models.CharField(
        _("payment"),
        max_length=8,
        choices=Advance.choices,
        default=Advance.NONE,
        db_default=Advance.NONE,
    )
    advance_amount = models.DecimalField(
        _("advance (৳)"),
        max_digits=8,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(10), MaxValueValidator(100000)],
        help_text=_("For a fixed advance: the amount paid online when booking."),
    )
    refund_on_patient_cancel = models.BooleanField(
        _("refund the advance when the patient cancels in time"),
        default=True,
        db_default=True,
        help_text=_(
            "A cancellation by the doctor or staff is always refunded; this decides for "
            "a patient who cancels before the cut-off."
        ),
    )
    # The order in which the doctor's chambers are shown (then by creation).
    position = models.PositiveSmallIntegerField(_("position"), default=0)
    created_at = models.DateTimeField(_("created"), default=timezone.now)

    class Meta:
        verbose_name = _("chamber")
        verbose_name_plural = _("chambers")
        ordering = ["doctor", "position", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(fee__isnull=True) | models.Q(fee__gte=0, fee__lte=100000),
                name="scheduling_chamber_fee_in_range",
            ),
            models.UniqueConstraint(
                fields=["doctor", "name"],
                name="scheduling_chamber_unique_name",
                violation_error_message=_("You already have a chamber with this name."),
            ),
            models.CheckConstraint(
                condition=~models.Q(advance="fixed") | models.Q(advance_amount__gte=10),
                name="scheduling_chamber_fixed_advance_amount",
                violation_error_message=_("Enter the advance amount (at least ৳10)."),
            ),
            models.CheckConstraint(
                condition=models.Q(is_online=False)
                | models.Q(address="", thana__isnull=True, map_url=""),
                name="scheduling_chamber_online_without_address",
                violation_error_message=_(
                    "An online chamber has no address, area or map link: leave them empty."
                ),
            ),
        ]
        # The few online chambers, for "offers online consultations" (selectors.with_online),
        # asked on every directory and doctor page: without it, a scan of every chamber.
        indexes = [
            models.Index(
                fields=["doctor"], condition=models.Q(is_online=True), name="chamber_online"
            )
        ]

    def __str__(self):
        return self.name

    @property
    def effective_fee(self):
        """The fee a booking here copies: the chamber's own, else the doctor's."""
        return self.fee if self.fee is not None else self.doctor.consultation_fee

    @property
    def advance_for_fee(self):
        """advance_for the fee a booking here copies (templates)."""
        return self.advance_for(self.effective_fee)

    def advance_for(self, fee):
        """The advance a booking here pays online (a Decimal), or None: paid at the
        chamber, or nothing to pay. A fixed advance never exceeds the fee."""
        if self.advance == Advance.FULL:
            amount = fee
        elif self.advance == Advance.FIXED:
            amount = min(self.advance_amount or 0, fee or 0)
        else:
            return None
        return amount if amount and amount > 0 else None

    @property
    def safe_map_url(self):
        """The map link when it is an http(s) address, else "" (never a javascript: one)."""
        url = (self.map_url or "").strip()
        return url if url.lower().startswith(("http://", "https://")) else ""


class ChamberHours(models.Model):
    """One time range of a weekday in which the doctor sees patients at one chamber
    (a session). `doctor` is always the chamber's doctor (services.save_chamber_hours
    keeps them consistent): it lets the free-slot and overlap queries read a doctor's
    sessions without a join."""

    doctor = models.ForeignKey(
        DoctorProfile,
        on_delete=models.CASCADE,
        related_name="chamber_hours",
        verbose_name=_("doctor"),
    )
    chamber = models.ForeignKey(
        Chamber,
        on_delete=models.CASCADE,
        related_name="hours",
        verbose_name=_("chamber"),
    )
    weekday = models.PositiveSmallIntegerField(_("weekday"), choices=Weekday.choices)
    start = models.TimeField(_("from"))
    end = models.TimeField(_("until"))

    class Meta:
        verbose_name = _("chamber hours")
        verbose_name_plural = _("chamber hours")
        ordering = ["doctor", "weekday", "start"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(end__gt=models.F("start")), name="hours_end_after_start"
            ),
            models.CheckConstraint(condition=models.Q(weekday__lte=6), name="hours_weekday_valid"),
            models.UniqueConstraint(
                fields=["doctor", "weekday", "start"], name="hours_unique_start"
            ),
        ]

    def __str__(self):
        return f"{self.get_weekday_display()} {self.start:%H:%M}–{self.end:%H:%M}"


class TimeOff(models.Model):
    """Days on which the doctor sees nobody (leave, travel, a holiday)."""

    doctor = models.ForeignKey(
        DoctorProfile, on_delete=models.CASCADE, related_name="time_off", verbose_name=_("doctor")
    )
    # Empty: the doctor is away from every chamber.
    chamber = models.ForeignKey(
        Chamber,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="time_off",
        verbose_name=_("chamber"),
        help_text=_("Leave empty when you are away from all your chambers."),
    )
    start_date = models.DateField(_("first day"))
    end_date = models.DateField(_("last day"))
    reason = models.CharField(_("reason"), max_length=200, blank=True)
    created_at = models.DateTimeField(_("created"), default=timezone.now)

    class Meta:
        verbose_name = _("time off")
        verbose_name_plural = _("time off")
        ordering = ["doctor", "start_date"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(end_date__gte=models.F("start_date")),
                name="time_off_end_after_start",
            ),
        ]
        # The free-slot computation reads a doctor's leave overlapping a date range.
        indexes = [models.Index(fields=["doctor", "end_date"], name="time_off_doctor_end")]

    def __str__(self):
        return f"{self.start_date} – {self.end_date}"


class AppointmentQuerySet(models.QuerySet):
    """The clinic's words for sets of appointments; days are Asia/Dhaka days
    (appion.clinic_calendar)."""

    def active(self):
        """Those that hold their slot and serial: awaiting payment, pending, confirmed or
        completed."""
        return self.filter(status__in=Appointment.ACTIVE_STATUSES)

    def holding(self, now=None):
        """active() less the holds whose time to pay ran out (not yet released by
        services.release_holds): what a slot list counts as taken. A booking releases
        them first."""
        return self.active().exclude(
            status=Appointment.Status.AWAITING_PAYMENT, hold_until__lte=now or timezone.now()
        )

    def between(self, first, last):
        """Those starting on the local days `first` to `last`, inclusive (one index
        range on `start`)."""
        since, until = clinic_calendar.window(first, last)
        return self.filter(start__gte=since, start__lt=until)

    def on_local_day(self, day):
        """Those starting on the local day `day`."""
        return self.between(day, day)


class QueueState(models.TextChoices):
    """Where an appointment stands in its day's queue at the chamber (issue #17), derived
    from its status and queue times (Appointment.queue_state); never stored."""

    BOOKED = "booked", _("Booked")
    ARRIVED = "arrived", _("Arrived")
    IN_CONSULTATION = "in_consultation", _("In consultation")
    DONE = "done", _("Done")
    NO_SHOW = "no_show", _("No-show")
    CANCELLED = "cancelled", _("Cancelled")


class Appointment(models.Model):
    class Status(models.TextChoices):
        # Holding the slot while the patient pays the chamber's advance online (#21).
        AWAITING_PAYMENT = "awaiting_payment", _("Awaiting payment")
        PENDING = "pending", _("Pending")
        CONFIRMED = "confirmed", _("Confirmed")
        COMPLETED = "completed", _("Completed")
        NO_SHOW = "no_show", _("No-show")
        CANCELLED = "cancelled", _("Cancelled")

    # Statuses that hold a slot: two of these may never overlap for a doctor or a patient.
    ACTIVE_STATUSES = (
        Status.AWAITING_PAYMENT,
        Status.PENDING,
        Status.CONFIRMED,
        Status.COMPLETED,
    )
    # The legal moves (DESIGN.md): pending → confirmed → completed | no_show;
    # pending | confirmed → cancelled. Who may make each is services.check_transition.
    TRANSITIONS = {
        # Paid in time → pending or confirmed (the doctor's auto-confirm); not paid →
        # cancelled (the hold released). Only the payment service moves these.
        Status.AWAITING_PAYMENT: (Status.PENDING, Status.CONFIRMED, Status.CANCELLED),
        Status.PENDING: (Status.CONFIRMED, Status.CANCELLED),
        Status.CONFIRMED: (Status.COMPLETED, Status.NO_SHOW, Status.CANCELLED),
    }

    # No single-column indexes on the two keys: (doctor, start) and (patient, start)
    # below serve every lookup by doctor or patient.
    doctor = models.ForeignKey(
        DoctorProfile,
        on_delete=models.PROTECT,
        related_name="appointments",
        verbose_name=_("doctor"),
        db_index=False,
    )
    # Empty for a walk-in (below): a patient without an account, added at the chamber.
    patient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="appointments",
        verbose_name=_("patient"),
        db_index=False,
    )
    # A walk-in (issue #17): someone the chamber adds to the day's queue in person,
    # with a name and a mobile number and no account. Exactly one of `patient` and
    # `walk_in_name` is set (the constraint below). (db_default: seed_demo COPYs rows
    # without these columns.)
    walk_in_name = models.CharField(
        _("walk-in patient's name"), max_length=150, blank=True, default="", db_default=""
    )
    # Stored as +8801XXXXXXXXX (accounts.mobile.normalize_mobile).
    walk_in_mobile = models.CharField(
        _("walk-in patient's mobile"), max_length=16, blank=True, default="", db_default=""
    )
    # The chamber whose session the slot lies in; the unique serial below serves
    # lookups by chamber.
    chamber = models.ForeignKey(
        Chamber,
        on_delete=models.PROTECT,
        related_name="appointments",
        verbose_name=_("chamber"),
        db_index=False,
    )
    start = models.DateTimeField(_("start"))
    end = models.DateTimeField(_("end"))
    # The start's day in the site's time zone (Asia/Dhaka), filled by save(): the day
    # whose serials the unique constraint below compares.
    date = models.DateField(_("date"), editable=False)
    serial = models.PositiveSmallIntegerField(
        _("serial"),
        help_text=_(
            "The patient's number in the day's queue at the chamber: the slot's position "
            "in that chamber's sessions of the day (1 is first), or the one after the "
            "day's highest when another appointment held that number."
        ),
    )
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.PENDING
    )
    # Until when an appointment awaiting payment holds its slot (services.release_holds).
    hold_until = models.DateTimeField(_("held until"), null=True, blank=True)
    fee = models.DecimalField(
        _("fee (৳)"),
        max_digits=8,
        decimal_places=2,
        help_text=_("The chamber's fee (else the doctor's) when the appointment was booked."),
    )
    symptoms = models.TextField(_("symptoms"), max_length=1000, blank=True)
    notes = models.TextField(_("notes for the doctor"), max_length=1000, blank=True)
    created_at = models.DateTimeField(_("booked at"), default=timezone.now)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)
    # Set in the same UPDATE that claims the reminder, so that it is sent at most once.
    reminder_sent_at = models.DateTimeField(_("reminder sent at"), null=True, blank=True)
    # The day's queue at the chamber (issue #17; scheduling.queue): when the patient was
    # marked arrived, when they were last called in (a recall calls again), and when
    # the consultation ended through the queue. The status says the rest: a called
    # appointment that is still confirmed is in consultation.
    arrived_at = models.DateTimeField(_("arrived at"), null=True, blank=True)
    called_at = models.DateTimeField(_("called in at"), null=True, blank=True)
    finished_at = models.DateTimeField(_("consultation ended at"), null=True, blank=True)
    # When the patient was told that their turn is near (services.call_next), once.
    near_told_at = models.DateTimeField(_("told the turn is near at"), null=True, blank=True)
    # The video room of an appointment at an online chamber, made when it is booked (""
    # for one in person): a secret name, so the room's address is the key to the
    # consultation. Only selectors.video_link hands it out, to the patient and the
    # doctor near the time; no page, email, SMS, feed, report or log shows it otherwise.
    video_room = models.CharField(
        _("video room"), max_length=64, blank=True, editable=False, db_default=""
    )

    objects = AppointmentQuerySet.as_manager()

    class Meta:
        verbose_name = _("appointment")
        verbose_name_plural = _("appointments")
        ordering = ["-start"]
        # On PostgreSQL, migration 0003 adds exclusion constraints: no two active
        # appointments of one doctor, or of one patient, overlap in time.
        constraints = [
            models.CheckConstraint(
                condition=models.Q(end__gt=models.F("start")), name="appointment_end_after_start"
            ),
            models.CheckConstraint(
                condition=models.Q(fee__gte=0), name="appointment_fee_not_negative"
            ),
            # A booked appointment has its patient's account; a walk-in has a name.
            models.CheckConstraint(
                condition=models.Q(patient__isnull=False, walk_in_name="")
                | (models.Q(patient__isnull=True) & ~models.Q(walk_in_name="")),
                name="scheduling_appointment_patient_or_walk_in",
            ),
            # A serial is the patient's number in the day's queue at a chamber: two
            # active appointments of a chamber never share one on a day (all the
            # chamber's sessions of the day share one list). A cancelled one frees it.
            models.UniqueConstraint(
                fields=["chamber", "date", "serial"],
                # ACTIVE_STATUSES, which Meta cannot see.
                condition=models.Q(
                    status__in=["awaiting_payment", "pending", "confirmed", "completed"]
                ),
                name="scheduling_appointment_unique_serial",
                violation_error_message=_(
                    "Another appointment at this chamber on this day has this serial."
                ),
            ),
        ]
        indexes = [
            # Free slots, the agenda and the doctor's report: a doctor's appointments by time.
            models.Index(fields=["doctor", "start"], name="appointment_doctor_start"),
            # My appointments: a patient's appointments by time.
            models.Index(fields=["patient", "start"], name="appointment_patient_start"),
            # Reports and the admin's status filter with its default ordering.
            models.Index(fields=["status", "start"], name="appointment_status_start"),
            models.Index(fields=["-start"], name="appointment_start_desc"),
        ]

    def __str__(self):
        local = timezone.localtime(self.start)
        return f"{self.doctor} · {local:%Y-%m-%d %H:%M} · #{self.serial}"

    def save(self, *args, **kwargs):
        # `date` is derived from `start`, here only, so that no write can forget it.
        self.date = clinic_calendar.local_day(self.start)
        update_fields = kwargs.get("update_fields")
        if update_fields is not None and "start" in update_fields:
            kwargs["update_fields"] = {*update_fields, "date"}
        super().save(*args, **kwargs)

    def get_absolute_url(self):
        return reverse("scheduling:appointment", args=[self.pk])

    @property
    def is_active(self):
        return self.status in self.ACTIVE_STATUSES

    @property
    def is_walk_in(self):
        return self.patient_id is None

    @property
    def patient_name(self):
        """The name to show: the patient's account's, or the walk-in's as typed."""
        return self.walk_in_name if self.patient_id is None else self.patient.full_name

    @property
    def patient_mobile(self):
        return self.walk_in_mobile if self.patient_id is None else (self.patient.mobile or "")

    @property
    def queue_state(self) -> str:
        """booked → arrived → in consultation → done, or no-show, or cancelled: the
        status for the last three, the queue times for the rest (a called appointment
        that is still pending or confirmed is in consultation)."""
        final = {
            self.Status.CANCELLED: QueueState.CANCELLED,
            self.Status.NO_SHOW: QueueState.NO_SHOW,
            self.Status.COMPLETED: QueueState.DONE,
        }
        if self.status in final:
            return final[self.status]
        if self.called_at is not None:
            return QueueState.IN_CONSULTATION
        if self.arrived_at is not None:
            return QueueState.ARRIVED
        return QueueState.BOOKED

    def get_queue_state_display(self):
        return QueueState(self.queue_state).label

    @property
    def is_online(self):
        """Whether this is a video consultation (booked at an online chamber)."""
        return bool(self.video_room)

    @classmethod
    def path_to(cls, status) -> list[str]:
        """The statuses an appointment passes through from booking (pending) to `status`,
        both included, along TRANSITIONS: ["pending", "confirmed", "completed"]."""
        paths = {
            cls.Status.PENDING: [cls.Status.PENDING],
            # Held while the advance is paid: a path of its own (issue #21).
            cls.Status.AWAITING_PAYMENT: [cls.Status.AWAITING_PAYMENT],
        }
        queue = [cls.Status.PENDING]
        while queue:
            current = queue.pop(0)
            for following in cls.TRANSITIONS.get(current, ()):
                if following not in paths:
                    paths[following] = [*paths[current], following]
                    queue.append(following)
        return [str(step) for step in paths[status]]


class AppointmentEvent(models.Model):
    """One step of an appointment's history: its creation, a change of status, or a step
    of the day's queue that leaves the status as it is (arrived, called, recalled), for
    which from_status and to_status both hold the status at the time."""

    class Kind(models.TextChoices):
        STATUS = "status", _("Status change")
        ARRIVED = "arrived", _("Arrived at the chamber")
        CALLED = "called", _("Called in")
        RECALLED = "recalled", _("Called again")

    appointment = models.ForeignKey(
        Appointment, on_delete=models.CASCADE, related_name="events", verbose_name=_("appointment")
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("by"),
    )
    from_status = models.CharField(
        _("from"), max_length=20, choices=Appointment.Status.choices, blank=True
    )
    to_status = models.CharField(_("to"), max_length=20, choices=Appointment.Status.choices)
    reason = models.CharField(_("reason"), max_length=500, blank=True)
    # db_default: seed_demo COPYs history rows without this column.
    kind = models.CharField(
        _("step"), max_length=10, choices=Kind.choices, default=Kind.STATUS, db_default="status"
    )
    created_at = models.DateTimeField(_("when"), default=timezone.now)

    class Meta:
        verbose_name = _("appointment event")
        verbose_name_plural = _("appointment events")
        ordering = ["appointment", "created_at", "pk"]

    def __str__(self):
        if self.kind != self.Kind.STATUS:
            return f"{self.kind} ({self.to_status})"
        return f"{self.from_status or '—'} → {self.to_status}"


class VisitNotes(models.Model):
    """The doctor's notes on a completed visit: the patient's medical history."""

    appointment = models.OneToOneField(
        Appointment,
        on_delete=models.PROTECT,
        related_name="visit_notes",
        verbose_name=_("appointment"),
    )
    diagnosis = models.TextField(_("diagnosis"), max_length=2000, blank=True)
    prescription = models.TextField(_("prescription"), max_length=4000, blank=True)
    advice = models.TextField(_("advice"), max_length=2000, blank=True)
    follow_up_date = models.DateField(_("follow-up date"), null=True, blank=True)
    created_at = models.DateTimeField(_("written"), default=timezone.now)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    # How long after the visit the doctor may still edit the notes.
    EDITABLE_DAYS = 7

    class Meta:
        verbose_name = _("visit notes")
        verbose_name_plural = _("visit notes")

    def __str__(self):
        return str(self.appointment)


class LateNotice(models.Model):
    """ "Running late by N minutes" at a chamber on a day (issue #17): shown on the
    doctor's queue, to each waiting patient and on the waiting-room screen. One per
    chamber and day; 0 minutes means on time again (services.set_late_notice)."""

    MAX_MINUTES = 600

    chamber = models.ForeignKey(
        Chamber, on_delete=models.CASCADE, related_name="late_notices", verbose_name=_("chamber")
    )
    date = models.DateField(_("date"))
    minutes = models.PositiveSmallIntegerField(
        _("running late by (minutes)"), validators=[MaxValueValidator(MAX_MINUTES)]
    )
    # Shown publicly on the waiting-room screen, as typed.
    reason = models.CharField(_("reason"), max_length=200, blank=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("by"),
    )
    updated_at = models.DateTimeField(_("updated"), default=timezone.now)

    class Meta:
        verbose_name = _("late notice")
        verbose_name_plural = _("late notices")
        constraints = [
            # Also the index of the queue pages' lookup (chamber, date).
            models.UniqueConstraint(
                fields=["chamber", "date"], name="scheduling_latenotice_one_per_day"
            ),
            models.CheckConstraint(
                condition=models.Q(minutes__lte=600), name="scheduling_latenotice_minutes_max"
            ),
        ]

    def __str__(self):
        return f"{self.chamber} · {self.date} · +{self.minutes} min"


class Payment(models.Model):
    """An advance paid online for an appointment through the gateway (SSLCommerz;
    scheduling.payments). `tran_id` is ours, sent to the gateway; the gateway's own ids
    are unique too, so one payment is recorded once however often the gateway reports
    it. Never card data: `validation` is the gateway's validation answer without them."""

    class State(models.TextChoices):
        STARTED = "started", _("Started")
        PAID = "paid", _("Paid")
        FAILED = "failed", _("Failed")
        CANCELLED = "cancelled", _("Cancelled by the patient")
        EXPIRED = "expired", _("Expired")

    class RefundState(models.TextChoices):
        NONE = "", _("Not refunded")
        DUE = "due", _("Refund due")
        PROCESSING = "processing", _("Refund in progress")
        REFUNDED = "refunded", _("Refunded")
        FAILED = "failed", _("Refund failed")

    appointment = models.ForeignKey(
        Appointment,
        on_delete=models.PROTECT,
        related_name="payments",
        verbose_name=_("appointment"),
    )
    tran_id = models.CharField(_("our transaction id"), max_length=40, unique=True)
    amount = models.DecimalField(_("amount (৳)"), max_digits=8, decimal_places=2)
    currency = models.CharField(_("currency"), max_length=3, default="BDT")
    state = models.CharField(
        _("state"), max_length=10, choices=State.choices, default=State.STARTED
    )
    gateway = models.CharField(_("gateway"), max_length=12, default="sslcommerz")
    method = models.CharField(_("method"), max_length=60, blank=True)
    val_id = models.CharField(_("validation id"), max_length=80, null=True, blank=True, unique=True)
    bank_tran_id = models.CharField(
        _("gateway transaction id"), max_length=80, null=True, blank=True, unique=True
    )
    validation = models.JSONField(_("validation answer"), default=dict, blank=True)
    created_at = models.DateTimeField(_("started"), default=timezone.now, db_index=True)
    paid_at = models.DateTimeField(_("paid"), null=True, blank=True)
    refund_state = models.CharField(
        _("refund"), max_length=10, choices=RefundState.choices, default="", blank=True
    )
    refund_ref_id = models.CharField(_("refund reference"), max_length=80, blank=True)
    refunded_at = models.DateTimeField(_("refunded"), null=True, blank=True)
    refund_attempts = models.PositiveSmallIntegerField(_("refund attempts"), default=0)
    refund_next_attempt = models.DateTimeField(_("next refund attempt"), null=True, blank=True)
    refund_error = models.CharField(_("last refund error"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("payment")
        verbose_name_plural = _("payments")
        ordering = ["-created_at", "-pk"]
        indexes = [
            models.Index(fields=["state", "paid_at"], name="scheduling_payment_state"),
            models.Index(
                fields=["refund_next_attempt"],
                name="scheduling_payment_refund_due",
                condition=models.Q(refund_state__in=["due", "processing"]),
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(amount__gt=0), name="scheduling_payment_amount_positive"
            ),
            # One paid advance per appointment.
            models.UniqueConstraint(
                fields=["appointment"],
                condition=models.Q(state="paid"),
                name="scheduling_payment_one_paid",
            ),
        ]

    def __str__(self):
        return f"{self.tran_id} · ৳{self.amount} · {self.get_state_display()}"
