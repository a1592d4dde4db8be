"""The doctor's portal: the day's figures and agenda, chamber hours, time off and visit
notes."""

from datetime import datetime, timedelta

from django.contrib import messages
from django.db.models import Count, Q
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_http_methods

from accounts.decorators import doctor_required
from appion.l10n import local_digits
from scheduling import selectors, services
from scheduling.forms import AgendaForm, ScheduleForm, TimeOffForm, VisitNotesForm
from scheduling.models import Appointment, ChamberHours, TimeOff, VisitNotes
from scheduling.views.common import visible_appointment


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
    form = AgendaForm(request.GET)
    if not form.is_valid():
        messages.error(request, form.errors["date"][0])
    day, week, days = form.day, form.week, form.days
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


# Error reports (and the debug page) never show what was posted: visit notes.
@sensitive_post_parameters()
@doctor_required
@require_http_methods(["POST"])
def visit_notes(request, appointment_id):
    appointment = visible_appointment(request, appointment_id)
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
