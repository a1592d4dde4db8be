"""The API's reports for staff: the overview's and one doctor's figures for a range of
days. The figures are the report pages' (reports.selectors.overview and doctor_report
over parse_range)."""

from datetime import date
from decimal import Decimal
from typing import Literal

from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Router, Schema, Status
from ninja.errors import HttpError

from accounts import tokens
from accounts.models import DoctorProfile, User
from appion import clinic_calendar
from reports import selectors
from reports.figures import STATUSES
from scheduling import selectors as scheduling_selectors
from scheduling.api import AppointmentOut, DetailOut, appointment_data

router = Router(tags=["admin"], auth=tokens.BearerToken())
# Each role's dashboard: here, in the one app that sees all three roles' figures.
dashboard_router = Router(tags=["users"], auth=tokens.BearerToken())


class TotalsOut(Schema):
    start_date: date
    end_date: date
    total_appointments: int
    by_status: dict[str, int]
    revenue: Decimal
    completion_rate: float | None
    no_show_rate: float | None
    cancellation_rate: float | None


class DoctorReportOut(TotalsOut):
    doctor_id: int
    doctor_name: str
    patients: int
    new_patients: int
    returning_patients: int


class OverviewOut(TotalsOut):
    cancelled_by: dict[str, int]
    new_patients: int
    new_doctors: int
    awaiting_verification: int


def _range(start_date, end_date):
    """The report pages' range (parse_range) and, for a range they refuse, the 422
    body."""
    rng, errors = selectors.parse_range(
        {"start_date": start_date or "", "end_date": end_date or ""}
    )
    body = {"detail": [{"loc": ["start_date"], "msg": str(e), "type": "invalid"} for e in errors]}
    return rng, body if errors else None


def _totals(rng, totals):
    """The range and the totals both reports share (reports.figures.totals)."""
    return {
        "start_date": rng.start,
        "end_date": rng.end,
        "total_appointments": totals["total"],
        "by_status": {status: totals[status] for status in STATUSES},
        "revenue": Decimal(totals["revenue"]).quantize(Decimal("0.01")),
        "completion_rate": totals["completion_rate"],
        "no_show_rate": totals["no_show_rate"],
        "cancellation_rate": totals["cancellation_rate"],
    }


def _overview(rng):
    """The overview page's figures for `rng` as the API gives them."""
    figures = selectors.overview(rng)
    return {
        **_totals(rng, figures["totals"]),
        "cancelled_by": figures["cancelled_by"],
        "new_patients": figures["new_users"]["patients"],
        "new_doctors": figures["new_users"]["doctors"],
        "awaiting_verification": figures["awaiting_verification"],
    }


@router.get("/overview", response={200: OverviewOut, 403: dict, 422: dict})
def overview(request, start_date: str | None = None, end_date: str | None = None):
    """The overview page's figures for the days `start_date` to `end_date` (the last 30
    days by default; the page's rules for the range, else 422): the totals by status,
    the revenue and rates, who cancelled, and the new accounts. Staff only."""
    if not request.auth.is_staff:
        raise HttpError(403, _("Only staff can do this."))
    rng, errors = _range(start_date, end_date)
    if errors:
        return Status(422, errors)
    return _overview(rng)


@router.get("/doctor/{doctor_id}", response={200: DoctorReportOut, 403: dict, 404: dict, 422: dict})
def doctor_report(
    request, doctor_id: int, start_date: str | None = None, end_date: str | None = None
):
    """A doctor's figures for the days `start_date` to `end_date` (the last 30 days by
    default; the report page's rules for the range, else 422). Staff only."""
    if not request.auth.is_staff:
        raise HttpError(403, _("Only staff can do this."))
    doctor = get_object_or_404(DoctorProfile.objects.select_related("user"), pk=doctor_id)
    rng, errors = _range(start_date, end_date)
    if errors:
        return Status(422, errors)
    figures = selectors.doctor_report(doctor, rng)
    return {
        "doctor_id": doctor.pk,
        "doctor_name": doctor.user.full_name,
        **_totals(rng, figures["totals"]),
        "patients": figures["patients"],
        "new_patients": figures["new_patients"],
        "returning_patients": figures["returning_patients"],
    }


# The dashboard: what each role's landing page shows (accounts.views.dashboard sends
# staff to the reports' overview, patients to their appointments, doctors to the portal).
DASHBOARD_LIMIT = 20


class PatientDashboardOut(Schema):
    role: Literal["patient"]
    upcoming_total: int
    history_total: int
    upcoming: list[AppointmentOut]


class DoctorCountsOut(Schema):
    week: int
    month: int
    completed_month: int
    week_first: date
    week_last: date
    month_first: date
    month_last: date


class DoctorDashboardOut(Schema):
    role: Literal["doctor"]
    today: date
    agenda: list[AppointmentOut]
    pending_total: int
    pending: list[AppointmentOut]
    counts: DoctorCountsOut


class StaffDashboardOut(Schema):
    role: Literal["staff"]
    overview: OverviewOut


DashboardOut = PatientDashboardOut | DoctorDashboardOut | StaffDashboardOut


@dashboard_router.get("", response={200: DashboardOut, 403: DetailOut})
def dashboard(request):
    """The caller's landing figures, as their page shows them: staff the overview of the
    last 30 days; a patient their upcoming appointments (the first 20, soonest first)
    and how many are history; a doctor today's agenda, the pending requests (the first
    20) and the week's and month's counts (the portal's)."""
    user = request.auth
    now = timezone.now()
    if user.is_staff:
        rng, _errors = _range(None, None)
        return {"role": "staff", "overview": _overview(rng)}
    if user.role == User.Role.DOCTOR:
        doctor = user.doctor_profile
        today = clinic_calendar.today()
        pending = scheduling_selectors.pending_requests(doctor, now=now)
        agenda = scheduling_selectors.agenda(doctor, [today])[0][1]
        # The same rows with what the API shows of each (doctor, chamber), in one query.
        pending_ids = list(pending.values_list("pk", flat=True)[:DASHBOARD_LIMIT])
        shown = scheduling_selectors.visible_appointments(user).in_bulk(
            [a.pk for a in agenda] + pending_ids
        )
        return {
            "role": "doctor",
            "today": today,
            "agenda": [appointment_data(shown[a.pk], user) for a in agenda],
            "pending_total": pending.count(),
            "pending": [appointment_data(shown[pk], user) for pk in pending_ids],
            "counts": scheduling_selectors.portal_counts(doctor, today=today, now=now),
        }
    if user.role != User.Role.PATIENT:
        raise HttpError(403, _("This account has no dashboard."))
    mine = scheduling_selectors.visible_appointments(user).filter(patient=user)
    still_on = scheduling_selectors.still_to_come(now)
    upcoming = mine.filter(still_on).order_by("start", "pk")
    return {
        "role": "patient",
        "upcoming_total": upcoming.count(),
        "history_total": mine.exclude(still_on).count(),
        "upcoming": [appointment_data(a, user) for a in upcoming[:DASHBOARD_LIMIT]],
    }
