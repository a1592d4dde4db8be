"""The day's queue at a chamber (issue #17): the doctor's working page and its one-tap
actions, the patient's live view of their place, and the public waiting-room screen.

Each live region is an htmx partial that refreshes itself (every 30 s, and on the
`live` event that scheduling.live's transport fires) and is also a plain page, so that
without JavaScript a "Refresh" link does the same."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from accounts.decorators import doctor_required
from appion.l10n import local_digits
from scheduling import selectors, services
from scheduling.forms import LateNoticeForm, QueueChamberForm, QueueStepForm, WalkInForm
from scheduling.models import Appointment, Chamber
from scheduling.views.common import visible_appointment


def _queue_url(chamber):
    return f"{reverse('scheduling:queue')}?chamber={chamber.pk}"


def _own_chamber(request, chamber_id):
    """The logged-in doctor's chamber, with what the queue reads; another's is a 404."""
    return get_object_or_404(
        Chamber.objects.select_related("doctor__user", "doctor__schedule_settings"),
        pk=chamber_id,
        doctor__user=request.user,
    )


def _queue_context(chamber, *, now=None):
    now = now or timezone.now()
    queue = selectors.chamber_queue(chamber, now=now)
    return {"chamber": chamber, "queue": queue, "now": now}


@doctor_required
@require_GET
def queue(request):
    """Today's queue of one of the doctor's chambers (`?chamber=`), by default the one in
    session now (selectors.default_queue_chamber)."""
    return _queue_page(request)


def _queue_page(request, *, chamber=None, walk_in_form=None, late_form=None, status=200):
    doctor = request.user.doctor_profile
    chambers = selectors.queue_chambers(doctor)
    if chamber is None:
        choice = QueueChamberForm(request.GET, chambers=chambers)
        chamber = choice.chosen()
        if choice.is_bound and not choice.is_valid():
            messages.error(request, choice.errors["chamber"][0])
        chamber = chamber or selectors.default_queue_chamber(chambers)
    if chamber is None:
        raise Http404
    # The chamber as the queue reads it (its doctor's settings) and the picker's rows.
    chamber = next(c for c in chambers if c.pk == chamber.pk)
    chamber.doctor = doctor
    context = _queue_context(chamber)
    late = context["queue"].late
    context.update(
        chambers=chambers,
        walk_in_form=walk_in_form or WalkInForm(),
        late_form=late_form
        or LateNoticeForm(
            initial={"minutes": late.minutes if late else 0, "reason": late.reason if late else ""}
        ),
    )
    return render(request, "scheduling/queue.html", context, status=status)


@doctor_required
@require_GET
def queue_list(request, chamber_id):
    """The live part of the doctor's queue page (htmx partial)."""
    chamber = _own_chamber(request, chamber_id)
    return render(request, "scheduling/partials/queue_list.html", _queue_context(chamber))


def _refused(request, error):
    messages.error(request, error.message)


@doctor_required
@require_POST
def queue_call_next(request, chamber_id):
    chamber = _own_chamber(request, chamber_id)
    try:
        finished, called = services.call_next(chamber=chamber, by=request.user)
    except services.BookingError as error:
        _refused(request, error)
    else:
        if called is not None:
            messages.success(
                request,
                _("Serial %(serial)s is called in.") % {"serial": local_digits(called.serial)},
            )
        else:
            messages.info(
                request,
                _("Serial %(serial)s is done. Nobody else is waiting yet.")
                % {"serial": local_digits(finished[-1].serial)},
            )
    return redirect(_queue_url(chamber))


STEPS = {
    QueueStepForm.ARRIVED: (services.mark_arrived, gettext_lazy("Serial %(serial)s has arrived.")),
    QueueStepForm.RECALL: (services.recall, gettext_lazy("Serial %(serial)s is called again.")),
    QueueStepForm.DONE: (services.finish_consultation, gettext_lazy("Serial %(serial)s is done.")),
    QueueStepForm.NO_SHOW: (
        services.mark_no_show,
        gettext_lazy("Serial %(serial)s is marked as a no-show."),
    ),
}


@doctor_required
@require_POST
def queue_step(request, appointment_id):
    """Arrived, recall, done or no-show on one patient of the doctor's queue."""
    appointment = get_object_or_404(
        Appointment.objects.select_related("chamber__doctor__user"),
        pk=appointment_id,
        doctor__user=request.user,
    )
    form = QueueStepForm(request.POST)
    if not form.is_valid():
        messages.error(request, form.errors["step"][0])
        return redirect(_queue_url(appointment.chamber))
    service, done_message = STEPS[form.cleaned_data["step"]]
    try:
        service(appointment=appointment, by=request.user)
    except services.BookingError as error:
        _refused(request, error)
    else:
        messages.success(request, done_message % {"serial": local_digits(appointment.serial)})
    return redirect(_queue_url(appointment.chamber))


@doctor_required
@require_POST
def queue_walk_in(request, chamber_id):
    chamber = _own_chamber(request, chamber_id)
    form = WalkInForm(request.POST)
    if form.is_valid():
        try:
            walk_in = services.add_walk_in(
                chamber=chamber,
                by=request.user,
                name=form.cleaned_data["full_name"],
                mobile=form.cleaned_data["mobile"],
            )
        except services.BookingError as error:
            form.add_error(None, error.message)
        else:
            messages.success(
                request,
                _("%(name)s joins the queue as serial %(serial)s.")
                % {"name": walk_in.walk_in_name, "serial": local_digits(walk_in.serial)},
            )
            return redirect(_queue_url(chamber))
    return _queue_page(request, chamber=chamber, walk_in_form=form)


@doctor_required
@require_POST
def queue_late(request, chamber_id):
    chamber = _own_chamber(request, chamber_id)
    form = LateNoticeForm(request.POST)
    if form.is_valid():
        try:
            notice = services.set_late_notice(
                chamber=chamber,
                by=request.user,
                minutes=form.cleaned_data["minutes"],
                reason=form.cleaned_data["reason"],
            )
        except services.BookingError as error:
            form.add_error(None, error.message)
        else:
            if notice.minutes:
                messages.success(
                    request,
                    _("Patients now see that you are running %(minutes)s minutes late.")
                    % {"minutes": local_digits(notice.minutes)},
                )
            else:
                messages.success(request, _("Patients now see that you are on time."))
            return redirect(_queue_url(chamber))
    return _queue_page(request, chamber=chamber, late_form=form)


@login_required
@require_GET
def appointment_queue(request, appointment_id):
    """The live block of an appointment's page on its day: now serving, your serial,
    about how long (htmx partial; the page includes it)."""
    appointment = visible_appointment(request, appointment_id)
    return render(
        request,
        "scheduling/partials/appointment_queue.html",
        appointment_queue_context(appointment),
    )


def appointment_queue_context(appointment, *, now=None):
    """What the patient's live block shows: nothing on another day than today."""
    now = now or timezone.now()
    if appointment.date != timezone.localdate(now):
        return {"appointment": appointment, "queue": None, "now": now}
    chamber = appointment.chamber
    queue = selectors.chamber_queue(chamber, now=now)
    entry = next((e for e in queue.entries if e.pk == appointment.pk), appointment)
    return {
        "appointment": entry,
        "queue": queue,
        "wait": selectors.wait_minutes(queue, entry, now=now),
        "now": now,
    }


def _public_chamber(chamber_id):
    """A chamber of a listed doctor; any other id is a 404."""
    return get_object_or_404(
        Chamber.objects.filter(doctor__in=selectors.listed_doctors()).select_related(
            "doctor__user", "doctor__schedule_settings"
        ),
        pk=chamber_id,
    )


@require_GET
def queue_screen(request, chamber_id):
    """The waiting-room screen: serials only, never a name or a number to call."""
    chamber = _public_chamber(chamber_id)
    return render(request, "scheduling/queue_screen.html", _queue_context(chamber))


@require_GET
def queue_screen_live(request, chamber_id):
    """The screen's live board (htmx partial)."""
    chamber = _public_chamber(chamber_id)
    return render(request, "scheduling/partials/queue_board.html", _queue_context(chamber))
