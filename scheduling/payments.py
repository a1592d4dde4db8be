"""Advances paid online through the gateway (issue #21).

The states: a booking at a chamber that takes an advance is AWAITING_PAYMENT and holds
its slot (services.book_appointment) with a STARTED Payment; the patient is sent to the
gateway (checkout). The gateway answers twice, in any order and possibly more than once:
the patient's browser comes back to our success, fail or cancel address, and the gateway
calls our IPN address server to server. Whatever is posted there, nothing is believed:

- confirm(): asks the gateway's validation API about the posted `val_id`, checks that it
  answers VALID for *our* transaction id, in BDT, for exactly the amount we asked, then
  records the payment PAID once (the row is locked; the gateway's ids are unique) and
  moves the appointment on to pending or confirmed (the doctor's auto-confirm), telling
  the patient and the doctor as a booking does. Paid after the hold ran out: the money
  goes back (a refund is due).
- fail(): a started payment that failed or was cancelled; the hold is released.
- services.release_holds(): holds whose time ran out are released (the worker's round,
  and whenever a doctor's slots are booked).
- Refunds: a paid advance of a cancelled appointment is marked due in the cancellation's
  transaction (services._refund_if_due: by the doctor, staff or the system always, by
  the patient as the chamber says) and made by process_refunds() after the commit;
  while the gateway is down the worker retries it with backoff.

The gateway is SSLCommerz (scheduling.sslcommerz) when a store is configured, else the
demo gateway (scheduling.demo_gateway), which has the same interface.
"""

import logging
from datetime import timedelta
from decimal import Decimal

from django.conf import settings
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy

from scheduling import demo_gateway, notifications, services, sslcommerz
from scheduling.models import Appointment, Payment
from scheduling.selectors import settings_for

logger = logging.getLogger("appion.payments")

Status = Appointment.Status
VALID = ("VALID", "VALIDATED")
REFUND_ATTEMPTS = 8


class PaymentRefused(Exception):
    """What the gateway reported does not make a payment of ours (unknown transaction,
    another amount or currency, not valid). Nothing was recorded."""


def gateway():
    return sslcommerz if sslcommerz.configured() else demo_gateway


def is_demo() -> bool:
    return gateway() is demo_gateway


def _address(path):
    """The gateway posts to us from its own site: our full address. The demo gateway's
    page is on this site: the path alone (whatever host the patient uses)."""
    return path if is_demo() else f"{settings.APPION_SITE_URL}{path}"


def checkout(payment) -> str:
    """Start the gateway's session for `payment` and return the address to send the
    patient to. Raises sslcommerz.GatewayUnavailable or GatewayRefused."""
    appointment = payment.appointment
    patient = appointment.patient
    urls = sslcommerz.ReturnUrls(
        success=_address(reverse("scheduling:payment_return", args=["success"])),
        fail=_address(reverse("scheduling:payment_return", args=["fail"])),
        cancel=_address(reverse("scheduling:payment_return", args=["cancel"])),
        ipn=_address(reverse("scheduling:payment_ipn")),
    )
    customer = sslcommerz.Customer(
        name=patient.full_name[:50],
        email=patient.email,
        phone=patient.mobile or appointment.chamber.phone or "",
    )
    session = gateway().start_session(
        tran_id=payment.tran_id,
        amount=payment.amount,
        customer=customer,
        urls=urls,
        product_name=f"Appion advance, serial {appointment.serial}",
    )
    return session.redirect_url


def confirm(*, tran_id, val_id, now=None) -> Payment:
    """Record the payment of `tran_id` if the gateway's validation of `val_id` says it
    is paid, for that transaction, in BDT, for its amount. Idempotent: a second report
    of a recorded payment changes nothing. Raises PaymentRefused, or the gateway's
    errors (sslcommerz.GatewayUnavailable: try again later)."""
    now = now or timezone.now()
    payment = Payment.objects.filter(tran_id=str(tran_id)[:40]).first()
    if payment is None:
        raise PaymentRefused("unknown transaction")
    if payment.state == Payment.State.PAID:
        return payment
    if not val_id:
        raise PaymentRefused("no validation id")
    try:
        validation = gateway().validate(val_id=str(val_id)[:200])
    except sslcommerz.GatewayRefused as error:
        raise PaymentRefused(f"not valid at the gateway: {error}") from None
    problems = [
        name
        for name, wrong in (
            ("status", validation.status not in VALID),
            ("transaction", validation.tran_id != payment.tran_id),
            ("currency", validation.currency != payment.currency),
            ("amount", Decimal(validation.amount) != payment.amount),
        )
        if wrong
    ]
    if problems:
        logger.warning(
            "Payment %s not recorded: the gateway's validation differs in %s",
            payment.tran_id,
            ", ".join(problems),
        )
        raise PaymentRefused("validation differs: " + ", ".join(problems))
    try:
        with transaction.atomic():
            payment = Payment.objects.select_for_update().get(pk=payment.pk)
            if payment.state == Payment.State.PAID:
                return payment
            payment.state = Payment.State.PAID
            payment.method = (validation.method or "")[:60]
            payment.val_id = validation.val_id[:80] or None
            payment.bank_tran_id = (validation.bank_tran_id or "")[:80] or None
            payment.validation = validation.raw
            payment.paid_at = now
            payment.save()
            appointment = Appointment.objects.select_related("doctor__user", "patient").get(
                pk=payment.appointment_id
            )
            if appointment.status == Status.AWAITING_PAYMENT:
                to = (
                    Status.CONFIRMED
                    if settings_for(appointment.doctor).auto_confirm
                    else Status.PENDING
                )
                appointment = services.change_status(
                    appointment=appointment,
                    to=to,
                    by=None,
                    reason=gettext_lazy("Advance paid online"),
                    now=now,
                    notify=False,
                    paid=True,
                )
                notifications.booked(appointment)
            else:
                # The hold ran out (or was cancelled) before the money came: return it.
                payment.refund_state = Payment.RefundState.DUE
                payment.refund_next_attempt = now
                payment.save(update_fields=["refund_state", "refund_next_attempt"])
                transaction.on_commit(
                    lambda: process_refunds(payment_ids=[payment.pk]), robust=True
                )
    except IntegrityError:
        # The gateway's ids belong to another payment of ours: a replayed validation.
        raise PaymentRefused("the gateway's transaction is recorded elsewhere") from None
    return payment


def fail(*, tran_id, cancelled=False, now=None) -> Payment | None:
    """The patient's payment of `tran_id` failed or was cancelled at the gateway: a
    started payment is marked so and its hold released, so that the slot is free again.
    A payment already recorded otherwise is left as it is. Returns the payment, or None
    for an unknown transaction."""
    now = now or timezone.now()
    with transaction.atomic():
        payment = Payment.objects.select_for_update().filter(tran_id=str(tran_id)[:40]).first()
        if payment is None or payment.state != Payment.State.STARTED:
            return payment
        payment.state = Payment.State.CANCELLED if cancelled else Payment.State.FAILED
        payment.save(update_fields=["state"])
        appointment = Appointment.objects.get(pk=payment.appointment_id)
        if appointment.status == Status.AWAITING_PAYMENT:
            services.change_status(
                appointment=appointment,
                to=Status.CANCELLED,
                by=None,
                reason=gettext_lazy("Payment cancelled")
                if cancelled
                else gettext_lazy("Payment failed"),
                now=now,
                notify=False,
            )
    return payment


def release_expired(*, now=None) -> int:
    """The worker's round over holds whose time to pay ran out: first ask the gateway
    whether each was paid after all (its IPN lost on the way) and record those; then
    release the rest (services.release_holds). A gateway that cannot answer does not
    keep a slot held: money that arrives later is recorded and refunded. Returns how
    many holds were released."""
    now = now or timezone.now()
    if gateway() is sslcommerz:
        expired = Payment.objects.filter(
            state=Payment.State.STARTED,
            appointment__status=Status.AWAITING_PAYMENT,
            appointment__hold_until__lte=now,
        ).values_list("tran_id", flat=True)[:100]
        for tran_id in list(expired):
            try:
                found = sslcommerz.find_payment(tran_id=tran_id)
                if found is not None:
                    confirm(tran_id=tran_id, val_id=found.val_id, now=now)
            except (sslcommerz.GatewayError, PaymentRefused):
                logger.warning("Payment %s: no answer from the gateway before release", tran_id)
    return services.release_holds(now=now)


def _refund_backoff(attempts):
    return timedelta(minutes=min(2**attempts, 24 * 60))


def process_refunds(*, payment_ids=None, now=None) -> dict:
    """Make the refunds that are due (or only those of `payment_ids`): each is claimed
    (its next attempt moved on, so that another worker skips it), asked of the gateway
    outside any transaction, and recorded: refunded, in progress (asked again later),
    refused (failed, shown in the admin) or, with the gateway away, due again after a
    backoff, up to REFUND_ATTEMPTS."""
    now = now or timezone.now()
    counts = {"refunded": 0, "processing": 0, "retry": 0, "failed": 0}
    due = Payment.objects.filter(
        refund_state__in=[Payment.RefundState.DUE, Payment.RefundState.PROCESSING],
        refund_next_attempt__lte=now,
    )
    if payment_ids is not None:
        due = due.filter(pk__in=payment_ids)
    for payment_id in list(due.values_list("pk", flat=True)[:100]):
        with transaction.atomic():
            payment = (
                Payment.objects.select_for_update(skip_locked=True)
                .filter(pk=payment_id, refund_next_attempt__lte=now)
                .exclude(refund_state__in=["", Payment.RefundState.REFUNDED])
                .first()
            )
            if payment is None:
                continue
            payment.refund_attempts += 1
            payment.refund_next_attempt = now + _refund_backoff(payment.refund_attempts)
            payment.save(update_fields=["refund_attempts", "refund_next_attempt"])
        try:
            if payment.refund_state == Payment.RefundState.PROCESSING and payment.refund_ref_id:
                answer = gateway().refund_status(refund_ref_id=payment.refund_ref_id)
            else:
                answer = gateway().refund(
                    bank_tran_id=payment.bank_tran_id,
                    amount=payment.amount,
                    remarks="Appointment cancelled",
                    reference=payment.tran_id,
                )
        except sslcommerz.GatewayUnavailable as error:
            outcome = "retry" if payment.refund_attempts < REFUND_ATTEMPTS else "failed"
            _record_refund(payment, error=str(error), give_up=outcome == "failed")
            counts[outcome] += 1
            continue
        except sslcommerz.GatewayRefused as error:
            _record_refund(payment, error=str(error), give_up=True)
            counts["failed"] += 1
            continue
        if answer.status == "success":
            _record_refund(payment, state=Payment.RefundState.REFUNDED, answer=answer, now=now)
            counts["refunded"] += 1
        elif answer.status == "processing":
            _record_refund(payment, state=Payment.RefundState.PROCESSING, answer=answer)
            counts["processing"] += 1
        else:
            _record_refund(payment, error=f"refused: {answer.status}", give_up=True)
            counts["failed"] += 1
    return counts


def _record_refund(payment, *, state=None, answer=None, error="", give_up=False, now=None):
    changes = {"refund_error": error[:300]}
    if give_up:
        changes["refund_state"] = Payment.RefundState.FAILED
    if state is not None:
        changes["refund_state"] = state
    if answer is not None and answer.refund_ref_id:
        changes["refund_ref_id"] = answer.refund_ref_id[:80]
    if state == Payment.RefundState.REFUNDED:
        changes["refunded_at"] = now
    Payment.objects.filter(pk=payment.pk).update(**changes)
