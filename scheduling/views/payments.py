"""Paying a chamber's advance online (issue #21; scheduling.payments): the patient's
"Pay now", the gateway's return and IPN addresses, and the demo gateway's checkout.

The gateway posts to the return and IPN addresses from its own site: they are exempt
from CSRF (a cross-site POST carries no session either, so they never rely on one) and
believe nothing posted (payments.confirm asks the gateway)."""

from decimal import Decimal

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core import signing
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from appion import clinic_calendar
from scheduling import demo_gateway, payments, sslcommerz
from scheduling.models import Appointment, Payment

Status = Appointment.Status


def send_to_gateway(request, payment):
    """Start the gateway's session and send the patient there; if the gateway is away,
    back to the appointment's page, which offers "Pay now" again while the hold lasts."""
    try:
        return redirect(payments.checkout(payment))
    except (sslcommerz.GatewayUnavailable, sslcommerz.GatewayRefused):
        messages.error(
            request,
            _(
                "The payment service is not answering. Your serial is held for a few "
                "minutes: please try “Pay now” again."
            ),
        )
        return redirect("scheduling:appointment", appointment_id=payment.appointment_id)


@login_required
@require_POST
def pay(request, appointment_id):
    """The patient's "Pay now" for their appointment awaiting its advance."""
    appointment = get_object_or_404(
        Appointment.objects.filter(patient=request.user), pk=appointment_id
    )
    payment = appointment.payments.filter(state=Payment.State.STARTED).first()
    if appointment.status != Status.AWAITING_PAYMENT or payment is None:
        messages.error(request, _("This appointment has nothing to pay online."))
        return redirect(appointment)
    return send_to_gateway(request, payment)


def _day_of(payment):
    appointment = payment.appointment
    url = reverse("scheduling:doctor", args=[appointment.doctor_id])
    return f"{url}?date={clinic_calendar.local_day(appointment.start).isoformat()}#slots"


@csrf_exempt
@require_POST
def payment_return(request, outcome):
    """Where the gateway sends the patient's browser back: success, fail or cancel."""
    tran_id = request.POST.get("tran_id", "")
    if outcome == "success":
        try:
            payment = payments.confirm(tran_id=tran_id, val_id=request.POST.get("val_id", ""))
        except payments.PaymentRefused:
            payment = Payment.objects.filter(tran_id=tran_id[:40]).first()
            messages.error(
                request,
                _(
                    "We could not confirm this payment with the payment service. If money "
                    "was taken, it is refunded; please book again or call the chamber."
                ),
            )
            return redirect(payment.appointment if payment else "home")
        except sslcommerz.GatewayUnavailable:
            payment = Payment.objects.filter(tran_id=tran_id[:40]).first()
            messages.warning(
                request,
                _(
                    "The payment service is slow to confirm your payment. We confirm it as "
                    "soon as it answers; this page then shows your serial as booked."
                ),
            )
            return redirect(payment.appointment if payment else "home")
        messages.success(request, _("Advance paid: your serial is booked."))
        return redirect(payment.appointment)
    if outcome not in ("fail", "cancel"):
        raise Http404
    payment = payments.fail(tran_id=tran_id, cancelled=outcome == "cancel")
    if payment is None:
        raise Http404
    if payment.state == Payment.State.PAID:
        return redirect(payment.appointment)
    messages.warning(
        request,
        _("The payment was cancelled, so the slot was released. Choose a time again.")
        if outcome == "cancel"
        else _("The payment did not go through, so the slot was released. Choose a time again."),
    )
    return redirect(_day_of(payment))


@csrf_exempt
@require_POST
def payment_ipn(request):
    """The gateway's server-to-server report (IPN). 200 once it is handled (or is not
    ours: nothing to retry), 503 while the gateway's validation API is away, so that
    the gateway reports again."""
    tran_id = request.POST.get("tran_id", "")
    status = request.POST.get("status", "").upper()
    if status in payments.VALID:
        try:
            payments.confirm(tran_id=tran_id, val_id=request.POST.get("val_id", ""))
        except payments.PaymentRefused:
            return HttpResponse("refused", content_type="text/plain", status=400)
        except sslcommerz.GatewayUnavailable:
            return HttpResponse("try again", content_type="text/plain", status=503)
    elif status in ("FAILED", "CANCELLED"):
        payments.fail(tran_id=tran_id, cancelled=status == "CANCELLED")
    return HttpResponse("OK", content_type="text/plain")


def demo_checkout(request, token):
    """The demo gateway's checkout page (no SSLCommerz store configured): pay by bKash,
    Nagad or card, let it fail, or cancel, posting to our return addresses as the real
    gateway's page does."""
    if not payments.is_demo():
        raise Http404
    try:
        session = demo_gateway.read_session(token)
    except (signing.BadSignature, KeyError, ValueError):
        raise Http404 from None
    payment = get_object_or_404(
        Payment.objects.select_related("appointment__doctor__user", "appointment__chamber"),
        tran_id=session["tran_id"],
    )
    amount = Decimal(session["amount"])
    methods = [
        (label, demo_gateway.val_id_for(tran_id=payment.tran_id, amount=amount, method=key))
        for key, label in (("bkash", "bKash"), ("nagad", "Nagad"), ("card", _("Card")))
    ]
    return render(
        request,
        "scheduling/demo_checkout.html",
        {"payment": payment, "amount": amount, "session": session, "methods": methods},
    )
