"""Advances through SSLCommerz's protocol (issue #21), against the fake gateway on
loopback (fake_sslcommerz): the session, the return and the IPN in every order and
number, a gateway that times out, fails or tampers, refunds retried while it is away.
Exactly one payment is recorded per transaction; no slot is lost or held twice."""

import threading
from datetime import timedelta
from decimal import Decimal
from urllib.parse import urlsplit

import pytest
import time_machine
from django.db import connection, connections
from django.test import Client
from django.utils import timezone

from accounts.tests.factories import DoctorProfileFactory, PatientFactory
from scheduling import payments, selectors, services
from scheduling.models import Advance, Appointment, Payment
from scheduling.tests.factories import first_chamber, open_every_day

Status = Appointment.Status


@pytest.fixture(autouse=True)
def _clock_standing_still():
    with time_machine.travel(timezone.now(), tick=False) as traveller:
        yield traveller


def advance_clinic(amount="300"):
    doctor = open_every_day(DoctorProfileFactory(consultation_fee=Decimal("800")))
    chamber = first_chamber(doctor)
    chamber.advance = Advance.FIXED
    chamber.advance_amount = Decimal(amount)
    chamber.save()
    day = timezone.localdate() + timedelta(days=2)
    return doctor, selectors.free_slots(doctor, day, day)[day][0]


@pytest.fixture
def booked(fake_sslcommerz):
    """A patient booked at a ৳300-advance chamber through the page and was sent to the
    (fake) gateway."""
    doctor, slot = advance_clinic()
    client = Client()
    client.force_login(PatientFactory(full_name="Rahima Begum", mobile="+8801712345678"))
    response = client.post(
        f"/appointments/book/{doctor.pk}/?start={slot.start_param}", {"symptoms": "Fever"}
    )
    appointment = Appointment.objects.get()
    payment = appointment.payments.get()
    return {
        "fake": fake_sslcommerz,
        "client": client,
        "response": response,
        "appointment": appointment,
        "payment": payment,
        "doctor": doctor,
        "slot": slot,
    }


pytestmark = pytest.mark.django_db


def state(world):
    world["payment"].refresh_from_db()
    world["appointment"].refresh_from_db()
    return world["payment"].state, world["appointment"].status


def test_the_session_carries_our_transaction_amount_and_addresses(booked):
    session = booked["fake"].sessions[booked["payment"].tran_id]
    fields = session.fields
    assert booked["response"].status_code == 302
    # To the gateway's own payment page for this session.
    assert booked["response"].url.startswith(booked["fake"].url)
    assert session.session_key.lower() in booked["response"].url
    assert (fields["total_amount"], fields["currency"]) == ("300.00", "BDT")
    assert fields["cus_name"] == "Rahima Begum" and fields["cus_phone"] == "+8801712345678"
    for outcome in ("success", "fail", "cancel"):
        assert fields[f"{outcome}_url"].endswith(f"/payments/return/{outcome}/")
    assert fields["ipn_url"].endswith("/payments/ipn/")
    assert "Fever" not in str(fields)  # nothing medical goes to the gateway


@pytest.mark.parametrize("order", ["return, IPN", "IPN, return", "IPN twice", "return twice"])
def test_the_return_and_the_ipn_in_any_order_record_one_payment(booked, order):
    paid = booked["fake"].pay(booked["payment"].tran_id, method="BKASH-BKash")
    post = {
        "return": lambda: Client().post("/payments/return/success/", paid.fields),
        "IPN": lambda: Client().post("/payments/ipn/", paid.fields),
    }
    answers = [post[step.strip()]() for step in order.replace("twice", "").split(",") if step]
    if "twice" in order:
        answers.append(post[order.split()[0]]())

    assert all(a.status_code in (200, 302) for a in answers)
    assert state(booked) == ("paid", Status.PENDING)
    payment = booked["payment"]
    assert payment.method == "BKASH-BKash" and payment.amount == Decimal("300")
    assert payment.bank_tran_id == booked["fake"].sessions[payment.tran_id].bank_tran_id
    assert "card_no" not in payment.validation
    assert Payment.objects.count() == 1
    assert booked["appointment"].events.filter(to_status="pending").count() == 1


@pytest.mark.django_db(transaction=True)
def test_the_return_and_the_ipn_racing_record_one_payment(booked):
    if connection.vendor != "postgresql":
        pytest.skip("real concurrent connections need PostgreSQL")
    paid = booked["fake"].pay(booked["payment"].tran_id)
    barrier = threading.Barrier(2)
    answers = []

    def report(path):
        try:
            barrier.wait()
            answers.append(Client().post(path, paid.fields).status_code)
        finally:
            connections.close_all()

    threads = [
        threading.Thread(target=report, args=(path,))
        for path in ("/payments/return/success/", "/payments/ipn/")
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(answers) == [200, 302]
    assert state(booked) == ("paid", Status.PENDING)


def test_posted_fields_are_not_believed_a_tampered_amount_is_refused(booked):
    fake = booked["fake"]
    paid = fake.pay(booked["payment"].tran_id)
    fake.set_mode("validation", "tamper")  # the validation API says ৳1.00

    Client().post("/payments/return/success/", paid.fields)
    ipn = Client().post("/payments/ipn/", {**paid.fields, "amount": "300.00"})

    assert ipn.status_code == 400
    assert state(booked) == ("started", Status.AWAITING_PAYMENT)


def test_an_unknown_transaction_records_nothing(booked):
    paid = booked["fake"].pay(booked["payment"].tran_id)

    ipn = Client().post("/payments/ipn/", {**paid.fields, "tran_id": "APNNOSUCHPAYMENT"})
    back = Client().post("/payments/return/success/", {**paid.fields, "val_id": "forged"})

    assert ipn.status_code == 400
    assert back.status_code == 302
    assert state(booked) == ("started", Status.AWAITING_PAYMENT)


@pytest.mark.parametrize("mode", ["timeout", "5xx", "garbage"])
def test_a_validation_api_away_leaves_the_payment_to_the_next_report(booked, mode):
    fake = booked["fake"]
    paid = fake.pay(booked["payment"].tran_id)
    fake.set_mode("validation", mode)

    back = Client().post("/payments/return/success/", paid.fields, follow=True)
    ipn = Client().post("/payments/ipn/", paid.fields)

    assert "slow to confirm" in back.content.decode()
    assert ipn.status_code == 503  # the gateway reports again
    assert state(booked) == ("started", Status.AWAITING_PAYMENT)
    fake.set_mode("validation", "normal")
    assert Client().post("/payments/ipn/", paid.fields).status_code == 200
    assert state(booked) == ("paid", Status.PENDING)


@pytest.mark.parametrize("mode", ["timeout", "5xx", "refuse"])
def test_a_gateway_that_cannot_start_keeps_the_hold_and_offers_pay_now(fake_sslcommerz, mode):
    fake_sslcommerz.set_mode("session", mode)
    doctor, slot = advance_clinic()
    client = Client()
    client.force_login(PatientFactory())

    response = client.post(
        f"/appointments/book/{doctor.pk}/?start={slot.start_param}",
        {"symptoms": "Fever"},
        follow=True,
    )

    page = response.content.decode()
    assert "The payment service is not answering" in page
    assert "Pay ৳300 now" in page
    assert Appointment.objects.get().status == Status.AWAITING_PAYMENT


@pytest.mark.parametrize("outcome", ["fail", "cancel"])
def test_a_failed_or_cancelled_payment_releases_the_slot(booked, outcome):
    fields = getattr(booked["fake"], outcome)(booked["payment"].tran_id)

    response = Client().post(f"/payments/return/{outcome}/", fields)

    assert urlsplit(response.url).path == f"/doctors/{booked['doctor'].pk}/"
    assert state(booked) == ("cancelled" if outcome == "cancel" else "failed", Status.CANCELLED)
    day = timezone.localdate(booked["slot"].start)
    free = [s.start for s in selectors.free_slots(booked["doctor"], day, day)[day]]
    assert booked["slot"].start in free
    # The gateway's IPN of the failure afterwards changes nothing more.
    assert Client().post("/payments/ipn/", fields).status_code == 200
    assert Appointment.objects.count() == 1


def test_a_doctors_cancellation_is_refunded_and_retried_while_the_gateway_is_away(
    booked, django_capture_on_commit_callbacks, _clock_standing_still, send_outbox
):
    fake = booked["fake"]
    paid = fake.pay(booked["payment"].tran_id)
    Client().post("/payments/ipn/", paid.fields)
    fake.set_mode("refund", "5xx")

    with django_capture_on_commit_callbacks(execute=True):
        services.cancel_appointment(
            appointment=booked["appointment"], by=booked["doctor"].user, reason="Ill"
        )

    booked["payment"].refresh_from_db()
    assert booked["payment"].refund_state == "due"
    assert "HTTP 5" in booked["payment"].refund_error and fake.refunds == {}
    fake.set_mode("refund", "normal")
    send_outbox()  # not yet due again
    assert fake.refunds == {}
    _clock_standing_still.shift(timedelta(minutes=3))
    send_outbox()
    booked["payment"].refresh_from_db()
    assert booked["payment"].refund_state == "refunded"
    (refund,) = fake.refunds.values()
    assert refund.amount == Decimal("300.00") and refund.reference == booked["payment"].tran_id


@pytest.mark.django_db(transaction=True)
def test_two_patients_race_for_one_advance_slot_and_one_holds_it(fake_sslcommerz):
    if connection.vendor != "postgresql":
        pytest.skip("the exclusion constraints need PostgreSQL")
    from scheduling.tests.test_concurrency import race

    doctor, slot = advance_clinic()
    patients = [PatientFactory() for _ in range(2)]

    outcomes = race(
        [
            lambda p=p: services.book_appointment(patient=p, doctor=doctor, start=slot.start)
            for p in patients
        ]
    )

    assert outcomes.count("booked") == 1
    held = Appointment.objects.get()
    assert held.status == Status.AWAITING_PAYMENT
    assert Payment.objects.count() == 1
    assert payments.is_demo() is False


def test_through_the_api_a_booking_awaits_its_advance_and_pay_gives_the_gateways_page(
    fake_sslcommerz,
):
    import json

    from accounts.tests.api_client import bearer

    doctor, slot = advance_clinic()
    patient = PatientFactory()
    client = Client()
    booked = client.post(
        "/api/v1/appointments/",
        json.dumps(
            {
                "doctor_id": doctor.pk,
                "appointment_datetime": timezone.localtime(slot.start).isoformat(),
            }
        ),
        content_type="application/json",
        **bearer(patient),
    )
    assert booked.status_code == 201, booked.content
    body = booked.json()
    assert body["status"] == "awaiting_payment"
    assert body["hold_until"] is not None

    paying = client.post(f"/api/v1/appointments/{body['id']}/pay", **bearer(patient))

    assert paying.status_code == 200
    assert paying.json()["redirect_url"].startswith(fake_sslcommerz.url)
    assert paying.json()["amount"] == "300.00"
    fake_sslcommerz.set_mode("session", "5xx")
    again = client.post(f"/api/v1/appointments/{body['id']}/pay", **bearer(patient))
    assert again.status_code == 503
    paid = fake_sslcommerz.pay(Payment.objects.get().tran_id)
    Client().post("/payments/ipn/", paid.fields)
    after = client.get(f"/api/v1/appointments/{body['id']}", **bearer(patient)).json()
    assert (after["status"], after["hold_until"]) == ("pending", None)
    done = client.post(f"/api/v1/appointments/{body['id']}/pay", **bearer(patient))
    assert done.status_code == 409


def test_before_releasing_a_hold_the_worker_asks_the_gateway_about_a_lost_ipn(
    booked, _clock_standing_still, send_outbox
):
    fake = booked["fake"]
    fake.pay(booked["payment"].tran_id)  # paid at the gateway; the IPN never came

    _clock_standing_still.shift(timedelta(minutes=11))
    send_outbox()

    assert state(booked) == ("paid", Status.PENDING)


@pytest.mark.parametrize("mode", ["normal", "5xx"])
def test_an_unpaid_hold_is_released_whatever_the_gateway_answers(
    booked, _clock_standing_still, send_outbox, mode
):
    booked["fake"].set_mode("query", mode)

    _clock_standing_still.shift(timedelta(minutes=11))
    send_outbox()

    assert state(booked) == ("expired", Status.CANCELLED)
