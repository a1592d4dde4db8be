from datetime import date, timedelta

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.forms import DateInput, DoctorFieldsForm, RegistrationMixin
from scheduling.hours import check_ranges, format_ranges, parse_ranges
from scheduling.models import WEEK_ORDER, ScheduleSettings, VisitNotes, Weekday

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


class ScheduleForm(forms.ModelForm):
    """The weekly grid: one field of time ranges per weekday, a quick field that applies
    one set of ranges to chosen weekdays, and the booking rules."""

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

    class Meta:
        model = ScheduleSettings
        fields = [
            "slot_minutes",
            "booking_window_days",
            "min_notice_minutes",
            "cancellation_cutoff_minutes",
            "auto_confirm",
        ]

    def __init__(self, *args, current_hours=None, **kwargs):
        super().__init__(*args, **kwargs)
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
        self.fields["slot_minutes"].widget.attrs.update({"min": 10, "max": 120, "step": 5})
        self.fields["slot_minutes"].help_text = SLOT_LENGTH_HELP

    def day_fields(self):
        return [self[f"day_{day}"] for day in WEEK_ORDER]

    def clean(self):
        cleaned = super().clean()
        slot_minutes = cleaned.get("slot_minutes") or 60
        week = {}
        for day in WEEK_ORDER:
            name = f"day_{day}"
            try:
                ranges = parse_ranges(cleaned.get(name, ""))
                check_ranges(ranges, slot_minutes)
            except ValidationError as error:
                self.add_error(name, error)
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
                self.add_error("quick_hours", error)
            else:
                for day in quick_days:
                    week[day] = ranges
        elif quick_days:
            self.add_error("quick_hours", _("Enter the hours for the chosen weekdays."))
        cleaned["week"] = week
        return cleaned


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
    """Doctor registration: the login, the doctor's profile (accounts) and the chamber
    hours of a usual week. The one form of it (services.register_doctor saves it)."""

    chamber_hours = ChamberHoursField()


class TimeOffForm(forms.Form):
    start_date = forms.DateField(label=_("First day"), widget=DateInput())
    end_date = forms.DateField(label=_("Last day"), widget=DateInput())
    reason = forms.CharField(label=_("Reason"), max_length=200, required=False)

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


def parse_date(value) -> date | None:
    """A YYYY-MM-DD query value as a date, or None when it is missing or malformed."""
    try:
        return date.fromisoformat(value) if value else None
    except (TypeError, ValueError):
        return None


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
