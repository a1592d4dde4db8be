from datetime import date, datetime, timedelta
from decimal import Decimal, InvalidOperation

from django import forms
from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.forms import DateInput, DoctorFieldsForm, MobileField, RegistrationMixin
from accounts.models import Specialization
from appion import clinic_calendar
from appion.l10n import local_date, local_digits
from locations.forms import LocationFieldsMixin
from locations.models import District, Division, Thana
from scheduling import selectors, services
from scheduling.hours import OUTSIDE_BUSINESS_HOURS, check_ranges, format_ranges, parse_ranges
from scheduling.models import (
    BOOKING_WINDOW_MAX_DAYS,
    WEEK_ORDER,
    Advance,
    ScheduleSettings,
    VisitNotes,
    Weekday,
)
from scheduling.selectors import business_hours

TIME_OFF_REACH_DAYS = 2 * 366
HOURS_HELP = _("Time ranges separated by commas, e.g. 09:00-12:00,14:00-17:00. Empty: closed.")


# What a new slot length (or new hours) does to days already booked: the rule of
# selectors.next_serial, in the doctor's words.
SLOT_LENGTH_HELP = _(
    "A new slot length or new hours apply to new bookings only: booked appointments keep "
    "their times and serial numbers. On a day that already has bookings, a new booking "
    "gets its slot's position as its serial if no one holds that number, otherwise the "
    "one after the day's highest."
)


class WeeklySessionsMixin(forms.Form):
    """The weekly grid of a chamber: one field of time ranges per weekday and a quick
    field that applies one set of ranges to chosen weekdays. `cleaned_data["week"]` is
    {weekday: [(start, end), ...]} for every weekday. Ranges must lie in the business
    hours and hold one slot of `slot_minutes`."""

    quick_hours = forms.CharField(
        label=_("Quick entry"),
        required=False,
        max_length=200,
        help_text=_("e.g. 09:00-12:00,14:00-17:00, applied to the weekdays ticked below."),
    )
    quick_days = forms.TypedMultipleChoiceField(
        label=_("Apply the quick entry to"),
        required=False,
        coerce=int,
        choices=[(day, Weekday(day).label) for day in WEEK_ORDER],
        widget=forms.CheckboxSelectMultiple,
    )

    def __init__(self, *args, current_hours=None, slot_minutes=60, **kwargs):
        super().__init__(*args, **kwargs)
        self.slot_minutes = slot_minutes
        current_hours = current_hours or {}
        for day in WEEK_ORDER:
            name = f"day_{day}"
            self.fields[name] = forms.CharField(
                label=Weekday(day).label,
                required=False,
                max_length=200,
                initial=format_ranges(current_hours.get(day, [])),
                widget=forms.TextInput(attrs={"placeholder": _("closed")}),
            )

    def day_fields(self):
        return [self[f"day_{day}"] for day in WEEK_ORDER]

    def business_hours_note(self):
        """What the doctor should know before typing: the site's business hours."""
        opening, closing = business_hours()
        return BUSINESS_HOURS_NOTE % {
            "opening": local_digits(f"{opening:%H:%M}"),
            "closing": local_digits(f"{closing:%H:%M}"),
        }

    def _refuse(self, name, error):
        """Add `error` to the field `name`, saying who sets the business hours when a
        range lies outside them."""
        self.add_error(name, error)
        if any(e.code == OUTSIDE_BUSINESS_HOURS for e in error.error_list):
            self.add_error(name, BUSINESS_HOURS_SET_BY)

    def clean(self):
        cleaned = super().clean()
        slot_minutes = self.slot_minutes
        week = {}
        for day in WEEK_ORDER:
            name = f"day_{day}"
            try:
                ranges = parse_ranges(cleaned.get(name, ""))
                check_ranges(ranges, slot_minutes)
            except ValidationError as error:
                self._refuse(name, error)
                continue
            week[day] = ranges
        quick = cleaned.get("quick_hours", "")
        quick_days = cleaned.get("quick_days") or []
        if quick.strip():
            if not quick_days:
                self.add_error("quick_days", _("Choose the weekdays the quick entry is for."))
            try:
                ranges = parse_ranges(quick)
                check_ranges(ranges, slot_minutes)
            except ValidationError as error:
                self._refuse("quick_hours", error)
            else:
                for day in quick_days:
                    week[day] = ranges
        elif quick_days:
            self.add_error("quick_hours", _("Enter the hours for the chosen weekdays."))
        cleaned["week"] = week
        return cleaned


BUSINESS_HOURS_SET_BY = _(
    "The site's administrator sets the business hours; ask them for wider ones if your "
    "sessions run later."
)
BUSINESS_HOURS_NOTE = _(
    "Sessions must lie between %(opening)s and %(closing)s, the site's business hours; "
    "the site's administrator sets them."
)


class ScheduleForm(forms.ModelForm):
    """The doctor's booking rules; the weekly sessions are on each chamber's page."""

    class Meta:
        model = ScheduleSettings
        fields = [
            "slot_minutes",
            "booking_window_days",
            "min_notice_minutes",
            "cancellation_cutoff_minutes",
            "auto_confirm",
        ]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["slot_minutes"].widget.attrs.update({"min": 10, "max": 120, "step": 5})
        self.fields["slot_minutes"].help_text = SLOT_LENGTH_HELP


class ChamberForm(LocationFieldsMixin, WeeklySessionsMixin, forms.Form):
    """A chamber of the doctor and its weekly sessions (services.save_chamber). A session
    that overlaps the doctor's hours at another chamber is refused, naming it."""

    location_required = True

    name = forms.CharField(label=_("Chamber name"), max_length=150)
    is_online = forms.BooleanField(
        label=_("Online consultations (video)"),
        required=False,
        help_text=_(
            "Patients booked here join a video call from their appointment page. An "
            "online chamber needs no address, area or map link: any you fill in are "
            "left out."
        ),
    )
    address = forms.CharField(
        label=_("Address"),
        max_length=300,
        required=False,
        help_text=_("Required unless the chamber is online."),
    )
    phone = MobileField(
        label=_("Phone for serials"),
        required=False,
        help_text=_("The mobile number patients call for a serial, e.g. 01712345678."),
    )
    map_url = forms.URLField(
        label=_("Map link"),
        required=False,
        max_length=500,
        assume_scheme="https",
        validators=[URLValidator(schemes=["http", "https"])],
        help_text=_("Optional: a Google Maps (or other) link starting with https://."),
    )
    fee = forms.DecimalField(
        label=_("Fee at this chamber (৳)"),
        required=False,
        min_value=Decimal(0),
        max_value=Decimal(100000),
        max_digits=8,
        decimal_places=2,
        help_text=_("Leave empty to charge your usual consultation fee."),
    )

    advance = forms.ChoiceField(
        label=_("Payment"),
        choices=Advance.choices,
        initial=Advance.NONE,
        required=False,
        help_text=_(
            "An advance paid online (bKash, Nagad, card) holds the patient's serial; "
            "until it is paid the slot is held for a few minutes only."
        ),
    )
    advance_amount = forms.DecimalField(
        label=_("Advance (৳)"),
        required=False,
        min_value=Decimal(10),
        max_value=Decimal(100000),
        max_digits=8,
        decimal_places=2,
        help_text=_("For a fixed advance: the amount paid online, e.g. 200."),
    )
    refund_on_patient_cancel = forms.BooleanField(
        label=_("Refund the advance when the patient cancels before the cut-off"),
        required=False,
        initial=True,
        help_text=_("A cancellation by you or by Appion's staff is always refunded."),
    )

    field_order = [
        *("name", "is_online", "address", "division", "district", "thana"),
        *("phone", "map_url", "fee", "advance", "advance_amount", "refund_on_patient_cancel"),
    ]
    # What an online chamber has no use for (left out of chamber_data).
    PLACE_FIELDS = ("address", "division", "district", "thana", "map_url")

    def __init__(self, *args, doctor, chamber=None, **kwargs):
        self.doctor = doctor
        self.chamber = chamber
        current = {}
        if chamber is not None:
            for hour_range in chamber.hours.all():
                current.setdefault(hour_range.weekday, []).append(
                    (hour_range.start, hour_range.end)
                )
            thana = chamber.thana
            kwargs.setdefault(
                "initial",
                {
                    "name": chamber.name,
                    "is_online": chamber.is_online,
                    "address": chamber.address,
                    "phone": chamber.phone,
                    "map_url": chamber.map_url,
                    "fee": chamber.fee,
                    "advance": chamber.advance,
                    "advance_amount": chamber.advance_amount,
                    "refund_on_patient_cancel": chamber.refund_on_patient_cancel,
                    "thana": thana,
                    "district": thana.district if thana else None,
                    "division": thana.district.division if thana else None,
                },
            )
        super().__init__(
            *args,
            current_hours=current,
            slot_minutes=selectors.settings_for(doctor).slot_minutes,
            **kwargs,
        )
        if self.online:
            # An online chamber has no place: its place fields are not required, what
            # is typed in them is neither checked nor kept (see clean, chamber_data).
            for name in self.PLACE_FIELDS:
                self.fields[name].required = False

    @property
    def online(self) -> bool:
        """Whether the chamber is (or is being made) an online one, as submitted."""
        field = self.fields["is_online"]
        if self.is_bound:
            raw = field.widget.value_from_datadict(
                self.data, self.files, self.add_prefix("is_online")
            )
            return bool(field.to_python(raw))
        return bool(self.initial.get("is_online"))

    def clean_address(self):
        address = " ".join((self.cleaned_data.get("address") or "").split())
        if not address and not self.online:
            raise ValidationError(
                _(
                    "Enter the chamber's address, or tick “Online consultations” for a "
                    "video chamber."
                ),
                code="required",
            )
        return address

    def clean_name(self):
        name = " ".join(self.cleaned_data["name"].split())
        taken = self.doctor.chambers.filter(name__iexact=name)
        if self.chamber is not None:
            taken = taken.exclude(pk=self.chamber.pk)
        if taken.exists():
            raise ValidationError(_("You already have a chamber with this name."))
        return name

    def clean_map_url(self):
        url = self.cleaned_data["map_url"]
        if url and not url.lower().startswith(("http://", "https://")):
            raise ValidationError(_("Enter a link that starts with https:// or http://."))
        return url

    def clean(self):
        cleaned = super().clean()
        if self.online:
            for name in self.PLACE_FIELDS:
                self.errors.pop(name, None)
        fixed = cleaned.get("advance") == Advance.FIXED
        if fixed and not cleaned.get("advance_amount") and "advance_amount" not in self.errors:
            self.add_error("advance_amount", _("Enter the advance amount (at least ৳10)."))
        week = cleaned.get("week") or {}
        for message in selectors.chamber_clashes(
            doctor=self.doctor, week=week, chamber=self.chamber
        ):
            self.add_error(None, message)
        return cleaned

    @property
    def chamber_data(self) -> dict:
        data = {
            name: self.cleaned_data.get(name)
            for name in (*services.CHAMBER_FIELDS, *services.ADVANCE_FIELDS)
        }
        data["advance"] = data["advance"] or Advance.NONE
        data["is_online"] = self.online
        if self.online:
            data.update(address="", thana=None, map_url="")
        return data


class ChamberHoursField(forms.CharField):
    """The quick chamber-hours field, for doctor registration."""

    def __init__(self, **kwargs):
        kwargs.setdefault("label", _("Chamber hours (Saturday to Thursday)"))
        kwargs.setdefault("required", False)
        kwargs.setdefault("max_length", 200)
        kwargs.setdefault("initial", "09:00-12:00,14:00-17:00")
        kwargs.setdefault("help_text", HOURS_HELP)
        super().__init__(**kwargs)

    def clean(self, value):
        value = super().clean(value)
        ranges = parse_ranges(value)
        check_ranges(ranges, 60)
        return ranges


class DoctorRegistrationForm(RegistrationMixin, DoctorFieldsForm):
    """Doctor registration: the login, the doctor's profile (accounts) and their first
    chamber: its name, address (in the thana chosen above) and the sessions of a usual
    week. The one form of it (services.register_doctor saves it)."""

    chamber_name = forms.CharField(label=_("Chamber name"), max_length=150, required=False)
    chamber_address = forms.CharField(label=_("Chamber address"), max_length=300)
    chamber_hours = ChamberHoursField()


class TimeOffForm(forms.Form):
    start_date = forms.DateField(label=_("First day"), widget=DateInput())
    end_date = forms.DateField(label=_("Last day"), widget=DateInput())
    reason = forms.CharField(label=_("Reason"), max_length=200, required=False)

    def __init__(self, *args, doctor=None, **kwargs):
        super().__init__(*args, **kwargs)
        # A doctor at several chambers may be away from one of them only.
        if doctor is not None and doctor.chambers.count() > 1:
            self.fields["chamber"] = forms.ModelChoiceField(
                doctor.chambers.all(),
                label=_("Chamber"),
                required=False,
                empty_label=_("All my chambers"),
            )

    def clean(self):
        cleaned = super().clean()
        start, end = cleaned.get("start_date"), cleaned.get("end_date")
        if start and end:
            if end < start:
                self.add_error("end_date", _("The last day cannot be before the first day."))
            elif start < timezone.localdate():
                self.add_error("start_date", _("Time off cannot start in the past."))
            elif start > timezone.localdate() + timedelta(days=TIME_OFF_REACH_DAYS):
                self.add_error("start_date", _("Time off must start within the next two years."))
            elif (end - start).days > 366:
                self.add_error("end_date", _("Time off can be at most one year long."))
        return cleaned


class BookingForm(forms.Form):
    symptoms = forms.CharField(
        label=_("Symptoms"),
        required=False,
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("What brings you to the doctor? At most 1000 characters."),
    )
    notes = forms.CharField(
        label=_("Notes for the doctor"),
        required=False,
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class BookingAccountForm(forms.Form):
    """On the booking page of a visitor who is not logged in: whether they register
    (accounts.forms.QuickRegistrationForm) or log in (accounts.forms.LoginForm)."""

    NEW, EXISTING = "new", "existing"

    account = forms.ChoiceField(
        label=_("Your account"),
        choices=[(NEW, _("I am new here: register")), (EXISTING, _("I have an account: log in"))],
        initial=NEW,
        widget=forms.RadioSelect,
    )

    @property
    def registers(self):
        """Whether the visitor chose to register (also while the form is unbound)."""
        chosen = self.data.get("account") if self.is_bound else None
        return (chosen or self.NEW) == self.NEW


class CancelForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason (optional)"),
        required=False,
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class DeclineForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason"),
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("The patient sees this message."),
    )


class VisitNotesForm(forms.ModelForm):
    class Meta:
        model = VisitNotes
        fields = ["diagnosis", "prescription", "advice", "follow_up_date"]
        widgets = {
            "diagnosis": forms.Textarea(attrs={"rows": 2}),
            "prescription": forms.Textarea(attrs={"rows": 4}),
            "advice": forms.Textarea(attrs={"rows": 3}),
            "follow_up_date": DateInput(),
        }

    def clean_follow_up_date(self):
        follow_up = self.cleaned_data["follow_up_date"]
        if follow_up and follow_up < timezone.localdate():
            raise ValidationError(_("The follow-up date cannot be in the past."))
        return follow_up


# Query strings. Each page's parameters are read by a form; what a form cannot
# understand never reaches a query, and the page says so in its own way (the
# directory names the filters it ignored, the slot list says why it shows none, the
# agenda shows today).

AGENDA_REACH_DAYS = 10 * 366


class IsoDateField(forms.Field):
    """A day as the date inputs send it (YYYY-MM-DD, read by date.fromisoformat)."""

    default_error_messages = {"invalid": forms.DateField.default_error_messages["invalid"]}

    def to_python(self, value):
        if value in self.empty_values:
            return None
        try:
            return date.fromisoformat(value)
        except (TypeError, ValueError):
            raise ValidationError(self.error_messages["invalid"], code="invalid") from None


class SearchField(forms.CharField):
    """A search box's text: at most 100 characters, trimmed, without NUL characters
    (PostgreSQL cannot compare text that holds them). Never refused."""

    def to_python(self, value):
        return (value or "").replace("\x00", "").strip()[:100]


class IdChoiceField(forms.ModelChoiceField):
    """A row chosen by its id from the address: only digits (at most nine) are looked up."""

    def to_python(self, value):
        if value not in self.empty_values and not (value.isdigit() and len(value) < 10):
            raise ValidationError(self.error_messages["invalid_choice"], code="invalid_choice")
        return super().to_python(value)


class AmountField(forms.Field):
    """An amount of money from the address: a finite number, not negative."""

    default_error_messages = {"invalid": forms.DecimalField.default_error_messages["invalid"]}

    def to_python(self, value):
        value = (value or "").strip()
        if not value:
            return None
        try:
            amount = Decimal(value)
        except InvalidOperation:
            amount = None
        # is_finite first: comparing a signalling NaN raises.
        if amount is None or not amount.is_finite() or amount < 0:
            raise ValidationError(self.error_messages["invalid"], code="invalid")
        return amount


class FlagField(forms.Field):
    """A tick box from the address: "1", "on" or "true" is True; missing, "", "0",
    "off" or "false" is None (not asked for); anything else is refused."""

    YES = ("1", "on", "true")
    NO = ("", "0", "off", "false")
    default_error_messages = {"invalid": _("Tick the box or leave it empty.")}

    def to_python(self, value):
        value = (value or "").strip().lower()
        if value in self.YES:
            return True
        if value in self.NO:
            return None
        raise ValidationError(self.error_messages["invalid"], code="invalid")


class DirectoryFilterForm(forms.Form):
    """The directory's query string. A value it cannot understand is left out rather
    than refused: the page shows the doctors the other filters find and names the
    ignored filters (`ignored`) by the labels of its search form."""

    FILTERS = ("q", "specialization", "division", "district", "thana", "max_fee", "online")

    q = SearchField(required=False)
    specialization = IdChoiceField(
        Specialization.objects.all(), label=_("Specialization"), required=False
    )
    division = IdChoiceField(Division.objects.all(), label=_("Division"), required=False)
    district = IdChoiceField(District.objects.all(), label=_("District"), required=False)
    thana = IdChoiceField(Thana.objects.all(), label=_("Thana / upazila"), required=False)
    max_fee = AmountField(label=_("Maximum fee (৳)"), required=False)
    online = FlagField(label=_("Online consultation"), required=False)
    date = IsoDateField(label=_("Available on"), required=False)
    sort = forms.ChoiceField(
        label=_("Sort"),
        required=False,
        choices=[
            ("next", _("Next free slot")),
            ("fee", _("Fee, lowest first")),
            ("experience", _("Experience, most first")),
        ],
    )

    def clean_date(self):
        """Only a day on which a doctor can be booked: today up to the longest booking
        window."""
        day = self.cleaned_data["date"]
        first = clinic_calendar.today()
        last = first + timedelta(days=BOOKING_WINDOW_MAX_DAYS)
        if day is not None and not first <= day <= last:
            raise ValidationError(self.fields["date"].error_messages["invalid"], code="reach")
        return day

    @property
    def filters(self):
        """The understood filters, for selectors.directory_doctors."""
        return {
            name: value
            for name in self.FILTERS
            if (value := self.cleaned_data.get(name)) is not None and value != ""
        }

    @property
    def day(self):
        """The day the doctors must have a free slot on, or None."""
        return self.cleaned_data.get("date")

    @property
    def order(self):
        """The chosen order: "next" (free slot, the default), "fee" or "experience"."""
        return self.cleaned_data.get("sort") or "next"

    @property
    def ignored(self):
        """The names of the parameters that were not understood, in the form's order."""
        return [name for name in self.fields if name in self.errors]

    @property
    def ignored_labels(self):
        return [self.fields[name].label for name in self.ignored]


class SlotDayForm(forms.Form):
    """The day of a doctor's slot list (`?date=`): today up to the end of the doctor's
    booking window. Without a date, `fallback`, else the first bookable day. `day` is
    the day asked for, also when it is refused (None when it is not a date)."""

    date = IsoDateField(
        required=False,
        error_messages={"invalid": _("That is not a date. Pick a day from the calendar.")},
    )

    def __init__(self, data, *, doctor, fallback=None):
        super().__init__(data)
        self.doctor = doctor
        self.fallback = fallback
        self.first_day, self.last_day = selectors.bookable_dates(selectors.settings_for(doctor))
        self.day = None

    def clean_date(self):
        self.day = day = self.cleaned_data["date"] or self.fallback or self.first_day
        if day < self.first_day:
            raise ValidationError(
                _("That day is in the past. Pick today or a later day."), code="past"
            )
        if day > self.last_day:
            raise ValidationError(
                _("Dr. %(name)s takes bookings up to %(last)s. Pick an earlier day."),
                code="beyond_window",
                params={
                    "name": self.doctor.user.full_name,
                    "last": local_date(self.last_day, "j M Y"),
                },
            )
        return day


class AgendaForm(forms.Form):
    """The doctor's agenda query: `date` (today when missing or refused) and `view`
    (`week` for the seven days from it, anything else one day)."""

    date = IsoDateField(
        required=False, error_messages={"invalid": _("That is not a date; showing today.")}
    )
    view = forms.Field(required=False)

    def clean_date(self):
        day = self.cleaned_data["date"]
        if day is not None and abs((day - clinic_calendar.today()).days) > AGENDA_REACH_DAYS:
            raise ValidationError(
                _("Pick a day within ten years of today; showing today."), code="reach"
            )
        return day

    @property
    def day(self):
        return self.cleaned_data.get("date") or clinic_calendar.today()

    @property
    def week(self):
        return self.cleaned_data.get("view") == "week"

    @property
    def days(self):
        """The days to show: `day`, or the week from it."""
        return [self.day + timedelta(days=n) for n in range(7 if self.week else 1)]


class SlotStartField(forms.Field):
    """A slot's start as the slot links and buttons send it (an ISO datetime; a `+`
    that the address turned into a space is read back), aware in the site's time zone.
    Refused when malformed or beyond the calendar there (year 1 at -23:59)."""

    def to_python(self, value):
        if value in self.empty_values:
            return None
        try:
            start = datetime.fromisoformat(value.replace(" ", "+"))
            if timezone.is_naive(start):
                start = timezone.make_aware(start)
            timezone.localtime(start)
        except (ValueError, OverflowError):
            raise ValidationError(self.error_messages["invalid"], code="invalid") from None
        return start


class SlotStartForm(forms.Form):
    """The new slot of a rescheduling (`start`)."""

    PICK_A_SLOT = _("Pick one of the free slots.")

    start = SlotStartField(error_messages={"required": PICK_A_SLOT, "invalid": PICK_A_SLOT})


class BookingSlotForm(forms.Form):
    """The slot to book (`start`, from the address or else from the posted form): one
    of the doctor's free slots now, then `slot`. Otherwise the error says why
    (services.slot_refusal), and `requested_start` is the time asked for when it was one."""

    start = SlotStartField(
        error_messages={"required": services.NOT_A_SLOT, "invalid": services.NOT_A_SLOT}
    )

    def __init__(self, query, posted=None, *, doctor):
        # The slot links name the start in the address; the confirmation form posts it.
        super().__init__(query if query.get("start") else posted or {})
        self.doctor = doctor
        self.requested_start = self.slot = None

    def clean_start(self):
        start = self.requested_start = self.cleaned_data["start"]
        self.slot = selectors.find_free_slot(self.doctor, start)
        if self.slot is None:
            raise ValidationError(
                services.slot_refusal(doctor=self.doctor, start=start), code="not_free"
            )
        return start


class AppointmentSearchForm(forms.Form):
    """The search box of the patient's appointments: a doctor's name."""

    q = SearchField(required=False)


# The day's queue (issue #17).


class QueueChamberForm(forms.Form):
    """Which of the doctor's chambers' queue to show (`chamber`, an id); refused: the
    default chamber, with the error shown. `chambers` are the doctor's, already read."""

    chamber = forms.TypedChoiceField(
        required=False,
        coerce=int,
        empty_value=None,
        error_messages={"invalid_choice": _("That is not one of your chambers; showing another.")},
    )

    def __init__(self, data, *, chambers):
        super().__init__(data)
        self.chambers = {chamber.pk: chamber for chamber in chambers}
        self.fields["chamber"].choices = [(pk, pk) for pk in self.chambers]

    def chosen(self):
        """The chosen chamber, or None."""
        if not self.is_valid() or self.cleaned_data["chamber"] is None:
            return None
        return self.chambers[self.cleaned_data["chamber"]]


class QueueStepForm(forms.Form):
    """One tap on a patient's row of the queue."""

    ARRIVED, RECALL, DONE, NO_SHOW = "arrived", "recall", "done", "no_show"

    step = forms.ChoiceField(
        choices=[
            (ARRIVED, _("Arrived")),
            (RECALL, _("Recall")),
            (DONE, _("Done")),
            (NO_SHOW, _("No-show")),
        ],
        error_messages={
            "required": _("Choose what happened: arrived, recall, done or no-show."),
            "invalid_choice": _("Choose what happened: arrived, recall, done or no-show."),
        },
    )


class WalkInForm(forms.Form):
    """A patient who came to the chamber without booking."""

    full_name = forms.CharField(label=_("Name"), max_length=150)
    mobile = MobileField(required=True)

    def clean_full_name(self):
        name = " ".join(self.cleaned_data["full_name"].split())
        if not name:
            raise ValidationError(_("Write the patient's name."), code="required")
        return name


class LateNoticeForm(forms.Form):
    """ "Running late by N minutes", with a reason patients see (0: on time again)."""

    minutes = forms.IntegerField(
        label=_("Running late by (minutes)"),
        min_value=0,
        max_value=600,
        help_text=_("0 when you are on time again."),
        widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
    )
    reason = forms.CharField(
        label=_("Reason (shown to patients and on the screen)"),
        required=False,
        max_length=200,
    )
