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
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from ninja import Query, Router, Schema, Status
from ninja.decorators import decorate_view
from ninja.errors import HttpError

from accounts import tokens
from accounts.api import form_errors
from accounts.models import DoctorProfile, User
from appion import clinic_calendar
from scheduling import selectors, services
from scheduling.calendar import appointment_ics as make_ics
from scheduling.calendar import ics_filename
from scheduling.forms import (
    BookingForm,
    CancelForm,
    DirectoryFilterForm,
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
    date: str | None = None
    sort: str | None = None
    page: int = 1


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
        "next_free_slot": _slot(next_slot),
    }


def _listed_doctor(doctor_id):
    doctor = (
        selectors.listed_doctors()
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
    paginator = Paginator(found, PAGE_SIZE)
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


@router.get("/doctors/{doctor_id}", response=DoctorDetailOut)
def doctor(request, doctor_id: int):
    """A verified doctor's profile with their next free slot; 404 for any other id."""
    doctor = _listed_doctor(doctor_id)
    return _doctor(doctor, selectors.next_free_slots([doctor])[doctor.pk])


def _slots_address(request, doctor_id):
    day = request.GET.get("date", "")
    if len(day) > len("2026-03-10"):
        return None  # no date: a 422, never kept
    return "api-" + selectors.slots_cache_key(doctor_id, day, get_language())


@router.get("/doctors/{doctor_id}/slots", response={200: list[SlotOut], 422: ErrorsOut})
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


class DetailOut(Schema):
    detail: str


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
    patient_id: int
    patient_name: str
    symptoms: str
    notes: str


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


REFUSALS = {200: AppointmentOut, 403: DetailOut, 404: DetailOut, 409: DetailOut, 422: ErrorsOut}


def _appointment(appointment):
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
        "patient_name": appointment.patient.full_name,
        "symptoms": appointment.symptoms,
        "notes": appointment.notes,
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


@appointments_router.post("/", response={201: AppointmentOut, **REFUSALS})
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
    return Status(201, _appointment(_visible(request, appointment.pk)))


@appointments_router.get("/", response={200: AppointmentPageOut, 422: ErrorsOut})
def appointments(request, skip: int = 0, limit: int = PAGE_SIZE, status: str | None = None):
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
    return _page_of(found, skip=skip, limit=limit)


def _page_of(appointments, *, skip, limit):
    """{"total", "items"}: `limit` of `appointments` from `skip`, newest first. The items
    join only what they show (the doctor's and the patient's names, the chamber's), not
    all that visible_appointments brings for the pages: two queries, whatever the limit."""
    appointments = appointments.order_by("-start", "-pk")
    items = appointments.select_related(None).select_related("doctor__user", "chamber", "patient")
    return {
        "total": appointments.count(),
        "items": [_appointment(a) for a in items[skip : skip + limit]],
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
    return _appointment(_visible(request, appointment_id))


@appointments_router.patch("/{appointment_id}/status", response=REFUSALS)
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
    return _appointment(_visible(request, appointment.pk))


@appointments_router.post("/{appointment_id}/cancel", response=REFUSALS)
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
    return _appointment(_visible(request, appointment.pk))


@appointments_router.post("/{appointment_id}/reschedule", response=REFUSALS)
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
    return _appointment(_visible(request, new.pk))


@appointments_router.get("/{appointment_id}/ics", response={404: DetailOut})
def appointment_ics(request, appointment_id: int):
    """The appointment as an iCalendar file, as the appointment page offers it."""
    appointment = _visible(request, appointment_id)
    response = HttpResponse(make_ics(appointment), content_type="text/calendar; charset=utf-8")
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
    skip: int = 0,
    limit: int = PAGE_SIZE,
    status: str | None = None,
    doctor_id: int | None = None,
    patient_id: int | None = None,
    start_date: date | None = None,
    end_date: date | None = None,
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
    return _page_of(found, skip=skip, limit=limit)


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
    chamber: ScheduleChamberOut | None
    available_timeslots: dict[str, str]


@schedule_router.get("", response={200: ScheduleOut, 403: DetailOut})
def my_schedule(request):
    """The calling doctor's weekly sessions at their first chamber (the first of
    selectors.doctor_chambers, in the order the doctor gave them) as
    `available_timeslots`: every weekday, Saturday first, by its English name, with its
    ranges as the hours form writes them ("09:00-12:00,14:00-17:00", "" when closed); and
    their fee and specialization. 403 for anyone but a doctor."""
    user = request.auth
    doctor = DoctorProfile.objects.filter(user=user).select_related("specialization").first()
    if user.role != User.Role.DOCTOR or doctor is None:
        raise HttpError(403, _("Only doctors have a schedule."))
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
        "chamber": chamber,
        "available_timeslots": {
            Weekday(day).name.lower(): format_ranges(
                (hour_range.start, hour_range.end) for hour_range in sessions.get(day, [])
            )
            for day in WEEK_ORDER
        },
    }
