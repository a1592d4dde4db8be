"""The doctor's portal: the day's figures and agenda, chamber hours, time off and visit
notes."""

from datetime import timedelta

from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_http_methods, require_POST

from accounts.decorators import doctor_required
from appion import clinic_calendar
from appion.l10n import local_digits
from scheduling import selectors, services
from scheduling.forms import AgendaForm, ChamberForm, ScheduleForm, TimeOffForm, VisitNotesForm
from scheduling.models import TimeOff, VisitNotes
from scheduling.views.common import visible_appointment


@doctor_required
def portal(request):
    doctor = request.user.doctor_profile
    today = clinic_calendar.today()
    now = timezone.now()
    return render(
        request,
        "scheduling/portal.html",
        {
            "doctor": doctor,
            "today": today,
            "agenda": selectors.agenda(doctor, [today])[0][1],
            "pending": selectors.pending_requests(doctor, now=now)[:20],
            "counts": selectors.portal_counts(doctor, today=today, now=now),
        },
    )


@doctor_required
def agenda(request):
    form = AgendaForm(request.GET)
    if not form.is_valid():
        messages.error(request, form.errors["date"][0])
    step = timedelta(days=7 if form.week else 1)
    # The days' tables alone for htmx: the page's live region refreshes itself.
    template = "scheduling/partials/agenda_days.html" if request.htmx else "scheduling/agenda.html"
    return render(
        request,
        template,
        {
            "day": form.day,
            "week": form.week,
            "by_day": selectors.agenda(request.user.doctor_profile, form.days),
            "previous": form.day - step,
            "next": form.day + step,
        },
    )


@doctor_required
@require_http_methods(["GET", "POST"])
def schedule(request):
    doctor = request.user.doctor_profile
    form = ScheduleForm(
        request.POST if request.method == "POST" else None,
        instance=selectors.settings_for(doctor),
    )
    if request.method == "POST" and form.is_valid():
        rules = {name: form.cleaned_data[name] for name in ScheduleForm.Meta.fields}
        services.save_schedule(doctor=doctor, **rules)
        messages.success(request, _("Your booking rules have been saved."))
        return redirect("scheduling:schedule")
    return render(
        request,
        "scheduling/schedule.html",
        {"form": form, "chambers": selectors.doctor_chambers(doctor)},
    )


def _own_chamber(request, chamber_id):
    """The logged-in doctor's chamber `chamber_id`; another doctor's is a 404."""
    return get_object_or_404(
        request.user.doctor_profile.chambers.select_related("thana__district__division"),
        pk=chamber_id,
    )


@doctor_required
def chamber_list(request):
    doctor = request.user.doctor_profile
    return render(
        request, "scheduling/chamber_list.html", {"chambers": selectors.doctor_chambers(doctor)}
    )


@doctor_required
@require_http_methods(["GET", "POST"])
def chamber_edit(request, chamber_id=None):
    """Add a chamber (no id) or edit one of the doctor's chambers with its sessions."""
    doctor = request.user.doctor_profile
    chamber = _own_chamber(request, chamber_id) if chamber_id is not None else None
    form = ChamberForm(
        request.POST if request.method == "POST" else None, doctor=doctor, chamber=chamber
    )
    if request.method == "POST" and form.is_valid():
        try:
            saved = services.save_chamber(
                doctor=doctor,
                chamber=chamber,
                data=form.chamber_data,
                week=form.cleaned_data["week"],
            )
        except services.ChamberError as error:
            form.add_error(error.field, error.message)
        else:
            messages.success(request, _("%(chamber)s has been saved.") % {"chamber": saved.name})
            return redirect("scheduling:chamber_list")
    return render(request, "scheduling/chamber_form.html", {"form": form, "chamber": chamber})


@doctor_required
@require_POST
def chamber_delete(request, chamber_id):
    chamber = _own_chamber(request, chamber_id)
    try:
        services.delete_chamber(chamber=chamber)
    except services.ChamberError as error:
        messages.error(request, error.message)
        return redirect("scheduling:chamber_edit", chamber_id=chamber.pk)
    messages.success(request, _("%(chamber)s has been removed.") % {"chamber": chamber.name})
    return redirect("scheduling:chamber_list")


@doctor_required
@require_http_methods(["GET", "POST"])
def time_off(request):
    doctor = request.user.doctor_profile
    form = TimeOffForm(request.POST if request.method == "POST" else None, doctor=doctor)
    if request.method == "POST" and form.is_valid():
        leave = services.add_time_off(doctor=doctor, **form.cleaned_data)
        affected = services.appointments_during(
            doctor=doctor,
            start_date=leave.start_date,
            end_date=leave.end_date,
            chamber=leave.chamber,
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
    leaves = selectors.upcoming_time_off(doctor)
    return render(request, "scheduling/time_off.html", {"form": form, "leaves": leaves})


@doctor_required
@require_http_methods(["GET", "POST"])
def time_off_detail(request, time_off_id):
    doctor = request.user.doctor_profile
    leave = get_object_or_404(TimeOff, pk=time_off_id, doctor=doctor)
    appointments = services.appointments_during(
        doctor=doctor, start_date=leave.start_date, end_date=leave.end_date, chamber=leave.chamber
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
