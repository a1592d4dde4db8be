"""Booking a slot: the confirmation page and the booking itself. A visitor who is not
logged in registers or logs in on the same page, and books in the same submit."""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_http_methods

from accounts import services as account_services
from accounts.forms import LoginForm, QuickRegistrationForm
from accounts.models import User
from accounts.registration import BACKEND, send_mobile_code
from appion import clinic_calendar
from appion.ratelimits import limit_posts
from scheduling import selectors, services
from scheduling.forms import BookingAccountForm, BookingForm, BookingSlotForm
from scheduling.models import Appointment
from scheduling.views.common import listed_doctor
from scheduling.views.payments import send_to_gateway


def _doctor_page(doctor, start=None):
    """The doctor's page, on the day of `start` when there is one."""
    url = reverse("scheduling:doctor", args=[doctor.pk])
    return redirect(f"{url}?date={clinic_calendar.local_day(start).isoformat()}" if start else url)


def _registers(request):
    """Whether a post to the booking page asks to register a new account: those count
    against the registration limit as the registration page's posts do."""
    return (
        not request.user.is_authenticated and request.POST.get("account") == BookingAccountForm.NEW
    )


def _account_forms(request):
    """The account part of a visitor's booking page: the choice between registering and
    logging in, and the two forms; only the chosen one is bound to the post."""
    posted = request.POST if request.method == "POST" else None
    choice = BookingAccountForm(posted)
    login_form = LoginForm(request, data=posted if posted and not choice.registers else None)
    login_form.fields["username"].widget.attrs.pop("autofocus", None)
    return {
        "choice": choice,
        "registration": QuickRegistrationForm(posted if posted and choice.registers else None),
        "login": login_form,
    }


def _account_is_valid(account):
    chosen = account["registration"] if account["choice"].registers else account["login"]
    return all([account["choice"].is_valid(), chosen.is_valid()])


def _sign_in(request, account):
    """Register (accounts.services.register_patient) or log in the visitor from valid
    account forms, and start their session. Returns the user, or None with the refusal
    on the registration form (an email or mobile taken by a concurrent request)."""
    if account["choice"].registers:
        form = account["registration"]
        data = form.cleaned_data
        try:
            user = account_services.register_patient(
                email=data["email"], password=data["password1"], data=data
            )
        except account_services.AccountError as error:
            form.add_error(error.field, error.message)
            return None
        login(request, user, backend=BACKEND)
        messages.success(request, _("Welcome to Appion, %(name)s!") % {"name": user.full_name})
        # The appointment's page then offers to enter it.
        send_mobile_code(request, user, message=_("We sent a 6-digit code by SMS to %(mobile)s."))
        return user
    user = account["login"].get_user()
    login(request, user)
    return user


def _free_times(doctor, moment):
    """The day of `moment` (when there is one) and that day's free slots."""
    if moment is None:
        return {"day": None, "free_slots": []}
    day = clinic_calendar.local_day(moment)
    return {"day": day, "free_slots": selectors.free_slots(doctor, day, day).get(day, [])}


# Error reports (and the debug page) never show what was posted: symptoms, passwords.
@sensitive_post_parameters()
@require_http_methods(["GET", "POST"])
@limit_posts(group="booking", key="ip", rate_setting="APPION_RATE_BOOKING")
@limit_posts(group="booking-account", key="user_or_ip", rate_setting="APPION_RATE_BOOKING_ACCOUNT")
@limit_posts(
    group="registration", key="ip", rate_setting="APPION_RATE_REGISTRATION", when=_registers
)
def book(request, doctor_id):
    """Confirm and book one free slot. A patient books with one submit. A visitor who is
    not logged in gets the same page with a choice to register or to log in (the login
    counts towards django-axes' lockout as the login page's does): one submit signs them
    in and books. A bad field creates nothing; a slot taken meanwhile leaves the new
    session in place and shows that day's free times in the same form, with what was
    typed kept (passwords never)."""
    doctor = listed_doctor(doctor_id)
    visitor = not request.user.is_authenticated
    if not visitor and request.user.role != User.Role.PATIENT:
        messages.error(request, _("Only patients can book appointments."))
        return redirect("scheduling:doctor", doctor_id=doctor.pk)
    posted = request.method == "POST"
    chosen = BookingSlotForm(request.GET, request.POST, doctor=doctor)
    slot = chosen.slot if chosen.is_valid() else None
    if slot is None and (not posted or not visitor):
        messages.error(request, chosen.errors["start"][0])
        return _doctor_page(doctor, chosen.requested_start)
    form = BookingForm(request.POST if posted else None)
    account = _account_forms(request) if visitor else None
    context = {
        "doctor": doctor,
        "slot": slot,
        "chamber": selectors.slot_chamber(slot) if slot else None,
        "hold_minutes": settings.APPION_PAYMENT_HOLD_MINUTES,
        "form": form,
        "account": account,
    }
    if slot is None:
        # Gone between the visitor's opening of the page and their submit.
        context.update(_free_times(doctor, chosen.requested_start))
        context["slot_error"] = chosen.errors["start"][0]
    if not posted:
        return render(request, "scheduling/book.html", context)

    valid = form.is_valid()
    if visitor:
        valid = _account_is_valid(account) and valid
        if not valid or _sign_in(request, account) is None:
            return render(request, "scheduling/book.html", context)
        context["account"] = None
        if request.user.role != User.Role.PATIENT:
            messages.error(request, _("Only patients can book appointments."))
            return redirect("scheduling:doctor", doctor_id=doctor.pk)
    elif not valid:
        return render(request, "scheduling/book.html", context)
    if slot is None:
        return render(request, "scheduling/book.html", context)

    try:
        appointment = services.book_appointment(
            patient=request.user,
            doctor=doctor,
            start=slot.start,
            symptoms=form.cleaned_data["symptoms"],
            notes=form.cleaned_data["notes"],
        )
    except services.BookingError as error:
        if not visitor:
            messages.error(request, error.message)
            return _doctor_page(doctor, slot.start)
        # Signed in by this very post: keep them on the page with what they typed.
        context.update(_free_times(doctor, slot.start), slot=None, slot_error=error.message)
        return render(request, "scheduling/book.html", context)
    if appointment.status == Appointment.Status.AWAITING_PAYMENT:
        # The chamber takes an advance online: on to the payment gateway.
        return send_to_gateway(request, appointment.payments.get())
    return redirect("scheduling:appointment", appointment_id=appointment.pk)
