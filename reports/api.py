"""The API's reports: one doctor's figures for a range of days, for staff. The figures
are the doctor report page's (reports.selectors.doctor_report over parse_range)."""

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


class DoctorReportOut(Schema):
    doctor_id: int
    doctor_name: str
    start_date: date
    end_date: date
    total_appointments: int
    by_status: dict[str, int]
    revenue: Decimal
    completion_rate: float | None
    no_show_rate: float | None
    cancellation_rate: float | None
    patients: int
    new_patients: int
    returning_patients: int


@router.get("/doctor/{doctor_id}", response={200: DoctorReportOut, 403: dict, 404: dict, 422: dict})
def doctor_report(
    request, doctor_id: int, start_date: str | None = None, end_date: str | None = None
):
    """A doctor's figures for the days `start_date` to `end_date` (the last 30 days by
    default; the report page's rules for the range, else 422). Staff only."""
    if not request.auth.is_staff:
        raise HttpError(403, _("Only staff can do this."))
    doctor = get_object_or_404(DoctorProfile.objects.select_related("user"), pk=doctor_id)
    params = {"start_date": start_date or "", "end_date": end_date or ""}
    rng, errors = selectors.parse_range(params)
    if errors:
        return Status(
            422,
            {"detail": [{"loc": ["start_date"], "msg": str(e), "type": "invalid"} for e in errors]},
        )
    figures = selectors.doctor_report(doctor, rng)
    totals = figures["totals"]
    return {
        "doctor_id": doctor.pk,
        "doctor_name": doctor.user.full_name,
        "start_date": rng.start,
        "end_date": rng.end,
        "total_appointments": totals["total"],
        "by_status": {status: totals[status] for status in STATUSES},
        "revenue": Decimal(totals["revenue"]).quantize(Decimal("0.01")),
        "completion_rate": totals["completion_rate"],
        "no_show_rate": totals["no_show_rate"],
        "cancellation_rate": totals["cancellation_rate"],
        "patients": figures["patients"],
        "new_patients": figures["new_patients"],
        "returning_patients": figures["returning_patients"],
    }
