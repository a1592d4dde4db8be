"""The public pages: the doctor directory, a doctor's page and the slot list of one day."""

import functools
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache
from django.http import HttpResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from accounts.models import DoctorProfile, Specialization
from appion import clinic_calendar
from appion.caching import anonymous_page_cache
from appion.l10n import local_date, local_digits
from locations.models import Division
from locations.selectors import districts_of, thanas_of
from scheduling import selectors
from scheduling.forms import DirectoryFilterForm
from scheduling.views.common import PAGE_SIZE, listed_doctor, slots_context


@anonymous_page_cache
def directory(request):
    form = DirectoryFilterForm(request.GET)
    form.is_valid()  # what it cannot understand is left out, and named on the page
    now = timezone.now()
    doctors = selectors.directory_doctors(order=form.order, day=form.day, now=now, **form.filters)
    page = selectors.DirectoryPaginator(doctors, PAGE_SIZE).get_page(request.GET.get("page"))
    # Shown as computed now; the stored value, by which the page sorts, is kept current
    # by the writes that change it and by refresh_next_free (cron): a GET writes nothing.
    slots = selectors.card_slots(page.object_list, day=form.day, now=now)
    chambers = selectors.card_chambers(page.object_list, **form.filters)
    for doctor in page.object_list:
        doctor.card_chamber = chambers.get(doctor.pk)
    cards = _cards(page.object_list, slots, day=form.day)
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
            "filters": form.filters,
            "day": form.day,
            "sort": form.order,
            "ignored": form.ignored,
            "ignored_labels": form.ignored_labels,
            "query": query.urlencode(),
            "query_without_sort": without_sort.urlencode(),
            # After a search the filters fold away on a phone, so the results come first.
            "searched": bool(without_sort),
            "relax": _relaxations(form, query, now) if not page.object_list else [],
            "selected_location": _selected_location(form.filters),
            "specializations": Specialization.objects.all(),
            "divisions": Division.objects.all(),
            "sorts": form.fields["sort"].choices,
        },
    )


@dataclass(frozen=True)
class Card:
    """A directory card's doctor and slots, with the texts and addresses it shows made
    here once rather than by template tags on each of the page's twenty cards (which
    were most of the page's rendering time)."""

    doctor: DoctorProfile
    slot: selectors.Slot | None  # the next free slot
    url: str  # the doctor's page, on the searched day or the next free one
    next_free: str  # "Tue 10 Mar, 15:00"
    times_day: str  # the day of `times`: "Tue 10 Mar"
    times: list  # [(booking address, "Book 15:00"), ...]
    initials: str  # on the coloured circle of a doctor without a photo: "AK"
    tone: int  # that circle's colour, .avatar-tone-0 … 5


def _cards(doctors, slots, *, day):
    """The page's cards, from card_slots' {doctor id: (next free slot, times)}."""
    book = _("Book %(time)s")

    @functools.cache  # the cards of a page show a few days between them
    def day_label(shown):
        return local_date(shown, "D j M")

    cards = []
    for doctor in doctors:
        slot, times = slots[doctor.pk]
        slot_day = slot and clinic_calendar.local_day(slot.start)
        shown = day or slot_day
        url = reverse("scheduling:doctor", args=[doctor.pk])
        book_url = reverse("scheduling:book", args=[doctor.pk])
        cards.append(
            Card(
                doctor=doctor,
                slot=slot,
                url=f"{url}?date={shown.isoformat()}" if shown else url,
                next_free=f"{day_label(slot_day)}, {_clock(slot.start)}" if slot else "",
                times_day=day_label(clinic_calendar.local_day(times[0].start)) if times else "",
                times=[
                    (f"{book_url}?start={time.start_param}", book % {"time": _clock(time.start)})
                    for time in times
                ],
                initials=doctor.user.initials,
                tone=doctor.avatar_tone,
            )
        )
    return cards


def _clock(moment):
    """ "15:00" (in Bengali "১৫:০০"): the time of day of an aware datetime in Dhaka."""
    return local_digits(f"{timezone.localtime(moment):%H:%M}")


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


def _relaxations(form, query, now):
    """What to drop to find doctors when none match: [(label, count, url), ...]."""
    found = selectors.relaxations(day=form.day, now=now, **form.filters)
    links = []
    for name, count in found:
        without = query.copy()
        without.pop(name, None)
        links.append((form.fields[name].label, count, f"?{without.urlencode()}"))
    return links


@anonymous_page_cache
def doctor_detail(request, doctor_id):
    doctor = listed_doctor(doctor_id)
    context = slots_context(doctor, request.GET, fallback=selectors.next_free_day(doctor))
    context["chambers"] = selectors.doctor_chambers(doctor)
    return render(request, "scheduling/doctor_detail.html", context)


def doctor_slots(request, doctor_id):
    day = request.GET.get("date", "")
    if request.htmx and settings.APPION_SLOTS_CACHE_SECONDS and len(day) <= len("2026-03-10"):
        # The htmx fragment holds nothing personal, so it is cached for everyone for a
        # few seconds; any booking or schedule change of the doctor starts a new key.
        # It is only ever cached for a listed doctor and a date it could show (not the
        # message about a bad one, which would otherwise stand for that key's day).
        key = selectors.slots_cache_key(doctor_id, day, get_language())
        html = cache.get(key)
        if html is None:
            context = slots_context(listed_doctor(doctor_id), request.GET)
            html = render_to_string("scheduling/partials/slots.html", context, request)
            if not context["slot_error"]:
                cache.set(key, html, settings.APPION_SLOTS_CACHE_SECONDS)
        return HttpResponse(html)
    context = slots_context(listed_doctor(doctor_id), request.GET)
    status = 400 if context["slot_error"] and not request.htmx else 200
    template = "scheduling/partials/slots.html" if request.htmx else "scheduling/doctor_slots.html"
    return render(request, template, context, status=status)
