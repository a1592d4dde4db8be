from decimal import Decimal
from urllib.parse import urlencode

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.decorators import doctor_required, staff_required
from accounts.models import DoctorProfile
from appion import clinic_calendar
from appion.csv_download import csv_download
from locations.models import local_name
from reports import charts, selectors
from reports.figures import STATUSES

# Labels by Python's weekday number (Monday 0); the heat map lists them in the clinic's
# week order (clinic_calendar.WEEK_ORDER, Saturday first).
WEEKDAYS = {
    0: gettext_lazy("Mon"),
    1: gettext_lazy("Tue"),
    2: gettext_lazy("Wed"),
    3: gettext_lazy("Thu"),
    4: gettext_lazy("Fri"),
    5: gettext_lazy("Sat"),
    6: gettext_lazy("Sun"),
}


CANCELLED_BY = {
    "patient": gettext_lazy("by the patient"),
    "doctor": gettext_lazy("by the doctor"),
    "staff": gettext_lazy("by staff"),
    "system": gettext_lazy("by the system"),
}


def _cancelled_by(figures):
    """Who cancelled, as translated labels, most first."""
    pairs = sorted(figures["cancelled_by"].items(), key=lambda pair: -pair[1])
    return [(CANCELLED_BY.get(who, who), n) for who, n in pairs]


def _per_period_context(figures):
    per_period, weekly = charts.per_period(figures["per_day"])
    title = _("Appointments per week") if weekly else _("Appointments per day")
    return {
        "per_period": per_period,
        "per_period_weekly": weekly,
        "per_period_title": title,
        "per_day_chart": charts.per_day_chart(per_period, title),
    }


def _range_context(request):
    rng, errors = selectors.parse_range(request.GET)
    picks = selectors.quick_picks(clinic_calendar.today())
    return rng, {
        "range": rng,
        "range_errors": errors,
        "picks": [(key, label) for key, (label, _r) in picks.items()],
    }


def _heat_map(week_hours):
    """A row a weekday, Saturday first, of the counts by hour; `week_hours` is keyed by
    (ISO weekday 1–7, hour)."""
    hours = sorted({hour for _day, hour in week_hours}) or list(range(8, 18))
    peak = max(week_hours.values(), default=0) or 1
    rows = []
    for weekday in clinic_calendar.WEEK_ORDER:
        counts = [week_hours.get((weekday + 1, hour), 0) for hour in hours]  # ISO: Monday 1
        rows.append((WEEKDAYS[weekday], [(n, n / peak) for n in counts]))
    return {"hours": hours, "rows": rows}


@staff_required
def overview(request):
    rng, context = _range_context(request)
    figures = selectors.overview(rng)
    specialization_pairs = [
        (
            local_name(row["doctor__specialization__name"], row["doctor__specialization__name_bn"]),
            row["n"],
        )
        for row in figures["by_specialization"]
    ]
    admin_list = _admin_appointments(rng)
    context.update(
        figures=figures,
        cancelled_by=_cancelled_by(figures),
        admin_list=admin_list,
        admin_links={status: f"{admin_list}&status__exact={status}" for status in STATUSES},
        specialization_rows=[
            (name, n, _specialization_link(admin_list, row["doctor__specialization_id"]))
            for (name, n), row in zip(
                specialization_pairs, figures["by_specialization"], strict=True
            )
        ],
        **_per_period_context(figures),
        specialization_chart=charts.bars_chart(
            specialization_pairs, _("Appointments by specialization")
        ),
        specialization_pairs=specialization_pairs,
        heat_map=_heat_map(figures["week_hours"]),
    )
    return render(request, "reports/overview.html", context)


def _admin_appointments(rng):
    """The admin's appointment list filtered to the range, behind the overview's figures
    (its "start" filter takes these bounds)."""
    since, until = rng.window
    bounds = urlencode({"start__gte": str(since), "start__lt": str(until)})
    return f"{reverse('admin:scheduling_appointment_changelist')}?{bounds}"


def _specialization_link(admin_list, specialization_id):
    if not specialization_id:
        return None
    return f"{admin_list}&doctor__specialization__id__exact={specialization_id}"


def _doctor_for(request, doctor_id):
    """Staff may open any doctor's report, a doctor only their own: anything else 404."""
    doctor = get_object_or_404(DoctorProfile.objects.select_related("user"), pk=doctor_id)
    user = request.user
    if not (user.is_staff or doctor.user_id == user.pk):
        raise Http404
    return doctor


def _doctor_report(request, doctor):
    rng, context = _range_context(request)
    appointments = selectors.appointment_list(rng, doctor)
    if request.GET.get("format") == "csv":
        return _csv_response(appointments, doctor, rng)
    figures = selectors.doctor_report(doctor, rng)
    context.update(
        doctor=doctor,
        figures=figures,
        cancelled_by=_cancelled_by(figures),
        **_per_period_context(figures),
        heat_map=_heat_map(figures["week_hours"]),
        page=Paginator(appointments, 50).get_page(request.GET.get("page")),
        query=_query_without_page(request),
        advances=selectors.payment_reconciliation(rng, doctor=doctor)["totals"],
    )
    return render(request, "reports/doctor.html", context)


def _query_without_page(request):
    query = request.GET.copy()
    query.pop("page", None)
    return query.urlencode()


@login_required
def doctor(request, doctor_id):
    return _doctor_report(request, _doctor_for(request, doctor_id))


@doctor_required
def my_report(request):
    return _doctor_report(request, request.user.doctor_profile)


def _csv_response(appointments, doctor, rng):
    """The range's appointments as a streamed CSV, one row per appointment."""

    def rows():
        for appointment in appointments.iterator(chunk_size=2000):
            start = timezone.localtime(appointment.start)
            yield [
                start.date().isoformat(),
                start.strftime("%H:%M"),
                appointment.serial,
                appointment.patient_name,
                appointment.patient_mobile,
                appointment.status,
                appointment.fee,
                timezone.localtime(appointment.created_at).isoformat(timespec="minutes"),
            ]

    return csv_download(
        ["date", "time", "serial", "patient", "mobile", "status", "fee", "booked at"],
        rows(),
        f"appointments-{doctor.pk}-{rng.start}-{rng.end}.csv",
    )


@staff_required
def payments(request):
    """Advances paid online, reconciled (issue #21): by day and chamber, collected,
    refunded, kept and refunds outstanding, for the range; as CSV with format=csv."""
    rng, context = _range_context(request)
    figures = selectors.payment_reconciliation(rng)
    if request.GET.get("format") == "csv":
        header = [
            _("Day"),
            _("Chamber"),
            _("Doctor"),
            _("Payments"),
            _("Collected (BDT)"),
            _("Refunded (BDT)"),
            _("Kept (BDT)"),
            _("Refunds outstanding (BDT)"),
        ]
        rows = (
            [
                row["day"].isoformat(),
                row["appointment__chamber__name"],
                row["appointment__doctor__user__full_name"],
                row["payments"],
                *(
                    f"{Decimal(row[name]):.2f}"
                    for name in ("collected", "refunded", "kept", "outstanding")
                ),
            ]
            for row in figures["rows"]
        )
        return csv_download(header, rows, f"appion-payments-{rng.start}-{rng.end}.csv")
    context.update(figures=figures, csv_query=urlencode({**request.GET.dict(), "format": "csv"}))
    return render(request, "reports/payments.html", context)
