"""Advances paid online (issue #21), through the pages and the services, with the demo
gateway (no SSLCommerz store configured; its validation ids are signed by the site): the
hold while paying, paying once however often the gateway reports it, failing and
expiring holds that free the slot, refunds by the chamber's rule, reschedules."""

from datetime import timedelta
from decimal import Decimal
from urllib.parse import urlsplit

import pytest
import time_machine
from django.test import Client
from django.utils import timezone

from accounts.tests.factories import DoctorProfileFactory, PatientFactory
from appion.messaging.models import Notification
from scheduling import demo_gateway, payments, selectors, services
from scheduling.models import Advance, Appointment, Payment
from scheduling.tests.factories import first_chamber, open_every_day

pytestmark = pytest.mark.django_db

Status = Appointment.Status


@pytest.fixture(autouse=True)
def _clock_standing_still():
    with time_machine.travel(timezone.now(), tick=False) as traveller:
        yield traveller


@pytest.fixture
def clinic():
    """A doctor whose chamber takes a ৳200 advance online; a free slot two days ahead."""
    doctor = open_every_day(DoctorProfileFactory(consultation_fee=Decimal("800")))
    chamber = first_chamber(doctor)
    chamber.advance = Advance.FIXED
    chamber.advance_amount = Decimal("200")
    chamber.save()
    day = timezone.localdate() + timedelta(days=2)
    slot = selectors.free_slots(doctor, day, day)[day][0]
    return doctor, chamber, slot


def free_starts(doctor, slot):
    day = timezone.localdate(slot.start)
    return [s.start for s in selectors.free_slots(doctor, day, day).get(day, [])]


def logged_in(user):
    client = Client()
    client.force_login(user)
    return client


def book(clinic, patient=None):
    doctor, _chamber, slot = clinic
    return services.book_appointment(
        patient=patient or PatientFactory(), doctor=doctor, start=slot.start, symptoms="Fever"
    )


def pay_on_demo_page(client, payment, method="bkash", outcome="success"):
    """What the demo checkout's button posts (as SSLCommerz's page posts)."""
    if outcome != "success":
        return client.post(
            f"/payments/return/{outcome}/", {"tran_id": payment.tran_id, "status": "FAILED"}
        )
    val_id = demo_gateway.val_id_for(tran_id=payment.tran_id, amount=payment.amount, method=method)
    return client.post(
        "/payments/return/success/",
        {"tran_id": payment.tran_id, "val_id": val_id, "status": "VALID", "amount": "1"},
    )


def test_booking_at_an_advance_chamber_holds_the_slot_and_goes_to_the_gateway(clinic):
    doctor, chamber, slot = clinic
    patient = PatientFactory()
    client = logged_in(patient)
    page = client.get(f"/appointments/book/{doctor.pk}/?start={slot.start_param}")
    assert "৳200 paid online now" in page.content.decode()

    response = client.post(
        f"/appointments/book/{doctor.pk}/?start={slot.start_param}", {"symptoms": "Fever"}
    )

    appointment = Appointment.objects.get()
    assert appointment.status == Status.AWAITING_PAYMENT
    assert appointment.hold_until == timezone.now() + timedelta(minutes=10)
    payment = appointment.payments.get()
    assert (payment.state, payment.amount, payment.currency) == ("started", Decimal("200"), "BDT")
    assert response.status_code == 302
    assert urlsplit(response.url).path.startswith("/payments/demo/")
    checkout = client.get(response.url).content.decode()
    assert "Demo payment gateway" in checkout and "Pay with bKash" in checkout
    # Nobody is told of a booking until it is paid; the slot is held meanwhile.
    assert not Notification.objects.exists()
    assert slot.start not in free_starts(doctor, slot)


def test_paying_books_the_serial_once_however_often_the_gateway_reports(clinic):
    appointment = book(clinic)
    payment = appointment.payments.get()
    client = Client()

    first = pay_on_demo_page(client, payment)
    again = pay_on_demo_page(client, payment)
    val_id = demo_gateway.val_id_for(tran_id=payment.tran_id, amount=payment.amount, method="bkash")
    ipn = client.post(
        "/payments/ipn/", {"tran_id": payment.tran_id, "val_id": val_id, "status": "VALID"}
    )

    assert first.status_code == again.status_code == 302
    assert first.url == f"/appointments/{appointment.pk}/"
    assert ipn.status_code == 200
    payment.refresh_from_db()
    assert payment.state == "paid" and payment.method == "BKASH-BKash"
    assert payment.bank_tran_id.startswith("DEMO") and payment.paid_at == timezone.now()
    appointment.refresh_from_db()
    assert appointment.status == Status.PENDING
    steps = list(appointment.events.values_list("from_status", "to_status", "actor", "reason"))
    assert steps == [
        ("", "awaiting_payment", appointment.patient_id, ""),
        ("awaiting_payment", "pending", None, "Advance paid online"),
    ]
    # Told once, as a booking is: the patient and the doctor.
    assert Notification.objects.filter(kind="booked").count() == 2


def test_with_auto_confirm_a_paid_booking_is_confirmed(clinic):
    doctor = clinic[0]
    doctor.schedule_settings.auto_confirm = True
    doctor.schedule_settings.save()
    appointment = book(clinic)

    pay_on_demo_page(Client(), appointment.payments.get())

    appointment.refresh_from_db()
    assert appointment.status == Status.CONFIRMED


@pytest.mark.parametrize(
    "posted",
    [
        {"val_id": "forged"},
        {"val_id": ""},
        {"tran_id": "APNUNKNOWN"},
    ],
)
def test_a_forged_or_foreign_report_records_nothing(clinic, posted):
    appointment = book(clinic)
    payment = appointment.payments.get()
    fields = {"tran_id": payment.tran_id, "status": "VALID", **posted}

    response = Client().post("/payments/return/success/", fields, follow=True)
    ipn = Client().post("/payments/ipn/", fields)

    assert response.status_code == 200
    assert ipn.status_code == 400
    payment.refresh_from_db()
    assert payment.state == "started"
    assert Appointment.objects.get().status == Status.AWAITING_PAYMENT


def test_a_validation_of_another_amount_or_transaction_is_refused(clinic):
    appointment = book(clinic)
    payment = appointment.payments.get()
    cheaper = demo_gateway.val_id_for(tran_id=payment.tran_id, amount=Decimal("2"), method="card")
    foreign = demo_gateway.val_id_for(tran_id="APNOTHER", amount=payment.amount, method="card")

    for val_id in (cheaper, foreign):
        with pytest.raises(payments.PaymentRefused):
            payments.confirm(tran_id=payment.tran_id, val_id=val_id)

    payment.refresh_from_db()
    assert payment.state == "started"


def test_a_failed_payment_releases_the_slot_and_goes_back_to_the_free_times(clinic):
    doctor, _chamber, slot = clinic
    appointment = book(clinic)
    payment = appointment.payments.get()

    response = pay_on_demo_page(Client(), payment, outcome="fail")

    assert response.status_code == 302
    assert (
        response.url
        == f"/doctors/{doctor.pk}/?date={timezone.localdate(slot.start).isoformat()}#slots"
    )
    payment.refresh_from_db()
    appointment.refresh_from_db()
    assert payment.state == "failed"
    assert appointment.status == Status.CANCELLED
    assert appointment.events.last().reason == "Payment failed"
    assert slot.start in free_starts(doctor, slot)


def test_a_hold_runs_out_and_the_next_patient_books_the_slot(clinic, _clock_standing_still):
    start = timezone.now()
    held = book(clinic)
    with pytest.raises(services.BookingError):
        book(clinic)  # held for the first patient

    _clock_standing_still.move_to(start + timedelta(minutes=10))
    second = book(clinic)

    held.refresh_from_db()
    assert held.status == Status.CANCELLED
    assert held.events.last().reason == "Payment not completed in time"
    assert held.payments.get().state == "expired"
    assert second.status == Status.AWAITING_PAYMENT


def test_the_worker_releases_holds_that_ran_out(clinic, send_outbox, _clock_standing_still):
    start = timezone.now()
    held = book(clinic)
    _clock_standing_still.move_to(start + timedelta(minutes=9, seconds=59))
    send_outbox()
    held.refresh_from_db()
    assert held.status == Status.AWAITING_PAYMENT
    _clock_standing_still.move_to(start + timedelta(minutes=10))
    send_outbox()
    held.refresh_from_db()
    assert held.status == Status.CANCELLED


def test_paid_after_the_hold_ran_out_the_money_goes_back(
    clinic, django_capture_on_commit_callbacks
):
    start = timezone.now()
    with time_machine.travel(start, tick=False) as clock:
        held = book(clinic)
        payment = held.payments.get()
        clock.move_to(start + timedelta(minutes=11))
        services.release_holds()
        with django_capture_on_commit_callbacks(execute=True):
            pay_on_demo_page(Client(), payment)
    # The gateway took the money after the slot was released: recorded, and refunded.
    payment.refresh_from_db()
    assert (payment.state, payment.refund_state) == ("paid", "refunded")
    held.refresh_from_db()
    assert held.status == Status.CANCELLED


def paid_booking(clinic, django_capture_on_commit_callbacks, **chamber):
    if chamber:
        for name, value in chamber.items():
            setattr(clinic[1], name, value)
        clinic[1].save()
    appointment = book(clinic)
    pay_on_demo_page(Client(), appointment.payments.get())
    appointment.refresh_from_db()
    return appointment


def test_a_cancellation_by_the_doctor_refunds_the_advance(
    clinic, django_capture_on_commit_callbacks
):
    appointment = paid_booking(clinic, django_capture_on_commit_callbacks)

    with django_capture_on_commit_callbacks(execute=True):
        services.cancel_appointment(appointment=appointment, by=clinic[0].user, reason="Ill")

    payment = appointment.payments.get()
    assert payment.refund_state == "refunded"
    assert payment.refund_ref_id.startswith("DEMO-R-")
    assert payment.refunded_at is not None


@pytest.mark.parametrize("refunds", [True, False])
def test_a_patient_who_cancels_in_time_is_refunded_as_the_chamber_says(
    clinic, django_capture_on_commit_callbacks, refunds
):
    appointment = paid_booking(
        clinic, django_capture_on_commit_callbacks, refund_on_patient_cancel=refunds
    )

    with django_capture_on_commit_callbacks(execute=True):
        services.cancel_appointment(appointment=appointment, by=appointment.patient)

    assert appointment.payments.get().refund_state == ("refunded" if refunds else "")


def test_a_reschedule_keeps_the_advance_paid(clinic, django_capture_on_commit_callbacks):
    doctor, _chamber, slot = clinic
    appointment = paid_booking(clinic, django_capture_on_commit_callbacks)
    day = timezone.localdate(slot.start)
    later = selectors.free_slots(doctor, day, day)[day][1]

    with django_capture_on_commit_callbacks(execute=True):
        moved = services.reschedule_appointment(
            appointment=appointment, start=later.start, by=appointment.patient
        )

    assert moved.status == Status.PENDING
    payment = Payment.objects.get()
    assert payment.appointment == moved and payment.refund_state == ""


def test_the_patient_may_pay_again_from_the_appointment_page(clinic):
    appointment = book(clinic)
    client = logged_in(appointment.patient)
    page = client.get(f"/appointments/{appointment.pk}/").content.decode()
    assert "Pay ৳200 now" in page

    response = client.post(f"/appointments/{appointment.pk}/pay/")

    assert urlsplit(response.url).path.startswith("/payments/demo/")
    other = logged_in(PatientFactory()).post(f"/appointments/{appointment.pk}/pay/")
    assert other.status_code == 404


@pytest.mark.parametrize(
    "to, by, paid, allowed",
    [
        (Status.PENDING, None, True, True),
        (Status.CONFIRMED, None, True, True),
        (Status.PENDING, None, False, False),
        (Status.CONFIRMED, "doctor", False, False),
        (Status.CONFIRMED, "patient", False, False),
        (Status.CANCELLED, None, False, True),
        (Status.CANCELLED, "patient", False, True),
        (Status.CANCELLED, "doctor", False, True),
        (Status.CANCELLED, "other patient", False, False),
        (Status.COMPLETED, "doctor", False, False),
    ],
)
def test_who_moves_a_booking_awaiting_payment(clinic, to, by, paid, allowed):
    appointment = book(clinic)
    actor = {
        None: None,
        "doctor": clinic[0].user,
        "patient": appointment.patient,
        "other patient": PatientFactory(),
    }[by]
    try:
        services.check_transition(appointment=appointment, to=to, by=actor, paid=paid)
    except services.BookingError:
        assert not allowed
    else:
        assert allowed


def test_nobody_moves_other_appointments_as_the_system(clinic):
    clinic[1].advance = Advance.NONE
    clinic[1].save()
    appointment = book(clinic)
    assert appointment.status == Status.PENDING
    with pytest.raises(services.BookingError):
        services.check_transition(appointment=appointment, to=Status.CANCELLED, by=None)


def test_a_hold_that_ran_out_is_free_on_the_slot_list_before_anyone_releases_it(
    clinic, _clock_standing_still
):
    doctor, _chamber, slot = clinic
    start = timezone.now()
    held = book(clinic)
    assert slot.start not in free_starts(doctor, slot)

    _clock_standing_still.move_to(start + timedelta(minutes=10))

    assert slot.start in free_starts(doctor, slot)
    held.refresh_from_db()
    assert held.status == Status.AWAITING_PAYMENT  # released by the next booking or round
