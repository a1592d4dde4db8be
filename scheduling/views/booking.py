"""Booking a slot: the confirmation page and the booking itself."""

from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_http_methods

from appion.ratelimits import limit_posts
from scheduling import selectors, services
from scheduling.forms import BookingForm
from scheduling.views.common import listed_doctor, parse_start


@sensitive_post_parameters()
@require_http_methods(["GET", "POST"])
@limit_posts(group="booking", key="ip", rate_setting="APPION_RATE_BOOKING")
@limit_posts(group="booking-account", key="user_or_ip", rate_setting="APPION_RATE_BOOKING_ACCOUNT")
def book(request, doctor_id):
    doctor = listed_doctor(doctor_id)
    raw_start = request.GET.get("start") or request.POST.get("start", "")
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    if request.user.role != "patient":
        messages.error(request, _("Only patients can book appointments."))
        return redirect("scheduling:doctor", doctor_id=doctor.pk)
    start = parse_start(raw_start)
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
