"""Report figures. Every figure is an aggregate computed in the database, with dates
truncated in the site's time zone (Asia/Dhaka); a report is a fixed number of queries
whatever the range or the amount of data."""

from dataclasses import dataclass
from datetime import date, timedelta

from django.db.models import Avg, Case, CharField, Count, F, Min, Q, Sum, Value, When
from django.db.models.functions import ExtractHour, ExtractIsoWeekDay, TruncDate
from django.utils.translation import gettext as _

from accounts.models import DoctorProfile, Specialization, User
from appion import clinic_calendar
from locations.models import District
from reports.models import DailyFigure
from reports.summary import summarise_range
from scheduling.models import Appointment, AppointmentEvent

MAX_DAYS = 3 * 366
REACH_DAYS = 10 * 366  # keeps the date arithmetic far from year 1 and year 9999
Kind = DailyFigure.Kind
STATUSES = [status for status, _label in Appointment.Status.choices]


@dataclass(frozen=True)
class DateRange:
    start: date
    end: date  # inclusive

    @property
    def window(self):
        """The aware datetimes [from, until) covering the days in Asia/Dhaka."""
        return clinic_calendar.window(self.start, self.end)

    @property
    def days(self):
        return (self.end - self.start).days + 1


def quick_picks(today):
    """The ranges offered as one-click choices; weeks and months are the clinic's
    (appion.clinic_calendar: a week starts on Saturday)."""
    month_start = clinic_calendar.month_start(today)
    last_month_end = month_start - timedelta(days=1)
    last_month = DateRange(clinic_calendar.month_start(last_month_end), last_month_end)
    return {
        "today": (_("Today"), DateRange(today, today)),
        "this_week": (_("This week"), DateRange(clinic_calendar.week_start(today), today)),
        "this_month": (_("This month"), DateRange(month_start, today)),
        "last_month": (_("Last month"), last_month),
        "this_year": (_("This year"), DateRange(today.replace(month=1, day=1), today)),
    }


def parse_range(params, *, today=None):
    """The report's range from `start_date`/`end_date` (YYYY-MM-DD) or `range` (a quick
    pick); the last 30 days by default. Returns (DateRange, errors): with errors the
    default range is used, so a bad address still shows a page."""
    today = today or clinic_calendar.today()
    default = DateRange(today - timedelta(days=29), today)
    pick = params.get("range")
    picks = quick_picks(today)
    if pick in picks:
        return picks[pick][1], []
    raw_start, raw_end = params.get("start_date", ""), params.get("end_date", "")
    if not raw_start and not raw_end:
        return default, []
    try:
        start = date.fromisoformat(raw_start) if raw_start else default.start
        end = date.fromisoformat(raw_end) if raw_end else today
    except ValueError:
        return default, [_("Dates must look like 2026-01-31.")]
    if max(abs((start - today).days), abs((end - today).days)) > REACH_DAYS:
        return default, [_("Dates must lie within ten years of today.")]
    if end < start:
        return default, [_("The end date is before the start date.")]
    if (end - start).days + 1 > MAX_DAYS:
        return default, [_("A report can cover at most three years.")]
    return DateRange(start, end), []


def _events_in_range(rng):
    """The history of the appointments starting in `rng` (as Appointment.objects.between)."""
    since, until = rng.window
    return AppointmentEvent.objects.filter(
        appointment__start__gte=since, appointment__start__lt=until
    )


def _with_rates(figures):
    """Add the completion and no-show rates (of the visits that were due) and the
    cancellation rate to counts by status."""
    held = figures["completed"] + figures["no_show"]
    figures["completion_rate"] = figures["completed"] / held if held else None
    figures["no_show_rate"] = figures["no_show"] / held if held else None
    figures["cancellation_rate"] = (
        figures["cancelled"] / figures["total"] if figures["total"] else None
    )
    return figures


def _status_totals(appointments):
    figures = appointments.aggregate(
        total=Count("pk"),
        revenue=Sum("fee", filter=Q(status=Appointment.Status.COMPLETED)),
        **{status: Count("pk", filter=Q(status=status)) for status in STATUSES},
    )
    figures["revenue"] = figures["revenue"] or 0
    return _with_rates(figures)


def _per_day(appointments, rng):
    tz = clinic_calendar.tz()
    counts = dict(
        appointments.annotate(day=TruncDate("start", tzinfo=tz))
        .values("day")
        .annotate(n=Count("pk"))
        .values_list("day", "n")
    )
    return [
        (rng.start + timedelta(days=n), counts.get(rng.start + timedelta(days=n), 0))
        for n in range(rng.days)
    ]


def _week_hours(appointments):
    """{(ISO weekday 1–7, hour): count} of appointment starts in Asia/Dhaka."""
    tz = clinic_calendar.tz()
    return {
        (row["weekday"], row["hour"]): row["n"]
        for row in appointments.annotate(
            weekday=ExtractIsoWeekDay("start", tzinfo=tz), hour=ExtractHour("start", tzinfo=tz)
        )
        .values("weekday", "hour")
        .annotate(n=Count("pk"))
    }


def _cancelled_by(rng, doctor=None):
    events = _events_in_range(rng).filter(to_status=Appointment.Status.CANCELLED)
    if doctor is not None:
        events = events.filter(appointment__doctor=doctor)
    who = Case(
        When(actor__is_staff=True, then=Value("staff")),
        When(actor__isnull=True, then=Value("system")),
        default=F("actor__role"),
        output_field=CharField(),
    )
    return dict(
        events.annotate(who=who).values("who").annotate(n=Count("pk")).values_list("who", "n")
    )


def _summed(kind, rng, *group):
    """Rows of one kind of the range's daily figures, summed over the days by `group`."""
    return (
        DailyFigure.objects.filter(kind=kind, day__gte=rng.start, day__lte=rng.end)
        .values(*group)
        .annotate(n=Sum("count"), amount=Sum("amount"))
        .order_by()
    )


def _overview_totals(rng):
    rows = {row["key"]: row for row in _summed(Kind.STATUS, rng, "key")}
    figures = {status: rows[status]["n"] if status in rows else 0 for status in STATUSES}
    figures["total"] = sum(figures.values())
    figures["revenue"] = rows[Appointment.Status.COMPLETED]["amount"] if "completed" in rows else 0
    return _with_rates(figures)


def _overview_per_day(rng):
    counts = {row["day"]: row["n"] for row in _summed(Kind.STATUS, rng, "day")}
    days = (rng.start + timedelta(days=n) for n in range(rng.days))
    return [(day, counts.get(day, 0)) for day in days]


def _overview_by_specialization(rng):
    rows = sorted(_summed(Kind.SPECIALIZATION, rng, "key"), key=lambda row: -row["n"])
    names = {
        str(pk): (name, name_bn)
        for pk, name, name_bn in Specialization.objects.filter(
            pk__in=[row["key"] for row in rows if row["key"]]
        ).values_list("pk", "name", "name_bn")
    }
    return [
        {
            "doctor__specialization_id": row["key"] or None,
            "doctor__specialization__name": names.get(row["key"], ("—", "—"))[0],
            "doctor__specialization__name_bn": names.get(row["key"], ("—", "—"))[1],
            "n": row["n"],
        }
        for row in rows
    ]


def _overview_by_district(rng, limit=20):
    rows = sorted(_summed(Kind.DISTRICT, rng, "key"), key=lambda row: -row["n"])[:limit]
    names = {
        str(district.pk): district
        for district in District.objects.filter(
            pk__in=[row["key"] for row in rows if row["key"]]
        ).select_related("division")
    }
    result = []
    for row in rows:
        district = names.get(row["key"])
        result.append(
            {
                "doctor__chamber_thana__district__division__name": district
                and district.division.name,
                "doctor__chamber_thana__district__division__name_bn": district
                and district.division.name_bn,
                "doctor__chamber_thana__district__name": district and district.name,
                "doctor__chamber_thana__district__name_bn": district and district.name_bn,
                "n": row["n"],
            }
        )
    return result


def _overview_week_hours(rng):
    """{(ISO weekday 1–7, hour): count} of appointment starts in Asia/Dhaka."""
    rows = (
        DailyFigure.objects.filter(kind=Kind.HOUR, day__gte=rng.start, day__lte=rng.end)
        .annotate(weekday=ExtractIsoWeekDay("day"))
        .values("weekday", "key")
        .annotate(n=Sum("count"))
        .order_by()
    )
    return {(row["weekday"], int(row["key"])): row["n"] for row in rows}


def _overview_top_doctors(rng, limit=10):
    """The doctors with the most completed visits: monthly rows for the whole months of
    the range, daily rows for the days around them; then their names."""
    first, after = clinic_calendar.whole_months(rng.start, rng.end)
    rows = (
        DailyFigure.objects.filter(
            Q(kind=Kind.DOCTOR_MONTH, day__gte=first, day__lt=after)
            | Q(kind=Kind.DOCTOR, day__gte=rng.start, day__lt=first)
            | Q(kind=Kind.DOCTOR, day__gte=after, day__lte=rng.end)
        )
        .values("key")
        .annotate(n=Sum("count"), amount=Sum("amount"))
        .order_by("-n", "key")[:limit]
    )
    top = [{"doctor_id": int(row["key"]), "n": row["n"], "revenue": row["amount"]} for row in rows]
    names = dict(
        DoctorProfile.objects.filter(pk__in=[row["doctor_id"] for row in top]).values_list(
            "pk", "user__full_name"
        )
    )
    for row in top:
        row["doctor__user__full_name"] = names.get(row["doctor_id"], "")
    return top


def overview(rng):
    """The staff overview of `rng`, read from the daily roll-ups (reports.summary), which
    are first brought up to date: 12 queries when they are current."""
    summarise_range(rng.start, rng.end)
    since, until = rng.window
    new_users = User.objects.filter(created_at__gte=since, created_at__lt=until).aggregate(
        patients=Count("pk", filter=Q(role=User.Role.PATIENT)),
        doctors=Count("pk", filter=Q(role=User.Role.DOCTOR)),
    )
    return {
        "totals": _overview_totals(rng),
        "cancelled_by": {row["key"]: row["n"] for row in _summed(Kind.CANCELLED_BY, rng, "key")},
        "per_day": _overview_per_day(rng),
        "by_specialization": _overview_by_specialization(rng),
        "by_district": _overview_by_district(rng),
        "week_hours": _overview_week_hours(rng),
        "top_doctors": _overview_top_doctors(rng),
        "new_users": new_users,
        "awaiting_verification": DoctorProfile.objects.filter(verified_at__isnull=True).count(),
    }


def doctor_report(doctor, rng):
    """One doctor's report for `rng`: seven queries."""
    appointments = Appointment.objects.between(rng.start, rng.end).filter(doctor=doctor)
    since, _until = rng.window
    first_visits = (
        Appointment.objects.filter(doctor=doctor).values("patient_id").annotate(first=Min("start"))
    )
    patients_in_range = appointments.values("patient_id").distinct()
    returning = first_visits.filter(patient_id__in=patients_in_range, first__lt=since).count()
    lead = appointments.aggregate(lead=Avg(F("start") - F("created_at")))["lead"]
    totals = _status_totals(appointments)
    patients = appointments.aggregate(n=Count("patient_id", distinct=True))["n"]
    return {
        "totals": totals,
        "cancelled_by": _cancelled_by(rng, doctor),
        "per_day": _per_day(appointments, rng),
        "week_hours": _week_hours(appointments),
        "patients": patients,
        "returning_patients": returning,
        "new_patients": patients - returning,
        "average_lead": lead,
    }


def appointment_list(rng, doctor=None):
    """The appointments of the range, for the list and the CSV, oldest first."""
    appointments = Appointment.objects.between(rng.start, rng.end).select_related(
        "patient", "doctor__user"
    )
    if doctor is not None:
        appointments = appointments.filter(doctor=doctor)
    return appointments.order_by("start", "pk")
