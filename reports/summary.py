"""Keeping the daily roll-ups (reports.models) current.

Writers mark the days they touch dirty after they commit (`mark_dirty`, called from the
signal handlers in reports.signals); a report first recomputes the dirty days of its
range (`summarise_range`), then reads only the roll-ups. Recomputing a day is a handful
of grouped queries over that day's appointments, done in the database by the
grouping functions of reports.figures (which a doctor's report runs live).

Why it cannot miss a change: the recompute claims its days (dirty → clean) under a row
lock in the same transaction that writes their figures. A change that commits before the
claim is in the figures (they are read after it); one that commits after marks the day
dirty again, waiting for the lock if need be, and the next report recomputes it."""

from datetime import timedelta

from django.db import transaction
from django.db.models import Q, Sum
from django.db.models.functions import TruncMonth

from appion import clinic_calendar
from reports import figures
from reports.models import DailyFigure, ReportDay, ReportMonth
from scheduling.models import Appointment, AppointmentEvent

Kind = DailyFigure.Kind
DAY_KINDS = [kind for kind in Kind.values if kind != Kind.DOCTOR_MONTH]


def mark_dirty(days):
    """Mark `days` for recomputing once the current transaction commits."""
    days = sorted(set(days))
    if days:
        transaction.on_commit(lambda: ReportDay.objects.filter(day__in=days).update(dirty=True))


def mark_all_dirty():
    """After a bulk load that went around the signals (seed_demo sends
    scheduling.signals.appointments_bulk_loaded, or `summarise_reports --all`)."""
    ReportDay.objects.update(dirty=True)
    ReportMonth.objects.update(dirty=True)


def summarise_range(first, last):
    """Bring the figures of `first` to `last` (inclusive) up to date: recompute the dirty
    or never-summarised days, then the monthly doctor totals of the months wholly inside
    the range whose days changed. Two queries when everything is current, a fixed
    number more otherwise. Returns how many days were recomputed."""
    days = _summarise_days(first, last)
    _summarise_months(first, last)
    return days


def _summarise_days(first, last):
    fresh = set(
        ReportDay.objects.filter(day__gte=first, day__lte=last, dirty=False).values_list(
            "day", flat=True
        )
    )
    wanted = [first + timedelta(days=n) for n in range((last - first).days + 1)]
    if len(fresh) == len(wanted):
        return 0
    ReportDay.objects.bulk_create(
        [ReportDay(day=day) for day in wanted if day not in fresh], ignore_conflicts=True
    )
    with transaction.atomic():
        window = ReportDay.objects.filter(day__gte=first, day__lte=last, dirty=True)
        days = list(window.select_for_update().values_list("day", flat=True))
        if not days:
            return 0  # another report did them meanwhile
        # Only the locked days: another day that a booking marked dirty since the lock
        # is not recomputed here and must stay dirty (`window` would include it).
        ReportDay.objects.filter(day__in=days).update(dirty=False)
        DailyFigure.objects.filter(kind__in=DAY_KINDS, day__in=days).delete()
        DailyFigure.objects.bulk_create(_figures(days), batch_size=5000)
        months = {clinic_calendar.month_start(day) for day in days}
        ReportMonth.objects.bulk_create(
            [ReportMonth(month=month) for month in months], ignore_conflicts=True
        )
        ReportMonth.objects.filter(month__in=months).update(dirty=True)
    return len(days)


def _summarise_months(first, last):
    start, after = clinic_calendar.whole_months(first, last)
    if start == after:
        return
    wanted = clinic_calendar.months(start, after)
    fresh = ReportMonth.objects.filter(month__gte=start, month__lt=after, dirty=False).count()
    if fresh == len(wanted):
        return
    ReportMonth.objects.bulk_create(
        [ReportMonth(month=month) for month in wanted], ignore_conflicts=True
    )
    with transaction.atomic():
        window = ReportMonth.objects.filter(month__gte=start, month__lt=after, dirty=True)
        months = sorted(window.select_for_update().values_list("month", flat=True))
        if not months:
            return
        # Only the locked months (see _summarise_days).
        ReportMonth.objects.filter(month__in=months).update(dirty=False)
        DailyFigure.objects.filter(kind=Kind.DOCTOR_MONTH, day__in=months).delete()
        DailyFigure.objects.bulk_create(_doctor_months(months), batch_size=5000)


def _runs(days):
    """The sorted `days` as runs of consecutive days: [(first, last), ...]."""
    runs = []
    for day in sorted(days):
        if runs and runs[-1][1] + timedelta(days=1) == day:
            runs[-1][1] = day
        else:
            runs.append([day, day])
    return runs


def _starting_on(days, prefix=""):
    """Q for appointments starting on one of `days` (Asia/Dhaka): one index range a run."""
    condition = Q(pk__in=[])
    for first, last in _runs(days):
        since, until = clinic_calendar.window(first, last)
        condition |= Q(**{f"{prefix}start__gte": since, f"{prefix}start__lt": until})
    return condition


def _figures(days):
    """The DailyFigure rows of `days`, for all doctors: each kind grouped by its function
    in reports.figures, the figures' one definition, in the database."""
    appointments = Appointment.objects.filter(_starting_on(days))
    events = AppointmentEvent.objects.filter(_starting_on(days, "appointment__"))
    groups = {
        Kind.STATUS: figures.status_rows(appointments),
        Kind.SPECIALIZATION: figures.specialization_rows(appointments),
        Kind.DISTRICT: figures.district_rows(appointments),
        Kind.HOUR: figures.hour_rows(appointments),
        Kind.DOCTOR: figures.doctor_rows(appointments),
        Kind.CANCELLED_BY: figures.cancellation_rows(events),
    }
    for kind, rows in groups.items():
        for row in rows:
            yield DailyFigure(
                day=row["day"],
                kind=kind,
                key=row["key"] or "",
                count=row["count"],
                amount=row.get("amount") or 0,
            )


def _doctor_months(months):
    """Each doctor's completed visits of each of `months`, summed from the day rows."""
    after = clinic_calendar.next_month(months[-1])
    rows = (
        DailyFigure.objects.filter(kind=Kind.DOCTOR, day__gte=months[0], day__lt=after)
        .values("key", month=TruncMonth("day"))
        .annotate(n=Sum("count"), total=Sum("amount"))
        .order_by()
    )
    wanted = set(months)
    for row in rows:
        if row["month"] in wanted:
            yield DailyFigure(
                day=row["month"],
                kind=Kind.DOCTOR_MONTH,
                key=row["key"],
                count=row["n"],
                amount=row["total"],
            )
