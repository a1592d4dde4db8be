"""The two reports: the staff overview, read from the daily roll-ups (reports.summary),
and a doctor's report, computed live. Both make each figure with reports.figures (its
one definition), counting days in the site's time zone (Asia/Dhaka); a report is a
fixed number of queries whatever the range or the amount of data."""

from dataclasses import dataclass
from datetime import date, timedelta

from django.db.models import Avg, Count, F, Min, Q, Sum
from django.db.models.functions import ExtractIsoWeekDay, TruncDate
from django.utils.translation import gettext as _

from accounts.models import DoctorProfile, Specialization, User
from appion import clinic_calendar
from locations.models import District
from reports import figures
from reports.models import DailyFigure
from reports.summary import summarise_range
from scheduling.models import Appointment, AppointmentEvent, Payment

MAX_DAYS = 3 * 366
REACH_DAYS = 10 * 366  # keeps the date arithmetic far from year 1 and year 9999
Kind = DailyFigure.Kind


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


def _summed(kind, rng, *group, **expressions):
    """The range's DailyFigure rows of one kind, summed over the days by `group` (the
    columns of reports.figures rows: "day", "key") and any named `expressions`, as rows
    for reports.figures' folds."""
    return (
        DailyFigure.objects.filter(kind=kind, day__gte=rng.start, day__lte=rng.end)
        .values(*group, **expressions)
        .annotate(count=Sum("count"), amount=Sum("amount"))
        .order_by()
    )


def _by_kind(rng, *kinds):
    """The range's rows of several kinds summed by key, in one query: {kind: [row, ...]}
    (the same rows as _summed(kind, rng, "key") for each)."""
    found = {kind: [] for kind in kinds}
    for row in (
        DailyFigure.objects.filter(kind__in=kinds, day__gte=rng.start, day__lte=rng.end)
        .values("kind", "key")
        .annotate(count=Sum("count"), amount=Sum("amount"))
        .order_by()
    ):
        found[row["kind"]].append(row)
    return found


def _overview_by_specialization(rows):
    rows = sorted(rows, key=lambda row: -row["count"])
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
            "n": row["count"],
        }
        for row in rows
    ]


def _overview_by_district(rows, limit=20):
    rows = sorted(rows, key=lambda row: -row["count"])[:limit]
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
                "chamber__thana__district__division__name": district and district.division.name,
                "chamber__thana__district__division__name_bn": district
                and district.division.name_bn,
                "chamber__thana__district__name": district and district.name,
                "chamber__thana__district__name_bn": district and district.name_bn,
                "n": row["count"],
            }
        )
    return result


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
    are first brought up to date: 9 queries when they are current."""
    summarise_range(rng.start, rng.end)
    since, until = rng.window
    new_users = User.objects.filter(created_at__gte=since, created_at__lt=until).aggregate(
        patients=Count("pk", filter=Q(role=User.Role.PATIENT)),
        doctors=Count("pk", filter=Q(role=User.Role.DOCTOR)),
    )
    by_key = _by_kind(rng, Kind.STATUS, Kind.CANCELLED_BY, Kind.SPECIALIZATION, Kind.DISTRICT)
    return {
        # The folds of reports.figures, over the stored rows summed as far as each needs.
        "totals": figures.totals(by_key[Kind.STATUS]),
        "cancelled_by": figures.cancelled_by(by_key[Kind.CANCELLED_BY]),
        "per_day": figures.per_day(_summed(Kind.STATUS, rng, "day"), rng.start, rng.end),
        "by_specialization": _overview_by_specialization(by_key[Kind.SPECIALIZATION]),
        "by_district": _overview_by_district(by_key[Kind.DISTRICT]),
        # Summed by weekday in the database: a year is then ~70 rows rather than ~3,000.
        "week_hours": figures.week_hours(
            _summed(Kind.HOUR, rng, "key", weekday=ExtractIsoWeekDay("day"))
        ),
        "top_doctors": _overview_top_doctors(rng),
        "new_users": new_users,
        "awaiting_verification": DoctorProfile.objects.filter(verified_at__isnull=True).count(),
    }


def doctor_report(doctor, rng):
    """One doctor's report for `rng`, computed live from their appointments (through the
    (doctor, start) index) by the same grouping and folds as the overview's roll-ups
    (reports.figures): six queries."""
    appointments = Appointment.objects.between(rng.start, rng.end).filter(doctor=doctor)
    statuses = list(figures.status_rows(appointments))
    cancellations = figures.cancellation_rows(
        _events_in_range(rng).filter(appointment__doctor=doctor)
    )
    since, _until = rng.window
    # Patients are people with an account, or walk-ins by their mobile (figures.PATIENT).
    first_visits = (
        Appointment.objects.filter(doctor=doctor)
        .values(person=figures.PATIENT)
        .annotate(first=Min("start"))
    )
    patients_in_range = appointments.values(person=figures.PATIENT).distinct()
    returning = first_visits.filter(person__in=patients_in_range, first__lt=since).count()
    lead = appointments.aggregate(lead=Avg(F("start") - F("created_at")))["lead"]
    patients = appointments.aggregate(n=Count(figures.PATIENT, distinct=True))["n"]
    return {
        "totals": figures.totals(statuses),
        "cancelled_by": figures.cancelled_by(cancellations),
        "per_day": figures.per_day(statuses, rng.start, rng.end),
        "week_hours": figures.week_hours(figures.hour_rows(appointments)),
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


def payment_reconciliation(rng, doctor=None) -> dict:
    """Advances paid online in `rng` (issue #21), by the clinic's day of payment and
    chamber (of `doctor` only, when given): how many, collected, refunded, and refunds
    still outstanding (due, in progress or failed: staff follow those up), with the
    totals. One query."""
    since, until = rng.window
    Refund = Payment.RefundState
    paid = Payment.objects.filter(state=Payment.State.PAID, paid_at__gte=since, paid_at__lt=until)
    if doctor is not None:
        paid = paid.filter(appointment__doctor=doctor)
    rows = list(
        paid.annotate(day=TruncDate("paid_at", tzinfo=clinic_calendar.tz()))
        .values(
            "day",
            "appointment__chamber_id",
            "appointment__chamber__name",
            "appointment__doctor__user__full_name",
        )
        .annotate(
            payments=Count("pk"),
            collected=Sum("amount"),
            refunded=Sum("amount", filter=Q(refund_state=Refund.REFUNDED), default=0),
            outstanding=Sum(
                "amount",
                filter=Q(refund_state__in=[Refund.DUE, Refund.PROCESSING, Refund.FAILED]),
                default=0,
            ),
        )
        .order_by("day", "appointment__chamber__name", "appointment__chamber_id")
    )
    totals = {
        name: sum((row[name] for row in rows), 0)
        for name in ("payments", "collected", "refunded", "outstanding")
    }
    totals["kept"] = totals["collected"] - totals["refunded"]
    for row in rows:
        row["kept"] = row["collected"] - row["refunded"]
    return {"rows": rows, "totals": totals}
