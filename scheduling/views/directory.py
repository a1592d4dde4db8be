"""The public pages: the doctor directory, a doctor's page and the slot list of one day."""

from datetime import timedelta
from decimal import Decimal, InvalidOperation

from django.conf import settings
from django.core.cache import cache
from django.core.paginator import Paginator
from django.db.models import F
from django.http import HttpResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _

from accounts.models import Specialization
from appion.caching import anonymous_page_cache
from locations.models import District, Division, Thana
from locations.selectors import districts_of, thanas_of
from scheduling import selectors
from scheduling.forms import parse_date
from scheduling.models import WEEK_ORDER, Weekday
from scheduling.views.common import PAGE_SIZE, listed_doctor, search_text, slots_context

SORTS = ("next", "fee", "experience")
# The directory's filters as its search form labels them, for the note that names the
# ones it could not understand.
FILTER_LABELS = {
    "specialization": gettext_lazy("Specialization"),
    "division": gettext_lazy("Division"),
    "district": gettext_lazy("District"),
    "thana": gettext_lazy("Thana / upazila"),
    "max_fee": gettext_lazy("Maximum fee (৳)"),
    "date": gettext_lazy("Available on"),
    "sort": gettext_lazy("Sort"),
}


def _positive_int(value):
    return int(value) if value and value.isdigit() and len(value) < 10 else None


def _directory_filters(params):
    """Parse the directory's query string. Invalid values are dropped and named in the
    returned notes, so that the page can say what it ignored."""
    filters, ignored = {}, []
    q = search_text(params.get("q", ""))
    if q:
        filters["q"] = q
    for name, model in (
        ("specialization", Specialization),
        ("division", Division),
        ("district", District),
        ("thana", Thana),
    ):
        raw = params.get(name, "")
        if not raw:
            continue
        pk = _positive_int(raw)
        found = model.objects.filter(pk=pk).first() if pk else None
        if found is None:
            ignored.append(name)
        else:
            filters[name] = found
    raw_fee = params.get("max_fee", "").strip()
    if raw_fee:
        try:
            fee = Decimal(raw_fee)
            if not fee.is_finite() or fee < 0:
                raise InvalidOperation
            filters["max_fee"] = fee
        except InvalidOperation:
            ignored.append("max_fee")
    day = None
    raw_date = params.get("date", "")
    if raw_date:
        day = parse_date(raw_date)
        if (
            day is None
            or day < timezone.localdate()
            or day > timezone.localdate() + timedelta(days=365)
        ):
            ignored.append("date")
            day = None
    sort = params.get("sort") or "next"
    if sort not in SORTS:
        ignored.append("sort")
        sort = "next"
    return filters, day, sort, ignored


@anonymous_page_cache
def directory(request):
    filters, day, sort, ignored = _directory_filters(request.GET)
    doctors = selectors.search_doctors(**filters)
    now = timezone.now()
    if sort == "fee":
        doctors = doctors.order_by("consultation_fee", "user__full_name", "pk")
    elif sort == "experience":
        doctors = doctors.order_by("-experience_years", "user__full_name", "pk")
    else:
        # The stored next free slot sorts thousands of doctors in the database; the
        # page's doctors are then computed exactly below.
        doctors = doctors.order_by(
            F("schedule_settings__next_free_at").asc(nulls_last=True), "user__full_name", "pk"
        )
    if day is not None:
        # "Free on this day" needs every matching doctor's slots of that one day,
        # computed together in a fixed number of queries.
        candidates = list(doctors)
        free_that_day = selectors.free_slots_for_doctors(candidates, day, day, now=now)
        doctors = [d for d in candidates if free_that_day.get(d.pk)]
    page = Paginator(doctors, PAGE_SIZE).get_page(request.GET.get("page"))
    # Shown as computed now; the stored value, by which the page sorts, is kept current
    # by the writes that change it and by refresh_next_free (cron): a GET writes nothing.
    next_slots = selectors.next_free_slots(page.object_list, now=now)
    cards = [(doctor, next_slots.get(doctor.pk)) for doctor in page.object_list]
    query = request.GET.copy()
    query.pop("page", None)
    without_sort = query.copy()
    without_sort.pop("sort", None)
    return render(
        request,
        "scheduling/directory.html",
        {
            "page": page,
            "cards": cards,
            "filters": filters,
            "day": day,
            "sort": sort,
            "ignored": ignored,
            "ignored_labels": [FILTER_LABELS[name] for name in ignored],
            "query": query.urlencode(),
            "query_without_sort": without_sort.urlencode(),
            "selected_location": _selected_location(filters),
            "specializations": Specialization.objects.all(),
            "divisions": Division.objects.all(),
            "sorts": [
                ("next", _("Next free slot")),
                ("fee", _("Fee, lowest first")),
                ("experience", _("Experience, most first")),
            ],
        },
    )


def _selected_location(filters):
    """The chosen division, district and thana, with the options beneath them, so that
    the selects show the search without JavaScript."""
    division, district, thana = (filters.get(k) for k in ("division", "district", "thana"))
    return {
        "division": division.pk if division else None,
        "district": district.pk if district else None,
        "thana": thana.pk if thana else None,
        "districts": districts_of(division.pk) if division else [],
        "thanas": thanas_of(district.pk) if district else [],
    }


def _weekly_hours(doctor):
    by_day = {day: [] for day in WEEK_ORDER}
    for hour_range in doctor.chamber_hours.all():
        by_day[hour_range.weekday].append(hour_range)
    return [(Weekday(day).label, by_day[day]) for day in WEEK_ORDER]


def _next_free_day(doctor):
    """The day of the doctor's stored next free slot (ISO), so that the page opens on a
    day with slots rather than on a full today; None when there is none."""
    schedule = getattr(doctor, "schedule_settings", None)
    if schedule is None or schedule.next_free_at is None:
        return None
    return timezone.localtime(schedule.next_free_at).date().isoformat()


@anonymous_page_cache
def doctor_detail(request, doctor_id):
    doctor = listed_doctor(doctor_id)
    context = slots_context(doctor, request.GET.get("date") or _next_free_day(doctor))
    context["weekly_hours"] = _weekly_hours(doctor)
    return render(request, "scheduling/doctor_detail.html", context)


def doctor_slots(request, doctor_id):
    if request.htmx and settings.APPION_SLOTS_CACHE_SECONDS:
        # The htmx fragment holds nothing personal, so it is cached for everyone for a
        # few seconds; any booking or schedule change of the doctor starts a new key.
        # It is only ever cached for a listed doctor.
        key = selectors.slots_cache_key(doctor_id, request.GET.get("date", "")[:10], get_language())
        html = cache.get(key)
        if html is None:
            doctor = listed_doctor(doctor_id)
            context = slots_context(doctor, request.GET.get("date"))
            html = render_to_string("scheduling/partials/slots.html", context, request)
            cache.set(key, html, settings.APPION_SLOTS_CACHE_SECONDS)
        return HttpResponse(html)
    doctor = listed_doctor(doctor_id)
    context = slots_context(doctor, request.GET.get("date"))
    status = 400 if context["slot_error"] and not request.htmx else 200
    template = "scheduling/partials/slots.html" if request.htmx else "scheduling/doctor_slots.html"
    return render(request, template, context, status=status)
