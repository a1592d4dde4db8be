"""The API's reports for staff: the overview's and one doctor's figures for a range of
days. The figures are the report pages' (reports.selectors.overview and doctor_report
over parse_range)."""

from datetime import date
from decimal import Decimal

from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from ninja import Router, Schema, Status
from ninja.errors import HttpError

from accounts import tokens
from accounts.models import DoctorProfile
from reports import selectors
from reports.figures import STATUSES

router = Router(tags=["admin"], auth=tokens.BearerToken())


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
    figures = selectors.overview(rng)
    return {
        **_totals(rng, figures["totals"]),
        "cancelled_by": figures["cancelled_by"],
        "new_patients": figures["new_users"]["patients"],
        "new_doctors": figures["new_users"]["doctors"],
        "awaiting_verification": figures["awaiting_verification"],
    }


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
