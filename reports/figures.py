"""Every report figure, defined once for both reports (issue 14: one home per rule).

A figure is made in two steps, each written only here:

1. Grouping (`status_rows`, `hour_rows`, `specialization_rows`, `district_rows`,
   `doctor_rows`, `cancellation_rows`): a queryset of appointments, or of their history,
   grouped in the database into rows of one day (in Asia/Dhaka) and one key, each
   {"day", "key", "count"} and, where fees count, "amount". The daily roll-ups
   (reports.summary) store these rows for all doctors as DailyFigure rows of the same
   kind; a doctor's report (reports.selectors.doctor_report) computes the same rows live
   for one doctor.
2. Folding (`totals`, `per_day`, `week_hours`, `cancelled_by`): rows of one kind, read
   from DailyFigure or computed live, turned into the figures the pages show. The
   folds read only the columns they need, so rows already summed over days serve the
   folds that need no day.
"""

from collections import defaultdict
from datetime import timedelta

from django.db.models import Case, CharField, Count, F, Sum, Value, When
from django.db.models.functions import Cast, Coalesce, Concat, ExtractHour, TruncDate

from appion import clinic_calendar
from scheduling.models import Appointment, AppointmentEvent

# A booking still waiting for its advance (issue #21) is not a booking yet: the reports
# count it once paid, or as a cancellation by the system once its hold is released.
STATUSES = [
    status
    for status, _label in Appointment.Status.choices
    if status != Appointment.Status.AWAITING_PAYMENT
]
AS_KEY = {"output_field": CharField()}  # DailyFigure.key is text


def day_of(field):
    """The Asia/Dhaka day of the datetime column `field`, computed by the database: the
    one definition of the day a figure counts an appointment on."""
    return TruncDate(field, tzinfo=clinic_calendar.tz())


# Who a patient is, for counting patients: their account, or for a walk-in (no account,
# issue #17) the mobile number given at the chamber, so that a walk-in counts as one
# patient however often they come, and never as an account's.
PATIENT = Coalesce(
    Cast("patient_id", output_field=CharField()),
    Concat(Value("walk-in:"), "walk_in_mobile", output_field=CharField()),
    output_field=CharField(),
)


def _by_day(appointments, key):
    return appointments.values(day=day_of("start"), key=key).order_by()


# Grouping: querysets of {"day", "key", "count"[, "amount"]} rows.


def status_rows(appointments):
    """Appointments by day and status, with the sum of their fees (copied at booking, so
    a later fee change moves no figure)."""
    return _by_day(appointments, F("status")).annotate(count=Count("pk"), amount=Sum("fee"))


def hour_rows(appointments):
    """Appointments by day and the hour (0–23, in Asia/Dhaka) they start at."""
    hour = Cast(ExtractHour("start", tzinfo=clinic_calendar.tz()), **AS_KEY)
    return _by_day(appointments, hour).annotate(count=Count("pk"))


def specialization_rows(appointments):
    """Appointments by day and their doctor's specialization (its id)."""
    key = Cast("doctor__specialization_id", **AS_KEY)
    return _by_day(appointments, key).annotate(count=Count("pk"))


def district_rows(appointments):
    """Appointments by day and the district of their chamber (its id, None where the
    chamber has no thana)."""
    key = Cast("chamber__thana__district_id", **AS_KEY)
    return _by_day(appointments, key).annotate(count=Count("pk"))


def doctor_rows(appointments):
    """Completed visits by day and doctor (the doctor's id), with their fees."""
    completed = appointments.filter(status=Appointment.Status.COMPLETED)
    key = Cast("doctor_id", **AS_KEY)
    return _by_day(completed, key).annotate(count=Count("pk"), amount=Sum("fee"))


# Who cancelled, for both reports: the one definition of the "cancelled by" keys.
CANCELLED_BY_WHOM = Case(
    When(actor__is_staff=True, then=Value("staff")),
    When(actor__isnull=True, then=Value("system")),
    default=F("actor__role"),  # "patient" or "doctor"
    output_field=CharField(),
)


def cancellation_rows(events):
    """Cancellations, from the appointments' history `events`, by the day of the
    appointment (not of the cancellation) and by who cancelled: "patient", "doctor",
    "staff" or "system" (no actor)."""
    return (
        events.filter(to_status=Appointment.Status.CANCELLED, kind=AppointmentEvent.Kind.STATUS)
        .values(day=day_of("appointment__start"), key=CANCELLED_BY_WHOM)
        .order_by()
        .annotate(count=Count("pk"))
    )


# Folding: rows of one kind → the figures on the pages.


def totals(rows):
    """From status rows: the count of each status, the total, the revenue (fees of the
    completed visits) and the rates: completion and no-show of the visits that were due
    (completed or no-show), cancellation of all. The one home of both reports' totals
    and rates."""
    figures = dict.fromkeys(STATUSES, 0)
    revenue = 0
    for row in rows:
        if row["key"] in figures:
            figures[row["key"]] += row["count"]
        if row["key"] == Appointment.Status.COMPLETED:
            revenue += row["amount"] or 0
    figures["total"] = sum(figures.values())
    figures["revenue"] = revenue
    held = figures["completed"] + figures["no_show"]
    figures["completion_rate"] = figures["completed"] / held if held else None
    figures["no_show_rate"] = figures["no_show"] / held if held else None
    figures["cancellation_rate"] = (
        figures["cancelled"] / figures["total"] if figures["total"] else None
    )
    return figures


def per_day(rows, first, last):
    """[(day, count)] for every day from `first` to `last`, none left out, from rows that
    count each appointment once (status rows). The one home of both reports' per day."""
    counts = defaultdict(int)
    for row in rows:
        counts[row["day"]] += row["count"]
    days = (first + timedelta(days=n) for n in range((last - first).days + 1))
    return [(day, counts[day]) for day in days]


def week_hours(rows):
    """{(ISO weekday 1–7, hour): count} from hour rows, each with its "day" or already
    summed by its ISO "weekday": the one home of both reports' heat map of the week
    (laid out Saturday first by reports.views)."""
    counts = defaultdict(int)
    for row in rows:
        weekday = row["weekday"] if "weekday" in row else row["day"].isoweekday()
        counts[(weekday, int(row["key"]))] += row["count"]
    return dict(counts)


def cancelled_by(rows):
    """{who: count} from cancellation rows: the one home of both reports' "cancelled
    by"."""
    counts = defaultdict(int)
    for row in rows:
        counts[row["key"]] += row["count"]
    return dict(counts)
