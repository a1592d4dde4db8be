"""An appointment after booking: the patient's list, the page that every party of an
appointment shares, cancelling, rescheduling, the calendar file and status changes;
and the user's own data to take away."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.core.serializers.json import DjangoJSONEncoder
from django.http import HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from accounts import audit
from accounts.models import User
from appion import clinic_calendar
from scheduling import selectors, services
from scheduling.calendar import appointment_ics as make_ics
from scheduling.calendar import audience_for, booking_links, calendar_links, ics_filename
from scheduling.forms import (
    AppointmentSearchForm,
    CancelForm,
    DeclineForm,
    SlotStartForm,
    VisitNotesForm,
)
from scheduling.models import Appointment, VisitNotes
from scheduling.views.common import PAGE_SIZE, slots_context, visible_appointment
from scheduling.views.queue import appointment_queue_context


@login_required
def my_appointments(request):
    if request.user.role == User.Role.DOCTOR:
        return redirect("scheduling:portal")
    search = AppointmentSearchForm(request.GET)
    q = search.cleaned_data["q"] if search.is_valid() else ""
    mine = selectors.visible_appointments(request.user).filter(patient=request.user)
    if q:
        mine = mine.filter(doctor__user__full_name__icontains=q)
    still_on = selectors.still_to_come(timezone.now())
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
    appointment = visible_appointment(request, appointment_id)
    user = request.user
    now = timezone.now()
    can = services.permitted_actions(appointment=appointment, by=user, now=now)
    notes = VisitNotes.objects.filter(appointment=appointment).first()
    is_doctor = appointment.doctor.user_id == user.pk
    notes_form = None
    if is_doctor and services.notes_editable(appointment, now=now):
        notes_form = VisitNotesForm(instance=notes, prefix="notes")
    earlier = later = None
    # On the day, the patient follows the chamber's queue here (issue #17).
    live = None
    if user.pk == appointment.patient_id and appointment.date == timezone.localdate(now):
        live = appointment_queue_context(appointment, now=now)
    if (is_doctor or user.is_staff) and not appointment.is_walk_in:
        earlier, later = selectors.visits_around(appointment)
    is_patient = user.pk == appointment.patient_id
    page_url = request.build_absolute_uri(appointment.get_absolute_url())
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
            # The patient's calendar and share links; the doctor's (and staff's) calendar
            # links only, written for their own calendar.
            "links": booking_links(appointment, page_url=page_url) if is_patient else None,
            "calendar_links": calendar_links(
                appointment, audience=audience_for(appointment, user), page_url=page_url
            ),
            "video": _video_context(appointment, user, now=now),
            "live": live,
            # The advance paid online, or to pay (issue #21).
            "payment": appointment.payments.order_by("-created_at", "-pk").first(),
        },
    )


def _video_context(appointment, user, *, now):
    """What the appointment page says about an online consultation: the room's link when
    selectors.video_link gives it to `user`, else when it opens (or that it has
    closed); None for a visit in person or a cancelled appointment."""
    if not appointment.is_online or appointment.status == Appointment.Status.CANCELLED:
        return None
    opens, closes = selectors.video_window(appointment)
    return {
        "link": selectors.video_link(appointment, user, now=now),
        "party": user.pk in (appointment.patient_id, appointment.doctor.user_id),
        "opens": opens,
        "over": now >= closes
        or appointment.status in (Appointment.Status.COMPLETED, Appointment.Status.NO_SHOW),
    }


@login_required
@require_http_methods(["GET", "POST"])
def cancel(request, appointment_id):
    appointment = visible_appointment(request, appointment_id)
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
    appointment = visible_appointment(request, appointment_id)
    if request.method == "POST":
        form = SlotStartForm(request.POST)
        try:
            if not form.is_valid():
                raise services.BookingError(form.errors["start"][0])
            new = services.reschedule_appointment(
                appointment=appointment, start=form.cleaned_data["start"], by=request.user
            )
        except services.BookingError as error:
            messages.error(request, error.message)
        else:
            messages.success(request, _("Your appointment has been moved."))
            return redirect("scheduling:appointment", appointment_id=new.pk)
    context = slots_context(appointment.doctor, request.GET)
    context["appointment"] = appointment
    return render(request, "scheduling/reschedule.html", context)


@require_http_methods(["GET", "HEAD"])
def short_link(request, appointment_id):
    """/a/<id>/, the link in an SMS: on to the appointment's page, which decides who may
    see it (the redirect itself reveals nothing)."""
    return redirect("scheduling:appointment", appointment_id=appointment_id)


@login_required
def appointment_ics(request, appointment_id):
    appointment = visible_appointment(request, appointment_id)
    ics = make_ics(
        appointment,
        audience=audience_for(appointment, request.user),
        page_url=request.build_absolute_uri(appointment.get_absolute_url()),
    )
    response = HttpResponse(ics, content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{ics_filename(appointment)}"'
    return response


@login_required
@require_http_methods(["POST"])
def change_status(request, appointment_id):
    appointment = visible_appointment(request, appointment_id)
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


@login_required
@require_http_methods(["GET"])
def my_data(request):
    """The logged-in user's own data as a JSON file to keep (see selectors.personal_data);
    each download is recorded in the audit log (the one write of a GET: a record of who
    took the data, not a change to it)."""
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
    day = clinic_calendar.today().isoformat()
    response["Content-Disposition"] = f'attachment; filename="appion-my-data-{day}.json"'
    return response
