"""The API's scheduling endpoints: the doctors' directory, a doctor's profile and free
slots; booking and the appointments after it. The directory's filters, sorts and pages
are the page's (forms.DirectoryFilterForm, selectors.directory_doctors); a value the
form cannot understand is a 422 here, where the page leaves it out and names it."""

from datetime import date, datetime
from decimal import Decimal
from functools import wraps
from hashlib import sha256

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.http import Http404, HttpResponse
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.debug import sensitive_post_parameters
from ninja import Query, Router, Schema, Status
from ninja.decorators import decorate_view
from ninja.errors import HttpError
from pydantic import Field

from accounts import api as accounts_api
from accounts import services as account_services
from accounts import tokens
from accounts.api import UserOut, form_errors
from accounts.forms import DoctorProfileForm, PatientRegistrationForm
from accounts.models import DoctorProfile, Specialization, User
from accounts.views import profile_initial
from appion import clinic_calendar
from appion.api_params import CalendarDay, DatabaseInt
from appion.ratelimits import limit_posts
from locations.models import Thana
from scheduling import payments, selectors, services, sslcommerz
from scheduling.calendar import appointment_ics as make_ics
from scheduling.calendar import audience_for, ics_filename
from scheduling.forms import (
    BookingForm,
    CancelForm,
    ChamberForm,
    DirectoryFilterForm,
    DoctorRegistrationForm,
    SlotDayForm,
    SlotStartForm,
)
from scheduling.hours import format_ranges
from scheduling.models import WEEK_ORDER, Appointment, Weekday
from scheduling.views.common import PAGE_SIZE

router = Router(tags=["doctors"])


class SlotOut(Schema):
    start: datetime
    end: datetime
    serial: int
    chamber_id: int | None
    chamber: str


class DoctorOut(Schema):
    id: int
    full_name: str
    specialization: str
    qualifications: str
    experience_years: int
    consultation_fee: Decimal
    online_consultation: bool = Field(
        False, description="Whether the doctor holds online (video) consultations."
    )
    next_free_slot: SlotOut | None = None


class DoctorDetailOut(DoctorOut):
    bio: str


class DoctorPageOut(Schema):
    total: int
    page: int
    pages: int
    items: list[DoctorOut]


class DirectoryQuery(Schema):
    q: str | None = None
    specialization: str | None = None
    division: str | None = None
    district: str | None = None
    thana: str | None = None
    max_fee: str | None = None
    online: str | None = Field(None, description="1: only doctors with online consultations.")
    date: str | None = None
    sort: str | None = None
    page: int = 1


class DetailOut(Schema):
    detail: str


class ErrorsOut(Schema):
    detail: list[dict]


def _slot(slot):
    if slot is None:
        return None
    return {
        "start": timezone.localtime(slot.start),
        "end": timezone.localtime(slot.end),
        "serial": slot.serial,
        "chamber_id": slot.chamber_id,
        "chamber": slot.chamber_name,
    }


def _doctor(doctor, next_slot=None):
    return {
        "id": doctor.pk,
        "full_name": doctor.user.full_name,
        "specialization": str(doctor.specialization),
        "qualifications": doctor.qualifications,
        "experience_years": doctor.experience_years,
        "consultation_fee": doctor.consultation_fee,
        "bio": doctor.bio,
        "online_consultation": bool(getattr(doctor, "offers_online", False)),
        "next_free_slot": _slot(next_slot),
    }


def _listed_doctor(doctor_id):
    doctor = (
        selectors.with_online(selectors.listed_doctors())
        .select_related("user", "specialization", "schedule_settings")
        .filter(pk=doctor_id)
        .first()
    )
    if doctor is None:
        raise Http404
    return doctor


def _keep_answers(seconds_setting, key):
    """A view decorator for ninja's decorate_view: the operation's 200 answers are kept
    in the cache as they were sent, for as many seconds as the setting `seconds_setting`
    says (0: not kept), under `key(request, **path_parameters)` (None: not kept), and
    sent from there while they last. Refusals never are kept."""

    def decorator(run):
        @wraps(run)
        def kept(request, *args, **kwargs):
            seconds = getattr(settings, seconds_setting)
            address = key(request, **kwargs) if seconds and request.method == "GET" else None
            if address is None:
                return run(request, *args, **kwargs)
            found = cache.get(address)
            if found is not None:
                content, content_type = found
                return HttpResponse(content, content_type=content_type)
            response = run(request, *args, **kwargs)
            if response.status_code == 200 and not response.cookies:
                cache.set(address, (response.content, response["Content-Type"]), seconds)
            return response

        return kept

    return decorator


def _directory_address(request):
    address = f"{get_language()}|{request.get_full_path()}"
    return "api-doctors:" + sha256(address.encode()).hexdigest()


@router.get("/doctors", response={200: DoctorPageOut, 422: ErrorsOut})
@decorate_view(_keep_answers("APPION_PAGE_CACHE_SECONDS", _directory_address))
def doctors(request, query: Query[DirectoryQuery]):
    """The verified doctors the directory's filters find, a page of PAGE_SIZE. Like the
    directory page, kept for APPION_PAGE_CACHE_SECONDS, and for every caller: the answer
    names none, so it is the same for everyone who asks the same address in the same
    language (its next free slots may lag by that long; booking checks the slot afresh)."""
    values = query.dict(exclude_none=True, exclude={"page"})
    form = DirectoryFilterForm(values)
    if not form.is_valid():
        return Status(422, {"detail": form_errors(form)})
    now = timezone.now()
    found = selectors.directory_doctors(order=form.order, day=form.day, now=now, **form.filters)
    paginator = selectors.DirectoryPaginator(found, PAGE_SIZE)
    if query.page < 1 or (query.page > paginator.num_pages):
        page_doctors = []
    else:
        page_doctors = list(paginator.page(query.page).object_list)
    slots = selectors.card_slots(page_doctors, day=form.day, now=now)
    return {
        "total": paginator.count,
        "page": query.page,
        "pages": paginator.num_pages,
        "items": [_doctor(doctor, slots[doctor.pk][0]) for doctor in page_doctors],
    }


@router.get("/doctors/{doctor_id}", response={200: DoctorDetailOut, 404: DetailOut})
def doctor(request, doctor_id: int):
    """A verified doctor's profile with their next free slot; 404 for any other id."""
    doctor = _listed_doctor(doctor_id)
    return _doctor(doctor, selectors.next_free_slots([doctor])[doctor.pk])


def _slots_address(request, doctor_id):
    day = request.GET.get("date", "")
    if len(day) > len("2026-03-10"):
        return None  # no date: a 422, never kept
    return "api-" + selectors.slots_cache_key(doctor_id, day, get_language())


@router.get(
    "/doctors/{doctor_id}/slots", response={200: list[SlotOut], 404: DetailOut, 422: ErrorsOut}
)
@decorate_view(_keep_answers("APPION_SLOTS_CACHE_SECONDS", _slots_address))
def doctor_slots(request, doctor_id: int, date: date | None = None):
    """The doctor's free slots of `date` (default: their first bookable day), inside
    their booking window (forms.SlotDayForm: else 422). Like the page's slot list, kept
    for APPION_SLOTS_CACHE_SECONDS under a key that each booking, cancellation and
    schedule change of the doctor replaces (selectors.slots_cache_key)."""
    doctor = _listed_doctor(doctor_id)
    form = SlotDayForm({"date": date.isoformat() if date else ""}, doctor=doctor)
    if not form.is_valid():
        return Status(422, {"detail": form_errors(form)})
    day = form.cleaned_data["date"]
    return [_slot(slot) for slot in selectors.free_slots(doctor, day, day).get(day, [])]


# Appointments: a patient books, reads, cancels and moves their own; the doctor and staff
# read and move theirs through the statuses. Each id is looked up among
# selectors.visible_appointments(user), so another user's appointment is a 404; every
# rule is the services' (BookingError: 403 for the wrong party, 409 otherwise).
appointments_router = Router(tags=["appointments"], auth=tokens.BearerToken())

MAX_LIMIT = 100


class AppointmentIn(Schema):
    doctor_id: int
    appointment_datetime: str
    symptoms: str = ""
    notes: str = ""


class AppointmentOut(Schema):
    id: int
    status: str
    serial: int
    start: datetime
    end: datetime
    fee: Decimal
    chamber_id: int | None
    chamber: str
    doctor_id: int
    doctor_name: str
    # None for a walk-in added at the chamber (no account); patient_name is theirs.
    patient_id: int | None
    patient_name: str
    symptoms: str
    notes: str
    online: bool = Field(description="Whether this is an online (video) consultation.")
    video_url: str | None = Field(
        None,
        description=(
            "The video room of an online consultation: only for its patient and its "
            "doctor, from 15 minutes before the start to the end of its day; else null."
        ),
    )
    hold_until: datetime | None = Field(
        None,
        description=(
            "For status awaiting_payment: until when the slot is held while the patient "
            "pays the chamber's advance online (POST …/pay); else null."
        ),
    )


class AppointmentPageOut(Schema):
    total: int
    items: list[AppointmentOut]


class StatusIn(Schema):
    status: str
    reason: str = ""


class CancelIn(Schema):
    reason: str = ""


class RescheduleIn(Schema):
    appointment_datetime: str


REFUSALS = {403: DetailOut, 404: DetailOut, 409: DetailOut, 422: ErrorsOut}


def appointment_data(appointment, user=None):
    """The API's appointment; its video room only as selectors.video_link gives it to
    `user` (None: never)."""
    return {
        "id": appointment.pk,
        "status": appointment.status,
        "serial": appointment.serial,
        "start": timezone.localtime(appointment.start),
        "end": timezone.localtime(appointment.end),
        "fee": appointment.fee,
        "chamber_id": appointment.chamber_id,
        "chamber": appointment.chamber.name if appointment.chamber_id else "",
        "doctor_id": appointment.doctor_id,
        "doctor_name": appointment.doctor.user.full_name,
        "patient_id": appointment.patient_id,
        "patient_name": appointment.patient_name,
        "symptoms": appointment.symptoms,
        "notes": appointment.notes,
        "online": appointment.is_online,
        "video_url": selectors.video_link(appointment, user) if user is not None else None,
        "hold_until": timezone.localtime(appointment.hold_until)
        if appointment.status == Appointment.Status.AWAITING_PAYMENT and appointment.hold_until
        else None,
    }


def _visible(request, appointment_id):
    """The appointment `appointment_id` if the caller may see it, else 404."""
    appointment = selectors.visible_appointments(request.auth).filter(pk=appointment_id).first()
    if appointment is None:
        raise Http404
    return appointment


def _refused(error):
    """A services.BookingError as the API's answer: 403 for the wrong party, else 409."""
    status = 403 if error.code == services.BookingError.FORBIDDEN else 409
    return Status(status, {"detail": str(error.message)})


def _start(value):
    """The slot start `value` names (ISO; naive is Dhaka time) or a 422 answer."""
    form = SlotStartForm({"start": value})
    if not form.is_valid():
        return None, Status(422, {"detail": form_errors(form)})
    return form.cleaned_data["start"], None


@appointments_router.post("/", response={201: AppointmentOut, 429: DetailOut, **REFUSALS})
@sensitive_post_parameters()
@limit_posts(group="booking", key="ip", rate_setting="APPION_RATE_BOOKING")
@limit_posts(group="booking-account", key="user_or_ip", rate_setting="APPION_RATE_BOOKING_ACCOUNT")
def book(request, payload: AppointmentIn):
    """Book the free slot of a listed doctor that starts at `appointment_datetime` for
    the caller, who must be a patient (services.book_appointment decides everything):
    201 with the appointment; 409 with the booking page's words when the slot is taken
    or no longer free; 404 for a doctor who is not listed."""
    doctor = _listed_doctor(payload.doctor_id)
    start, invalid = _start(payload.appointment_datetime)
    form = BookingForm({"symptoms": payload.symptoms, "notes": payload.notes})
    if invalid or not form.is_valid():
        return invalid or Status(422, {"detail": form_errors(form)})
    try:
        appointment = services.book_appointment(
            patient=request.auth,
            doctor=doctor,
            start=start,
            symptoms=form.cleaned_data["symptoms"],
            notes=form.cleaned_data["notes"],
        )
    except services.BookingError as error:
        return _refused(error)
    return Status(201, appointment_data(_visible(request, appointment.pk), request.auth))


@appointments_router.get("/", response={200: AppointmentPageOut, 422: ErrorsOut})
def appointments(request, skip: DatabaseInt = 0, limit: int = PAGE_SIZE, status: str | None = None):
    """The caller's appointments (a patient's own, a doctor's patients', staff all),
    latest first, `limit` (at most 100) from `skip`, of one `status` when given."""
    if (
        skip < 0
        or not 1 <= limit <= MAX_LIMIT
        or (status and status not in Appointment.Status.values)
    ):
        return Status(422, {"detail": _paging_errors(skip, limit, status)})
    found = selectors.visible_appointments(request.auth)
    if status:
        found = found.filter(status=status)
    return _page_of(found, skip=skip, limit=limit, user=request.auth)


def _page_of(appointments, *, skip, limit, user):
    """{"total", "items"}: `limit` of `appointments` from `skip`, newest first. The items
    join only what they show (the doctor's and the patient's names, the chamber's), not
    all that visible_appointments brings for the pages: two queries, whatever the limit."""
    appointments = appointments.order_by("-start", "-pk")
    items = appointments.select_related(None).select_related("doctor__user", "chamber", "patient")
    return {
        "total": appointments.count(),
        "items": [appointment_data(a, user) for a in items[skip : skip + limit]],
    }


def _paging_errors(skip, limit, status):
    errors = []
    if skip < 0:
        errors.append({"loc": ["skip"], "msg": _("Must be 0 or more."), "type": "invalid"})
    if not 1 <= limit <= MAX_LIMIT:
        errors.append(
            {
                "loc": ["limit"],
                "msg": _("Must be from 1 to %(max)s.") % {"max": MAX_LIMIT},
                "type": "invalid",
            }
        )
    if status and status not in Appointment.Status.values:
        errors.append({"loc": ["status"], "msg": _("That is not a status."), "type": "invalid"})
    return errors


@appointments_router.get("/{appointment_id}", response={200: AppointmentOut, 404: DetailOut})
def appointment(request, appointment_id: int):
    return appointment_data(_visible(request, appointment_id), request.auth)


@appointments_router.patch("/{appointment_id}/status", response={200: AppointmentOut, **REFUSALS})
def change_status(request, appointment_id: int, payload: StatusIn):
    """Move the appointment to `status` through services.change_status: 403 when the
    caller's part in it does not allow that move, 409 when the appointment's state or
    time does not."""
    appointment = _visible(request, appointment_id)
    if payload.status not in Appointment.Status.values:
        return Status(
            422,
            {"detail": [{"loc": ["status"], "msg": _("That is not a status."), "type": "invalid"}]},
        )
    form = CancelForm({"reason": payload.reason})
    if not form.is_valid():
        return Status(422, {"detail": form_errors(form)})
    try:
        appointment = services.change_status(
            appointment=appointment,
            to=payload.status,
            by=request.auth,
            reason=form.cleaned_data["reason"],
        )
    except services.BookingError as error:
        return _refused(error)
    return appointment_data(_visible(request, appointment.pk), request.auth)


@appointments_router.post("/{appointment_id}/cancel", response={200: AppointmentOut, **REFUSALS})
def cancel(request, appointment_id: int, payload: CancelIn | None = None):
    """Cancel the appointment (services.cancel_appointment), with an optional reason."""
    appointment = _visible(request, appointment_id)
    form = CancelForm({"reason": payload.reason if payload else ""})
    if not form.is_valid():
        return Status(422, {"detail": form_errors(form)})
    try:
        appointment = services.cancel_appointment(
            appointment=appointment, by=request.auth, reason=form.cleaned_data["reason"]
        )
    except services.BookingError as error:
        return _refused(error)
    return appointment_data(_visible(request, appointment.pk), request.auth)


@appointments_router.post(
    "/{appointment_id}/reschedule", response={200: AppointmentOut, **REFUSALS}
)
def reschedule(request, appointment_id: int, payload: RescheduleIn):
    """Move the caller's appointment to another free slot of the same doctor
    (services.reschedule_appointment: the old one is cancelled, the new one booked, or
    neither): the new appointment."""
    appointment = _visible(request, appointment_id)
    start, invalid = _start(payload.appointment_datetime)
    if invalid:
        return invalid
    try:
        new = services.reschedule_appointment(appointment=appointment, start=start, by=request.auth)
    except services.BookingError as error:
        return _refused(error)
    return appointment_data(_visible(request, new.pk), request.auth)


class CheckoutOut(Schema):
    redirect_url: str = Field(description="The payment gateway's page to send the patient to.")
    amount: Decimal
    hold_until: datetime


@appointments_router.post(
    "/{appointment_id}/pay",
    response={200: CheckoutOut, 403: DetailOut, 404: DetailOut, 409: DetailOut, 503: DetailOut},
)
def pay(request, appointment_id: int):
    """For the patient of an appointment awaiting its advance (a chamber that takes one
    online): start the payment gateway's session and get the page to send them to. The
    gateway then reports to the site, which records the payment (scheduling.payments);
    the appointment's status follows. 409 when there is nothing to pay, 503 while the
    gateway is away."""
    appointment = _visible(request, appointment_id)
    if appointment.patient_id != request.auth.pk:
        return Status(403, {"detail": "Only the patient pays the advance."})
    payment = appointment.payments.filter(state="started").first()
    if appointment.status != Appointment.Status.AWAITING_PAYMENT or payment is None:
        return Status(409, {"detail": "This appointment has nothing to pay online."})
    try:
        url = payments.checkout(payment)
    except (sslcommerz.GatewayUnavailable, sslcommerz.GatewayRefused):
        return Status(503, {"detail": "The payment service is not answering; try again."})
    return {
        "redirect_url": request.build_absolute_uri(url),
        "amount": payment.amount,
        "hold_until": timezone.localtime(appointment.hold_until),
    }


ICS_RESPONSE = {
    "responses": {
        200: {
            "description": "The appointment as an iCalendar (RFC 5545) file",
            "content": {"text/calendar": {"schema": {"type": "string"}}},
        }
    }
}


@appointments_router.get(
    "/{appointment_id}/ics",
    response={200: None, 404: DetailOut},
    openapi_extra=ICS_RESPONSE,
)
def appointment_ics(request, appointment_id: int):
    """The appointment as an iCalendar file, as the appointment page offers it."""
    appointment = _visible(request, appointment_id)
    ics = make_ics(
        appointment,
        audience=audience_for(appointment, request.auth),
        page_url=request.build_absolute_uri(appointment.get_absolute_url()),
    )
    response = HttpResponse(ics, content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{ics_filename(appointment)}"'
    return response


# Staff: every appointment, filtered.
admin_router = Router(tags=["admin"], auth=tokens.BearerToken())


def staff_only(request):
    """403 unless the caller is staff."""
    if not request.auth.is_staff:
        raise HttpError(403, _("Only staff can do this."))


@admin_router.get(
    "/appointments", response={200: AppointmentPageOut, 403: DetailOut, 422: ErrorsOut}
)
def admin_appointments(
    request,
    skip: DatabaseInt = 0,
    limit: int = PAGE_SIZE,
    status: str | None = None,
    doctor_id: DatabaseInt | None = None,
    patient_id: DatabaseInt | None = None,
    start_date: CalendarDay | None = None,
    end_date: CalendarDay | None = None,
):
    """Every appointment (staff only), newest first, `limit` (at most 100) from `skip`:
    of one `status`, doctor or patient, starting on the local days from `start_date` to
    `end_date` when given."""
    staff_only(request)
    errors = _paging_errors(skip, limit, status)
    if start_date and end_date and end_date < start_date:
        errors.append(
            {
                "loc": ["end_date"],
                "msg": _("The end date is before the start date."),
                "type": "invalid",
            }
        )
    if errors:
        return Status(422, {"detail": errors})
    found = selectors.visible_appointments(request.auth)
    if start_date:
        found = found.filter(start__gte=clinic_calendar.window(start_date, start_date)[0])
    if end_date:
        found = found.filter(start__lt=clinic_calendar.window(end_date, end_date)[1])
    filters = {"status": status, "doctor_id": doctor_id, "patient_id": patient_id}
    found = found.filter(**{key: value for key, value in filters.items() if value is not None})
    return _page_of(found, skip=skip, limit=limit, user=request.auth)


# A doctor's own schedule: its own router, mounted at /doctors/schedule before the
# directory's /doctors/{doctor_id} (appion/api.py), which would take "schedule" for an id.
schedule_router = Router(tags=["doctors"], auth=tokens.BearerToken())


class ScheduleChamberOut(Schema):
    id: int
    name: str


class ScheduleOut(Schema):
    consultation_fee: Decimal
    specialization_id: int
    specialization: str
    verified: bool
    chamber: ScheduleChamberOut | None
    available_timeslots: dict[str, str]


# The weekdays by their API names, Saturday first.
WEEKDAY_NAMES = {Weekday(day).name.lower(): day for day in WEEK_ORDER}


class ScheduleIn(Schema):
    # Only what this endpoint changes: any other field is refused rather than ignored.
    model_config = {"extra": "forbid"}

    available_timeslots: str | dict[str, str] | None = Field(
        None,
        description=(
            'Ranges such as "09:00-12:00,14:00-17:00" ("" closes), for each day in `days` '
            "(Saturday to Thursday when not given); or, as GET gives them, an object of "
            "weekday names (saturday ... friday) to ranges, for those days only."
        ),
    )
    days: list[str] | None = Field(None, description="Weekday names, with a text of ranges.")
    consultation_fee: Decimal | None = None
    specialization: str | int | None = Field(None, description="Its id or its name.")


def _own_doctor(request):
    """The calling doctor's profile, or 403."""
    user = request.auth
    doctor = DoctorProfile.objects.filter(user=user).select_related("specialization").first()
    if user.role != User.Role.DOCTOR or doctor is None:
        raise HttpError(403, _("Only doctors have a schedule."))
    return doctor


def _schedule(doctor):
    """The doctor's weekly sessions at their first chamber (the first of
    selectors.doctor_chambers, in the order the doctor gave them) as
    `available_timeslots`: every weekday, Saturday first, by its English name, with its
    ranges as the hours form writes them ("09:00-12:00,14:00-17:00", "" when closed); and
    their fee, specialization and whether staff have verified them."""
    chambers = selectors.doctor_chambers(doctor)
    chamber = chambers[0] if chambers else None
    sessions = {}
    if chamber is not None:
        sessions = {
            day: hours for day, (_label, hours) in zip(WEEK_ORDER, chamber.week, strict=True)
        }
    return {
        "consultation_fee": doctor.consultation_fee,
        "specialization_id": doctor.specialization_id,
        "specialization": str(doctor.specialization),
        "verified": doctor.is_verified,
        "chamber": chamber,
        "available_timeslots": {
            name: format_ranges(
                (hour_range.start, hour_range.end) for hour_range in sessions.get(day, [])
            )
            for name, day in WEEKDAY_NAMES.items()
        },
    }


@schedule_router.get("", response={200: ScheduleOut, 403: DetailOut})
def my_schedule(request):
    """The calling doctor's schedule (_schedule). 403 for anyone but a doctor."""
    return _schedule(_own_doctor(request))


def _error(loc, message):
    return {"loc": loc, "msg": str(message), "type": "invalid"}


def _hours_form(doctor, chamber, payload):
    """The chamber page's form (forms.ChamberForm) for `chamber` as it is, with the
    payload's hours laid on top (a text of ranges through the form's quick entry for the
    chosen days), and the field errors of values the form never sees."""
    present = {
        "name": chamber.name,
        "is_online": "on" if chamber.is_online else "",
        "address": chamber.address,
        "phone": chamber.phone or "",
        "map_url": chamber.map_url or "",
        "fee": "" if chamber.fee is None else str(chamber.fee),
    }
    if chamber.thana_id:
        thana = chamber.thana
        present.update(
            thana=thana.pk, district=thana.district_id, division=thana.district.division_id
        )
    current = dict(zip(WEEK_ORDER, chamber.week, strict=True))
    for day in WEEK_ORDER:
        present[f"day_{day}"] = format_ranges((h.start, h.end) for h in current[day][1])
    errors = []
    hours = payload.available_timeslots
    if isinstance(hours, dict):
        if payload.days is not None:
            errors.append(_error(["days"], _("Give the days only with a text of ranges.")))
        for name, ranges in hours.items():
            if name.lower() not in WEEKDAY_NAMES:
                errors.append(_error(["available_timeslots", name], _("Unknown weekday.")))
            else:
                present[f"day_{WEEKDAY_NAMES[name.lower()]}"] = ranges
    else:
        unknown = [name for name in payload.days or () if name.lower() not in WEEKDAY_NAMES]
        if unknown:
            errors.append(_error(["days"], _("Unknown weekday.")))
        days = [WEEKDAY_NAMES[n.lower()] for n in payload.days or () if n not in unknown]
        if payload.days is None:
            days = list(clinic_calendar.WORKING_WEEK)
        if not days and not unknown:
            errors.append(_error(["days"], _("Choose at least one weekday.")))
        if hours.strip():
            present.update(quick_hours=hours, quick_days=days)
        else:
            present.update({f"day_{day}": "" for day in days})
    form = ChamberForm(present, doctor=doctor, chamber=chamber)
    return form, errors


# The chamber form's fields under the API's names.
HOURS_NAMES = {
    "quick_hours": ["available_timeslots"],
    "quick_days": ["days"],
    **{f"day_{day}": ["available_timeslots", name] for name, day in WEEKDAY_NAMES.items()},
}


def _profile_form(doctor, payload):
    """The profile page's form (DoctorProfileForm) over the doctor's present details
    with the payload's fee and specialization laid on top."""
    present = {
        name: accounts_api.as_text(value)
        for name, value in profile_initial(doctor.user).items()
        if name != "photo"
    }
    if payload.consultation_fee is not None:
        present["consultation_fee"] = str(payload.consultation_fee)
    if payload.specialization is not None:
        present["specialization"] = _specialization_id(payload.specialization)
    return DoctorProfileForm(present, user=doctor.user)


def _specialization_id(value):
    """A specialization's id from its id or its name (English or Bengali); what matches
    none is passed on for the form to refuse."""
    text = str(value).strip()
    if text.isdigit():
        return text
    found = Specialization.objects.filter(name__iexact=text).first()
    found = found or Specialization.objects.filter(name_bn=text).first()
    return str(found.pk) if found else text


@schedule_router.put("", response={200: ScheduleOut, 403: DetailOut, 409: DetailOut, 422: dict})
def update_schedule(request, payload: ScheduleIn):
    """Change the calling doctor's hours at their first chamber, their consultation fee
    and specialization, each only when sent: the chamber page's form and service
    (forms.ChamberForm, services.save_chamber: business hours, slot length, no overlap
    with another chamber) and the profile page's (DoctorProfileForm,
    accounts.services.update_profile: a new specialization waits for staff to verify it
    again). All or nothing: 422 with field errors, 409 for a doctor without a chamber."""
    doctor = _own_doctor(request)
    errors, hours_form, profile_form = [], None, None
    if payload.available_timeslots is not None:
        chamber = next(iter(selectors.doctor_chambers(doctor)), None)
        if chamber is None:
            return Status(409, {"detail": _("Add a chamber on the website first.")})
        hours_form, errors = _hours_form(doctor, chamber, payload)
        if not hours_form.is_valid():
            errors += [
                {**error, "loc": HOURS_NAMES.get(error["loc"][0], error["loc"])}
                for error in form_errors(hours_form)
            ]
    elif payload.days is not None:
        errors.append(_error(["days"], _("Give the days only with a text of ranges.")))
    if payload.consultation_fee is not None or payload.specialization is not None:
        profile_form = _profile_form(doctor, payload)
        if not profile_form.is_valid():
            errors += form_errors(profile_form)
    if errors:
        return Status(422, {"detail": errors})
    try:
        with transaction.atomic():
            if hours_form is not None:
                services.save_chamber(
                    doctor=doctor,
                    data=hours_form.chamber_data,
                    week=hours_form.cleaned_data["week"],
                    chamber=hours_form.chamber,
                )
            if profile_form is not None:
                account_services.update_profile(user=doctor.user, data=profile_form.cleaned_data)
    except services.ChamberError as error:
        return Status(409, {"detail": str(error.message)})
    except account_services.AccountError as error:
        return Status(422, {"detail": [accounts_api.account_error(error)]})
    doctor.refresh_from_db()
    return _schedule(doctor)


# Registration of both kinds of account: here rather than in accounts, because a doctor
# registers with their first chamber, which is scheduling's. Each kind goes through its
# registration page's form and service, as the pages do.
registration_router = Router(tags=["auth"])

DOCTOR_NAMES = {
    **accounts_api.REGISTRATION_NAMES,
    "license_number": "licence_number",
    "available_timeslots": "chamber_hours",
}
DOCTOR_FIELDS = (
    "full_name",
    "email",
    "mobile",
    "password",
    "division_id",
    "district_id",
    "thana_id",
    "license_number",
    "specialization",
    "qualifications",
    "experience_years",
    "consultation_fee",
    "bio",
    "available_timeslots",
    "chamber_name",
    "chamber_address",
)
REGISTRATION_BODY = {
    "requestBody": {
        "required": True,
        "content": {
            media_type: {
                "schema": {
                    "type": "object",
                    "required": ["full_name", "email", "mobile", "password"],
                    "properties": {
                        "role": {
                            "type": "string",
                            "enum": [User.Role.PATIENT, User.Role.DOCTOR],
                            "default": User.Role.PATIENT,
                        },
                        **{
                            name: {"type": "integer" if name.endswith("_id") else "string"}
                            for name in accounts_api.REGISTRATION_FIELDS + DOCTOR_FIELDS
                        },
                        **(
                            {
                                name: {"type": "string", "format": "binary"}
                                for name in accounts_api.PHOTO_NAMES
                            }
                            if files
                            else {}
                        ),
                    },
                }
            }
            for media_type, files in (("application/json", False), ("multipart/form-data", True))
        },
    }
}


def _doctor_fields(data):
    """A doctor's posted fields as their registration form takes them: the
    specialization by name or id; without a chamber address, the thana and district
    chosen (the doctor can correct it on the chamber page)."""
    data = {name: data.get(name) for name in DOCTOR_FIELDS if data.get(name) is not None}
    if "specialization" in data and not isinstance(data["specialization"], (list, dict)):
        data["specialization"] = _specialization_id(data["specialization"])
    if not data.get("chamber_address") and str(data.get("thana_id", "")).isdigit():
        thana = Thana.objects.select_related("district").filter(pk=data["thana_id"]).first()
        if thana is not None:
            data["chamber_address"] = f"{thana.local_name}, {thana.district.local_name}"
    return data


@registration_router.post(
    "/register",
    response={201: UserOut, 422: dict, 429: DetailOut},
    auth=None,
    openapi_extra=REGISTRATION_BODY,
)
@sensitive_post_parameters()
@limit_posts(group="registration", key="ip", rate_setting="APPION_RATE_REGISTRATION")
def register(request):
    """Register a patient or (`role` "doctor") a doctor, from JSON or multipart (the
    photo as the file `profile_image`), with the checks of the registration pages
    (PatientRegistrationForm, forms.DoctorRegistrationForm; their limit per address,
    shared with the pages) and their services: 201 with the account, or 422 with field
    errors under the API's names, creating nothing. A doctor's `available_timeslots`
    are their first chamber's sessions from Saturday to Thursday; staff verify a new
    doctor before patients can find them."""
    data, files = accounts_api.posted_fields(request)
    if data is None:
        raise HttpError(422, _("Send the fields as a JSON object or as form fields."))
    role = data.get("role", User.Role.PATIENT)
    if role == User.Role.DOCTOR:
        return accounts_api.register_account(
            _doctor_fields(data),
            files,
            form_class=DoctorRegistrationForm,
            register=services.register_doctor,
            fields=DOCTOR_FIELDS,
            names=DOCTOR_NAMES,
        )
    if role != User.Role.PATIENT:
        raise HttpError(422, _("The role must be patient or doctor."))
    return accounts_api.register_account(
        data,
        files,
        form_class=PatientRegistrationForm,
        register=account_services.register_patient,
        fields=accounts_api.REGISTRATION_FIELDS,
        names=accounts_api.REGISTRATION_NAMES,
    )
