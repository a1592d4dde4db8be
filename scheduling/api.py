"""The API's scheduling endpoints: the doctors' directory, a doctor's profile and free
slots. The directory's filters, sorts and pages are the page's (forms.DirectoryFilterForm,
selectors.directory_doctors); a value the form cannot understand is a 422 here, where
the page leaves it out and names it."""

from datetime import date, datetime
from decimal import Decimal

from django.core.paginator import Paginator
from django.http import Http404
from django.utils import timezone
from ninja import Query, Router, Schema, Status

from accounts.api import form_errors
from scheduling import selectors
from scheduling.forms import DirectoryFilterForm, SlotDayForm
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


@router.get("/doctors", response={200: DoctorPageOut, 422: ErrorsOut})
def doctors(request, query: Query[DirectoryQuery]):
    """The verified doctors the directory's filters find, a page of PAGE_SIZE."""
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


@router.get("/doctors/{doctor_id}/slots", response={200: list[SlotOut], 422: ErrorsOut})
def doctor_slots(request, doctor_id: int, date: date | None = None):
    """The doctor's free slots of `date` (default: their first bookable day), inside
    their booking window (forms.SlotDayForm: else 422)."""
    doctor = _listed_doctor(doctor_id)
    form = SlotDayForm({"date": date.isoformat() if date else ""}, doctor=doctor)
    if not form.is_valid():
        return Status(422, {"detail": form_errors(form)})
    day = form.cleaned_data["date"]
    return [_slot(slot) for slot in selectors.free_slots(doctor, day, day).get(day, [])]
