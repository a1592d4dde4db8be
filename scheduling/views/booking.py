"""Booking a slot: the confirmation page and the booking itself."""

from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_http_methods

from accounts.models import User
from appion import clinic_calendar
from appion.ratelimits import limit_posts
from scheduling import selectors, services
from scheduling.forms import BookingForm, BookingSlotForm
from scheduling.views.common import listed_doctor


def _doctor_page(doctor, start=None):
    """The doctor's page, on the day of `start` when there is one."""
    url = reverse("scheduling:doctor", args=[doctor.pk])
    return redirect(f"{url}?date={clinic_calendar.local_day(start).isoformat()}" if start else url)


# Error reports (and the debug page) never show what was posted: symptoms.
@sensitive_post_parameters()
@require_http_methods(["GET", "POST"])
@limit_posts(group="booking", key="ip", rate_setting="APPION_RATE_BOOKING")
@limit_posts(group="booking-account", key="user_or_ip", rate_setting="APPION_RATE_BOOKING_ACCOUNT")
def book(request, doctor_id):
    doctor = listed_doctor(doctor_id)
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    if request.user.role != User.Role.PATIENT:
        messages.error(request, _("Only patients can book appointments."))
        return redirect("scheduling:doctor", doctor_id=doctor.pk)
    chosen = BookingSlotForm(request.GET, request.POST, doctor=doctor)
    if not chosen.is_valid():
        messages.error(request, chosen.errors["start"][0])
        return _doctor_page(doctor, chosen.requested_start)
    slot = chosen.slot
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
            return _doctor_page(doctor, slot.start)
        return redirect("scheduling:appointment", appointment_id=appointment.pk)
    return render(
        request,
        "scheduling/book.html",
        {
            "doctor": doctor,
            "slot": slot,
            "chamber": selectors.slot_chamber(slot),
            "form": form,
            "raw_start": slot.start.isoformat(),
        },
    )
