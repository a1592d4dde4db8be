from datetime import datetime, timedelta
from decimal import Decimal, InvalidOperation

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import redirect_to_login
from django.core.cache import cache
from django.core.paginator import Paginator
from django.core.serializers.json import DjangoJSONEncoder
from django.db.models import Count, F, Q
from django.http import HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import get_language, gettext_lazy, ngettext
from django.utils.translation import gettext as _
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_http_methods

from accounts import audit
from accounts.decorators import doctor_required
from accounts.models import Specialization
from accounts.views import registration_page
from appion.caching import anonymous_page_cache
from appion.l10n import local_date, local_digits
from appion.ratelimits import limit_posts
from locations.models import District, Division, Thana
from locations.selectors import districts_of, thanas_of
from scheduling import selectors, services
from scheduling.calendar import appointment_ics as make_ics
from scheduling.calendar import ics_filename
from scheduling.forms import (
    BookingForm,
    CancelForm,
    DeclineForm,
    DoctorRegistrationForm,
    ScheduleForm,
    TimeOffForm,
    VisitNotesForm,
    parse_date,
)
from scheduling.models import WEEK_ORDER, Appointment, ChamberHours, TimeOff, VisitNotes, Weekday

PAGE_SIZE = 20
AGENDA_REACH_DAYS = 10 * 366
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


# Error reports (and the debug page) never show what was posted: passwords,
# symptoms and visit notes.
@sensitive_post_parameters()
@require_http_methods(["GET", "POST"])
@limit_posts(group="registration", key="ip", rate_setting="APPION_RATE_REGISTRATION")
def register_doctor(request):
    return registration_page(
        request, DoctorRegistrationForm, services.register_doctor, _("Register as a doctor")
    )


def _search_text(raw):
    """A search box's text: at most 100 characters, trimmed, without NUL characters
    (PostgreSQL cannot compare text that holds them)."""
    return raw.replace("\x00", "").strip()[:100]


def _positive_int(value):
    return int(value) if value and value.isdigit() and len(value) < 10 else None


def _directory_filters(params):
    """Parse the directory's query string. Invalid values are dropped and named in the
    returned notes, so that the page can say what it ignored."""
    filters, ignored = {}, []
    q = _search_text(params.get("q", ""))
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
    next_slots = selectors.next_free_slots(page.object_list, now=now)
    services.store_next_free(page.object_list, next_slots)

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


def _slots_context(doctor, raw_date):
    """The free slots of one day, or a message saying why there are none to show."""
    schedule = selectors.settings_for(doctor)
    first_day, last_day = selectors.bookable_dates(schedule)
    day = parse_date(raw_date) if raw_date else first_day
    error = None
    slots = []
    if day is None:
        error = _("That is not a date. Pick a day from the calendar.")
    elif day < first_day:
        error = _("That day is in the past. Pick today or a later day.")
    elif day > last_day:
        error = _("Dr. %(name)s takes bookings up to %(last)s. Pick an earlier day.") % {
            "name": doctor.user.full_name,
            "last": local_date(last_day, "j M Y"),
        }
    else:
        slots = selectors.free_slots(doctor, day, day).get(day, [])
    return {
        "doctor": doctor,
        "day": day,
        "slots": slots,
        "slot_error": error,
        "first_day": first_day,
        "last_day": last_day,
    }


def _next_free_day(doctor):
    """The day of the doctor's stored next free slot (ISO), so that the page opens on a
    day with slots rather than on a full today; None when there is none."""
    schedule = getattr(doctor, "schedule_settings", None)
    if schedule is None or schedule.next_free_at is None:
        return None
    return timezone.localtime(schedule.next_free_at).date().isoformat()


def _listed_doctor(doctor_id):
    return get_object_or_404(
        selectors.listed_doctors().select_related(
            "user", "specialization", "chamber_thana__district__division", "schedule_settings"
        ),
        pk=doctor_id,
    )


@anonymous_page_cache
def doctor_detail(request, doctor_id):
    doctor = _listed_doctor(doctor_id)
    context = _slots_context(doctor, request.GET.get("date") or _next_free_day(doctor))
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
            doctor = _listed_doctor(doctor_id)
            context = _slots_context(doctor, request.GET.get("date"))
            html = render_to_string("scheduling/partials/slots.html", context, request)
            cache.set(key, html, settings.APPION_SLOTS_CACHE_SECONDS)
        return HttpResponse(html)
    doctor = _listed_doctor(doctor_id)
    context = _slots_context(doctor, request.GET.get("date"))
    status = 400 if context["slot_error"] and not request.htmx else 200
    template = "scheduling/partials/slots.html" if request.htmx else "scheduling/doctor_slots.html"
    return render(request, template, context, status=status)


def _parse_start(raw):
    """An ISO datetime from the address, aware; None when it is missing, malformed or
    beyond the calendar in the site's time zone (year 1 at -23:59)."""
    try:
        start = datetime.fromisoformat(raw.replace(" ", "+")) if raw else None
        if start is not None:
            if timezone.is_naive(start):
                start = timezone.make_aware(start)
            timezone.localtime(start)
    except (ValueError, OverflowError):
        return None
    return start


@sensitive_post_parameters()
@require_http_methods(["GET", "POST"])
@limit_posts(group="booking", key="ip", rate_setting="APPION_RATE_BOOKING")
@limit_posts(group="booking-account", key="user_or_ip", rate_setting="APPION_RATE_BOOKING_ACCOUNT")
def book(request, doctor_id):
    doctor = _listed_doctor(doctor_id)
    raw_start = request.GET.get("start") or request.POST.get("start", "")
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    if request.user.role != "patient":
        messages.error(request, _("Only patients can book appointments."))
        return redirect("scheduling:doctor", doctor_id=doctor.pk)
    start = _parse_start(raw_start)
    slot = selectors.find_free_slot(doctor, start) if start else None
    if slot is None:
        messages.error(
            request,
            services.slot_refusal(doctor=doctor, start=start) if start else services.NOT_A_SLOT,
        )
        day = timezone.localtime(start).date().isoformat() if start else ""
        url = reverse("scheduling:doctor", args=[doctor.pk])
        return redirect(f"{url}?date={day}" if day else url)

    form = BookingForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            appointment = services.book_appointment(
                patient=request.user,
                doctor=doctor,
                start=slot.start,
                symptoms=form.cleaned_data["symptoms"],
                notes=form.cleaned_data["notes"],
            )
        except services.BookingError as error:
            messages.error(request, error.message)
            url = reverse("scheduling:doctor", args=[doctor.pk])
            return redirect(f"{url}?date={slot.local_start.date().isoformat()}")
        return redirect("scheduling:appointment", appointment_id=appointment.pk)
    return render(
        request,
        "scheduling/book.html",
        {"doctor": doctor, "slot": slot, "form": form, "raw_start": slot.start.isoformat()},
    )


@doctor_required
@require_http_methods(["GET", "POST"])
def schedule(request):
    doctor = request.user.doctor_profile
    current = {}
    for hour_range in ChamberHours.objects.filter(doctor=doctor):
        current.setdefault(hour_range.weekday, []).append((hour_range.start, hour_range.end))
    form = ScheduleForm(
        request.POST if request.method == "POST" else None,
        instance=selectors.settings_for(doctor),
        current_hours=current,
    )
    if request.method == "POST" and form.is_valid():
        rules = {name: form.cleaned_data[name] for name in ScheduleForm.Meta.fields}
        services.save_schedule(doctor=doctor, week=form.cleaned_data["week"], **rules)
        messages.success(request, _("Your chamber hours have been saved."))
        return redirect("scheduling:schedule")
    return render(request, "scheduling/schedule.html", {"form": form})


@doctor_required
@require_http_methods(["GET", "POST"])
def time_off(request):
    doctor = request.user.doctor_profile
    form = TimeOffForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        leave = services.add_time_off(doctor=doctor, **form.cleaned_data)
        affected = services.appointments_during(
            doctor=doctor, start_date=leave.start_date, end_date=leave.end_date
        ).count()
        if affected:
            messages.warning(
                request,
                ngettext(
                    "%(count)s booked appointment falls on these days. Review it below.",
                    "%(count)s booked appointments fall on these days. Review them below.",
                    affected,
                )
                % {"count": local_digits(affected)},
            )
            return redirect("scheduling:time_off_detail", time_off_id=leave.pk)
        messages.success(request, _("Your time off has been saved."))
        return redirect("scheduling:time_off")
    leaves = TimeOff.objects.filter(doctor=doctor, end_date__gte=timezone.localdate())
    return render(request, "scheduling/time_off.html", {"form": form, "leaves": leaves})


@doctor_required
@require_http_methods(["GET", "POST"])
def time_off_detail(request, time_off_id):
    doctor = request.user.doctor_profile
    leave = get_object_or_404(TimeOff, pk=time_off_id, doctor=doctor)
    appointments = services.appointments_during(
        doctor=doctor, start_date=leave.start_date, end_date=leave.end_date
    )
    if request.method == "POST":
        message = request.POST.get("message", "").strip()[:500]
        if not message:
            messages.error(request, _("Write a message to your patients first."))
        else:
            count = services.cancel_for_time_off(time_off=leave, by=request.user, message=message)
            messages.success(
                request,
                ngettext(
                    "%(count)s appointment was cancelled.",
                    "%(count)s appointments were cancelled.",
                    count,
                )
                % {"count": local_digits(count)},
            )
            return redirect("scheduling:time_off")
    return render(
        request,
        "scheduling/time_off_detail.html",
        {"leave": leave, "appointments": appointments},
    )


@doctor_required
@require_http_methods(["POST"])
def time_off_delete(request, time_off_id):
    leave = get_object_or_404(TimeOff, pk=time_off_id, doctor=request.user.doctor_profile)
    services.remove_time_off(time_off=leave)
    messages.success(request, _("The time off was removed; those days are bookable again."))
    return redirect("scheduling:time_off")


# Appointments after booking. Every view that takes an appointment id starts from
# selectors.visible_appointments(user), so another user's id is a 404 for every verb.


def _visible(request, appointment_id):
    return get_object_or_404(selectors.visible_appointments(request.user), pk=appointment_id)


@login_required
def my_appointments(request):
    if request.user.role == "doctor":
        return redirect("scheduling:portal")
    now = timezone.now()
    mine = selectors.visible_appointments(request.user).filter(patient=request.user)
    q = _search_text(request.GET.get("q", ""))
    if q:
        mine = mine.filter(doctor__user__full_name__icontains=q)
    # Upcoming: still to come and not cancelled; everything else is history.
    still_on = Q(end__gt=now) & ~Q(status=Appointment.Status.CANCELLED)
    upcoming = mine.filter(still_on).order_by("start")
    past = Paginator(mine.exclude(still_on).order_by("-start"), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    return render(
        request,
        "scheduling/my_appointments.html",
        {"upcoming": upcoming, "page": past, "q": q, "query": f"q={q}" if q else ""},
    )


@login_required
def appointment_detail(request, appointment_id):
    appointment = _visible(request, appointment_id)
    user = request.user
    now = timezone.now()
    can = {}
    for action, status in (
        ("cancel", Appointment.Status.CANCELLED),
        ("confirm", Appointment.Status.CONFIRMED),
        ("complete", Appointment.Status.COMPLETED),
        ("no_show", Appointment.Status.NO_SHOW),
    ):
        try:
            services.check_transition(appointment=appointment, to=status, by=user, now=now)
            can[action] = True
        except services.BookingError:
            can[action] = False
    notes = VisitNotes.objects.filter(appointment=appointment).first()
    is_doctor = appointment.doctor.user_id == user.pk
    notes_form = None
    if is_doctor and services.notes_editable(appointment, now=now):
        notes_form = VisitNotesForm(instance=notes, prefix="notes")
    earlier = later = None
    if is_doctor or user.is_staff:
        # The patient's visits with this doctor only: never another doctor's notes.
        others = (
            Appointment.objects.filter(patient=appointment.patient, doctor=appointment.doctor)
            .exclude(pk=appointment.pk)
            .select_related("visit_notes")
        )
        before = Q(start__lt=appointment.start) | Q(start=appointment.start, pk__lt=appointment.pk)
        earlier = others.filter(before).order_by("-start", "-pk")[:20]
        later = others.exclude(before).order_by("start", "pk")[:20]
    return render(
        request,
        "scheduling/appointment_detail.html",
        {
            "appointment": appointment,
            "events": appointment.events.select_related("actor"),
            "notes": notes,
            "notes_form": notes_form,
            "can": can,
            "can_reschedule": can["cancel"] and user.pk == appointment.patient_id,
            "is_doctor": is_doctor,
            "earlier": earlier,
            "later": later,
            "decline_form": DeclineForm(prefix="decline"),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def cancel(request, appointment_id):
    appointment = _visible(request, appointment_id)
    form = CancelForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            services.cancel_appointment(
                appointment=appointment, by=request.user, reason=form.cleaned_data["reason"]
            )
        except services.BookingError as error:
            messages.error(request, error.message)
        else:
            messages.success(request, _("The appointment has been cancelled."))
        return redirect("scheduling:appointment", appointment_id=appointment.pk)
    return render(request, "scheduling/cancel.html", {"appointment": appointment, "form": form})


@login_required
@require_http_methods(["GET", "POST"])
def reschedule(request, appointment_id):
    appointment = _visible(request, appointment_id)
    if request.method == "POST":
        start = _parse_start(request.POST.get("start", ""))
        try:
            if start is None:
                raise services.BookingError(_("Pick one of the free slots."))
            new = services.reschedule_appointment(
                appointment=appointment, start=start, by=request.user
            )
        except services.BookingError as error:
            messages.error(request, error.message)
        else:
            messages.success(request, _("Your appointment has been moved."))
            return redirect("scheduling:appointment", appointment_id=new.pk)
    context = _slots_context(appointment.doctor, request.GET.get("date"))
    context["appointment"] = appointment
    return render(request, "scheduling/reschedule.html", context)


@login_required
def appointment_ics(request, appointment_id):
    appointment = _visible(request, appointment_id)
    response = HttpResponse(make_ics(appointment), content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{ics_filename(appointment)}"'
    return response


@doctor_required
def portal(request):
    doctor = request.user.doctor_profile
    today = timezone.localdate()
    now = timezone.now()
    mine = Appointment.objects.filter(doctor=doctor).select_related("patient")
    week_start = today - timedelta(days=(today.weekday() - 5) % 7)  # Saturday
    month_start = today.replace(day=1)
    counts = mine.filter(status__in=Appointment.ACTIVE_STATUSES).aggregate(
        week=Count(
            "pk",
            filter=Q(start__date__gte=week_start, start__date__lt=week_start + timedelta(days=7)),
        ),
        month=Count(
            "pk", filter=Q(start__date__gte=month_start, start__date__lte=_month_end(today))
        ),
        completed_month=Count(
            "pk", filter=Q(status="completed", start__date__gte=month_start, start__lte=now)
        ),
    )
    return render(
        request,
        "scheduling/portal.html",
        {
            "doctor": doctor,
            "today": today,
            "agenda": _day_agenda(doctor, today),
            "pending": mine.filter(status=Appointment.Status.PENDING, end__gt=now).order_by(
                "start"
            )[:20],
            "counts": counts,
        },
    )


def _month_end(day):
    following = (day.replace(day=28) + timedelta(days=4)).replace(day=1)
    return following - timedelta(days=1)


def _day_agenda(doctor, day):
    tz = timezone.get_default_timezone()
    start = datetime.combine(day, datetime.min.time(), tzinfo=tz)
    return (
        Appointment.objects.filter(
            doctor=doctor, start__gte=start, start__lt=start + timedelta(days=1)
        )
        .exclude(status=Appointment.Status.CANCELLED)
        .select_related("patient")
        .order_by("serial", "start")
    )


@doctor_required
def agenda(request):
    doctor = request.user.doctor_profile
    raw = request.GET.get("date")
    today = timezone.localdate()
    day = parse_date(raw) if raw else today
    if day is None:
        messages.error(request, _("That is not a date; showing today."))
        day = today
    elif abs((day - today).days) > AGENDA_REACH_DAYS:
        messages.error(request, _("Pick a day within ten years of today; showing today."))
        day = today
    week = request.GET.get("view") == "week"
    days = [day + timedelta(days=n) for n in range(7)] if week else [day]
    tz = timezone.get_default_timezone()
    first = datetime.combine(days[0], datetime.min.time(), tzinfo=tz)
    appointments = (
        Appointment.objects.filter(
            doctor=doctor, start__gte=first, start__lt=first + timedelta(days=len(days))
        )
        .exclude(status=Appointment.Status.CANCELLED)
        .select_related("patient")
        .order_by("start")
    )
    by_day = {d: [] for d in days}
    for appointment in appointments:
        by_day[timezone.localtime(appointment.start).date()].append(appointment)
    return render(
        request,
        "scheduling/agenda.html",
        {
            "day": day,
            "week": week,
            "by_day": [(d, sorted(by_day[d], key=lambda a: a.serial)) for d in days],
            "previous": day - timedelta(days=7 if week else 1),
            "next": day + timedelta(days=7 if week else 1),
        },
    )


@login_required
@require_http_methods(["POST"])
def change_status(request, appointment_id):
    appointment = _visible(request, appointment_id)
    to = request.POST.get("to", "")
    reason = ""
    if to == "declined":
        form = DeclineForm(request.POST, prefix="decline")
        if not form.is_valid():
            messages.error(request, _("Write the reason for declining; the patient sees it."))
            return redirect("scheduling:appointment", appointment_id=appointment.pk)
        to, reason = Appointment.Status.CANCELLED, form.cleaned_data["reason"]
    if to not in Appointment.Status.values:
        messages.error(request, _("That is not a status."))
        return redirect("scheduling:appointment", appointment_id=appointment.pk)
    try:
        services.change_status(appointment=appointment, to=to, by=request.user, reason=reason)
    except services.BookingError as error:
        messages.error(request, error.message)
    else:
        messages.success(
            request,
            _("The appointment is now %(status)s.")
            % {"status": Appointment.Status(to).label.lower()},
        )
    return redirect("scheduling:appointment", appointment_id=appointment.pk)


@sensitive_post_parameters()
@doctor_required
@require_http_methods(["POST"])
def visit_notes(request, appointment_id):
    appointment = _visible(request, appointment_id)
    notes = VisitNotes.objects.filter(appointment=appointment).first()
    form = VisitNotesForm(request.POST, instance=notes, prefix="notes")
    if not form.is_valid():
        messages.error(request, " ".join(e for errors in form.errors.values() for e in errors))
        return redirect("scheduling:appointment", appointment_id=appointment.pk)
    try:
        services.save_visit_notes(appointment=appointment, by=request.user, data=form.cleaned_data)
    except services.BookingError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("The visit notes have been saved."))
    return redirect("scheduling:appointment", appointment_id=appointment.pk)


@login_required
@require_http_methods(["GET"])
def my_data(request):
    """The logged-in user's own data as a JSON file to keep (see selectors.personal_data);
    each download is recorded in the audit log."""
    data = selectors.personal_data(request.user)
    audit.record(
        audit.Action.DATA_DOWNLOAD,
        user=request.user,
        request=request,
        detail={"appointments": len(data["appointments"])},
    )
    response = JsonResponse(
        data, encoder=DjangoJSONEncoder, json_dumps_params={"ensure_ascii": False, "indent": 2}
    )
    day = timezone.localdate().isoformat()
    response["Content-Disposition"] = f'attachment; filename="appion-my-data-{day}.json"'
    return response
