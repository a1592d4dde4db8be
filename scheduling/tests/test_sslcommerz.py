"""The SSLCommerz client (scheduling.sslcommerz) against the fake gateway on loopback
(fake_sslcommerz.py): sessions, validation, refunds, and every way a call can fail."""

import socket
import urllib.parse
from decimal import Decimal

import pytest
from django.core.exceptions import ImproperlyConfigured

from appion.tests.servers import manage, production_env
from scheduling import sslcommerz
from scheduling.sslcommerz import Customer, GatewayRefused, GatewayUnavailable, ReturnUrls

URLS = ReturnUrls(
    success="https://appion.example.com/payments/success/",
    fail="https://appion.example.com/payments/fail/",
    cancel="https://appion.example.com/payments/cancel/",
    ipn="https://appion.example.com/payments/ipn/",
)
PATIENT = Customer(name="Rahima Khatun", email="rahima@example.com", phone="+8801711000001")


def start(tran_id="APN-1001", amount=Decimal("150")):
    return sslcommerz.start_session(
        tran_id=tran_id,
        amount=amount,
        customer=PATIENT,
        urls=URLS,
        product_name="Advance for serial 4, Dr. Karim",
    )


def paid(fake, tran_id="APN-1001", method="BKASH-BKash", amount=Decimal("150"), paid_amount=None):
    """A session started and paid on the gateway: the fake's answer (val_id, fields)."""
    start(tran_id, amount)
    return fake.pay(tran_id, method=method, amount=paid_amount)


def password_forms(password):
    return {password, urllib.parse.quote_plus(password), urllib.parse.quote(password)}


# Settings.


def test_configured_needs_store_id_and_password(settings):
    settings.SSLCOMMERZ_STORE_ID, settings.SSLCOMMERZ_STORE_PASSWORD = "", ""
    assert not sslcommerz.configured()
    settings.SSLCOMMERZ_STORE_ID, settings.SSLCOMMERZ_STORE_PASSWORD = "store", "secret"
    assert sslcommerz.configured()


def test_base_url_is_sandbox_live_or_the_override(settings):
    settings.SSLCOMMERZ_BASE_URL = ""
    settings.SSLCOMMERZ_SANDBOX = True
    assert sslcommerz.base_url() == "https://sandbox.sslcommerz.com"
    settings.SSLCOMMERZ_SANDBOX = False
    assert sslcommerz.base_url() == "https://securepay.sslcommerz.com"
    settings.SSLCOMMERZ_BASE_URL = "http://127.0.0.1:9/"
    assert sslcommerz.base_url() == "http://127.0.0.1:9"


@pytest.mark.parametrize(
    "variables",
    [{"SSLCOMMERZ_STORE_ID": "appion01"}, {"SSLCOMMERZ_STORE_PASSWORD": "secret@ssl"}],
)
def test_half_the_credentials_stop_start_up(variables):
    result = manage("check", env=production_env(**variables))

    assert result.returncode != 0
    output = result.stdout + result.stderr
    assert "ImproperlyConfigured: SSLCommerz needs both SSLCOMMERZ_STORE_ID" in output
    assert "secret@ssl" not in output


def test_a_malformed_gateway_address_stops_start_up():
    env = production_env(SSLCOMMERZ_BASE_URL="sandbox.sslcommerz.com")
    result = manage("check", env=env)

    assert result.returncode != 0
    assert "ImproperlyConfigured: SSLCOMMERZ_BASE_URL" in result.stdout + result.stderr


def test_a_configured_gateway_passes_the_check():
    env = production_env(
        SSLCOMMERZ_STORE_ID="appion01",
        SSLCOMMERZ_STORE_PASSWORD="secret@ssl",
        SSLCOMMERZ_SANDBOX="false",
        SSLCOMMERZ_TIMEOUT="5",
    )
    result = manage("check", env=env)

    assert result.returncode == 0, result.stdout + result.stderr


def test_calling_the_gateway_without_credentials_is_a_configuration_error(settings):
    settings.SSLCOMMERZ_STORE_ID, settings.SSLCOMMERZ_STORE_PASSWORD = "", ""
    with pytest.raises(ImproperlyConfigured):
        sslcommerz.validate(val_id="anything")


# Sessions.


def test_start_session_posts_the_order_and_returns_the_gateway_page(fake_sslcommerz):
    session = start(amount=Decimal("150"))

    recorded = fake_sslcommerz.sessions["APN-1001"]
    assert session.session_key == recorded.session_key
    assert session.redirect_url.startswith(f"{fake_sslcommerz.url}/EasyCheckOut/")
    assert session.raw["status"] == "SUCCESS"
    assert recorded.fields["store_id"] == fake_sslcommerz.store_id
    assert recorded.fields["total_amount"] == "150.00"
    assert recorded.fields["currency"] == "BDT"
    assert recorded.fields["success_url"] == URLS.success
    assert recorded.fields["fail_url"] == URLS.fail
    assert recorded.fields["cancel_url"] == URLS.cancel
    assert recorded.fields["ipn_url"] == URLS.ipn
    assert recorded.fields["cus_name"] == "Rahima Khatun"
    assert recorded.fields["cus_email"] == "rahima@example.com"
    assert recorded.fields["cus_phone"] == "+8801711000001"
    assert recorded.fields["cus_add1"] == "Dhaka"  # no address given: the city
    assert recorded.fields["cus_city"] == "Dhaka"
    assert recorded.fields["cus_country"] == "Bangladesh"
    assert recorded.fields["shipping_method"] == "NO"
    assert recorded.fields["product_name"] == "Advance for serial 4, Dr. Karim"
    assert recorded.fields["product_profile"] == "non-physical-goods"


def test_the_password_goes_in_the_post_body_not_the_address(fake_sslcommerz):
    start()
    method, path, query = fake_sslcommerz.requests[-1]
    assert (method, path) == ("POST", "/gwprocess/v4/api.php")
    # The fake accepted the credentials (the session exists); its record drops the password.
    assert "APN-1001" in fake_sslcommerz.sessions
    assert "store_passwd" not in query


def test_start_session_amount_is_rounded_to_paisa(fake_sslcommerz):
    start(amount=Decimal("199.995"))
    assert fake_sslcommerz.sessions["APN-1001"].fields["total_amount"] == "200.00"


@pytest.mark.parametrize("amount", [Decimal("0"), Decimal("-5"), Decimal("NaN")])
def test_start_session_refuses_a_non_positive_amount_before_calling(fake_sslcommerz, amount):
    with pytest.raises(ValueError):
        start(amount=amount)
    assert fake_sslcommerz.requests == []


def test_start_session_refused_raises_with_the_gateway_reason(fake_sslcommerz):
    fake_sslcommerz.set_mode("session", "refuse")
    with pytest.raises(GatewayRefused) as caught:
        start()
    assert caught.value.reason == "Invalid Information: cus_phone is missing"
    assert caught.value.raw["status"] == "FAILED"


def test_start_session_below_the_gateway_minimum_is_refused(fake_sslcommerz):
    with pytest.raises(GatewayRefused, match="total_amount"):
        start(amount=Decimal("5"))


def test_wrong_credentials_are_refused_without_showing_the_password(fake_sslcommerz, settings):
    settings.SSLCOMMERZ_STORE_PASSWORD = "wrong secret&pass"
    with pytest.raises(GatewayRefused) as caught:
        start()
    assert caught.value.reason == "Store Credential Error Or Store is De-active"
    text = f"{caught.value} {caught.value!r} {caught.value.raw}"
    assert not any(form in text for form in password_forms("wrong secret&pass"))


# Validation.


def test_validate_reports_the_payment_as_the_gateway_tells_it(fake_sslcommerz):
    payment = paid(fake_sslcommerz, method="BKASH-BKash")

    validation = sslcommerz.validate(val_id=payment.val_id)

    session = fake_sslcommerz.sessions["APN-1001"]
    assert validation.status == "VALID"
    assert validation.tran_id == "APN-1001"
    assert validation.val_id == payment.val_id
    assert validation.amount == Decimal("150.00")
    assert validation.currency == "BDT"
    assert validation.method == "BKASH-BKash"
    assert validation.bank_tran_id == session.bank_tran_id
    assert validation.risk_level == 0
    assert validation.raw["store_amount"] == "146.25"
    assert validation.raw["card_issuer"] == "BKash Mobile Banking"
    assert validation.raw["APIConnect"] == "DONE"
    assert "validated_on" in validation.raw


def test_validate_goes_by_get_with_the_val_id(fake_sslcommerz):
    payment = paid(fake_sslcommerz)
    sslcommerz.validate(val_id=payment.val_id)
    method, path, query = fake_sslcommerz.requests[-1]
    assert (method, path) == ("GET", "/validator/api/validationserverAPI.php")
    assert query["val_id"] == payment.val_id
    assert query["format"] == "json"


def test_a_second_validation_says_validated(fake_sslcommerz):
    payment = paid(fake_sslcommerz)
    assert sslcommerz.validate(val_id=payment.val_id).status == "VALID"
    assert sslcommerz.validate(val_id=payment.val_id).status == "VALIDATED"


def test_an_unknown_val_id_is_refused(fake_sslcommerz):
    paid(fake_sslcommerz)
    with pytest.raises(GatewayRefused) as caught:
        sslcommerz.validate(val_id="2401010000000forgedvalid000")
    assert caught.value.reason == "INVALID_TRANSACTION"


def test_a_val_id_the_gateway_refuses_is_refused(fake_sslcommerz):
    payment = paid(fake_sslcommerz)
    fake_sslcommerz.set_mode("validation", "refuse")
    with pytest.raises(GatewayRefused, match="INVALID_TRANSACTION"):
        sslcommerz.validate(val_id=payment.val_id)


def test_validation_with_wrong_credentials_is_refused(fake_sslcommerz, settings):
    payment = paid(fake_sslcommerz)
    settings.SSLCOMMERZ_STORE_ID = "someone-else"
    with pytest.raises(GatewayRefused, match="FAILED"):
        sslcommerz.validate(val_id=payment.val_id)


def test_a_tampered_amount_is_reported_as_the_gateway_says(fake_sslcommerz):
    payment = paid(fake_sslcommerz, amount=Decimal("150"))
    fake_sslcommerz.set_mode("validation", "tamper")
    fake_sslcommerz.tampered = {"amount": "15.00", "currency_amount": "15.00", "tran_id": "APN-9"}

    validation = sslcommerz.validate(val_id=payment.val_id)

    # The client reports; the payment flow compares with its order and refuses.
    assert validation.amount == Decimal("15.00")
    assert validation.tran_id == "APN-9"


def test_a_different_amount_paid_is_reported(fake_sslcommerz):
    payment = paid(fake_sslcommerz, amount=Decimal("150"), paid_amount=Decimal("100"))
    assert sslcommerz.validate(val_id=payment.val_id).amount == Decimal("100.00")


def test_a_foreign_currency_order_reports_its_own_currency_and_amount(fake_sslcommerz):
    payment = paid(fake_sslcommerz)
    fake_sslcommerz.set_mode("validation", "tamper")
    fake_sslcommerz.tampered = {
        "amount": "1230.00",
        "currency": "BDT",
        "currency_type": "USD",
        "currency_amount": "10.00",
    }
    validation = sslcommerz.validate(val_id=payment.val_id)
    assert (validation.amount, validation.currency) == (Decimal("10.00"), "USD")


def test_an_unreadable_amount_is_an_unusable_answer(fake_sslcommerz):
    payment = paid(fake_sslcommerz)
    fake_sslcommerz.set_mode("validation", "tamper")
    fake_sslcommerz.tampered = {"amount": "lots", "currency_amount": ""}
    with pytest.raises(GatewayUnavailable, match="amount"):
        sslcommerz.validate(val_id=payment.val_id)


def test_card_numbers_never_reach_raw(fake_sslcommerz):
    payment = paid(fake_sslcommerz, method="VISA-Dutch Bangla")
    assert payment.fields["card_no"] == "432149XXXXXX0667"  # what the gateway sends
    fake_sslcommerz.set_mode("validation", "tamper")
    fake_sslcommerz.tampered = {
        "card_no": "XXXXXXXXXXXX0667",  # masked past what a card number looks like
        "card_number": "4111111111111111",
        "value_a": "4111 1111 1111 1111",
        "value_b": "5242-54XX-XXXX-4417",
        "value_c": "APN-1001",
    }

    validation = sslcommerz.validate(val_id=payment.val_id)

    assert validation.method == "VISA-Dutch Bangla"
    for key in ("card_no", "card_number", "value_a", "value_b"):
        assert key not in validation.raw
    assert "4111" not in str(validation.raw) and "0667" not in str(validation.raw)
    # Everything else stays, card details that are not its number included.
    assert validation.raw["value_c"] == "APN-1001"
    assert validation.raw["card_brand"] == "VISA"
    assert validation.raw["card_issuer"] == "DUTCH-BANGLA BANK LIMITED"
    assert validation.raw["card_issuer_country_code"] == "BD"


def test_ids_made_of_digits_are_not_taken_for_card_numbers(fake_sslcommerz):
    payment = paid(fake_sslcommerz)
    fake_sslcommerz.set_mode("validation", "tamper")
    # A 16-digit number that passes the card checksum, as a bank's transaction id.
    fake_sslcommerz.tampered = {"bank_tran_id": "4111111111111111"}
    validation = sslcommerz.validate(val_id=payment.val_id)
    assert validation.bank_tran_id == "4111111111111111"
    assert validation.raw["bank_tran_id"] == "4111111111111111"


def test_find_payment_by_our_transaction_id(fake_sslcommerz):
    start("APN-1001")
    assert sslcommerz.find_payment(tran_id="APN-1001") is None
    payment = fake_sslcommerz.pay("APN-1001", method="NAGAD-Nagad")

    found = sslcommerz.find_payment(tran_id="APN-1001")

    assert found.val_id == payment.val_id
    assert (found.amount, found.method) == (Decimal("150.00"), "NAGAD-Nagad")


def test_a_failed_payment_is_not_found(fake_sslcommerz):
    start("APN-1001")
    posted = fake_sslcommerz.fail("APN-1001")
    assert posted["status"] == "FAILED"
    assert sslcommerz.find_payment(tran_id="APN-1001") is None


# The signature on the fields the gateway posts.


def test_the_gateways_signature_checks(fake_sslcommerz):
    payment = paid(fake_sslcommerz)
    assert sslcommerz.signature_valid(payment.fields)
    assert sslcommerz.signature_valid(fake_sslcommerz.cancel("APN-1001"))


def test_altered_or_unsigned_fields_fail_the_signature(fake_sslcommerz, settings):
    payment = paid(fake_sslcommerz)
    assert not sslcommerz.signature_valid({**payment.fields, "amount": "1.00"})
    unsigned = {k: v for k, v in payment.fields.items() if k != "verify_sign"}
    assert not sslcommerz.signature_valid(unsigned)
    settings.SSLCOMMERZ_STORE_PASSWORD = "another store's password"
    assert not sslcommerz.signature_valid(payment.fields)


# Refunds.


def refund(validation, amount=Decimal("150"), reference="APN-1001-R1"):
    return sslcommerz.refund(
        bank_tran_id=validation.bank_tran_id,
        amount=amount,
        remarks="Doctor cancelled the chamber",
        reference=reference,
    )


def test_refund_is_accepted_and_recorded(fake_sslcommerz):
    validation = sslcommerz.validate(val_id=paid(fake_sslcommerz).val_id)

    result = refund(validation)

    assert result.status == "success"
    recorded = fake_sslcommerz.refunds[result.refund_ref_id]
    assert recorded.amount == Decimal("150.00")
    assert recorded.bank_tran_id == validation.bank_tran_id
    assert recorded.remarks == "Doctor cancelled the chamber"
    assert recorded.reference == "APN-1001-R1"
    assert result.raw["trans_id"] == "APN-1001"


def test_asking_again_for_the_same_refund_is_not_a_second_refund(fake_sslcommerz):
    validation = sslcommerz.validate(val_id=paid(fake_sslcommerz).val_id)
    first = refund(validation)

    again = refund(validation)

    assert again.status == "processing"
    assert again.refund_ref_id == first.refund_ref_id
    assert len(fake_sslcommerz.refunds) == 1


def test_a_refund_above_what_was_paid_is_refused(fake_sslcommerz):
    validation = sslcommerz.validate(val_id=paid(fake_sslcommerz).val_id)
    refund(validation, amount=Decimal("100"), reference="R1")
    with pytest.raises(GatewayRefused, match="exceeds"):
        refund(validation, amount=Decimal("100"), reference="R2")
    assert len(fake_sslcommerz.refunds) == 1


def test_a_refund_of_an_unknown_payment_is_refused(fake_sslcommerz):
    with pytest.raises(GatewayRefused) as caught:
        sslcommerz.refund(
            bank_tran_id="2401010000000nosuchpayment00",
            amount=Decimal("150"),
            remarks="x",
            reference="R1",
        )
    assert caught.value.reason == "Invalid bank_tran_id"
    assert caught.value.raw["status"] == "failed"


def test_a_refund_the_gateway_refuses_is_refused(fake_sslcommerz):
    validation = sslcommerz.validate(val_id=paid(fake_sslcommerz).val_id)
    fake_sslcommerz.set_mode("refund", "refuse")
    with pytest.raises(GatewayRefused, match="Refund is not allowed"):
        refund(validation)
    assert fake_sslcommerz.refunds == {}


def test_refund_status_follows_the_refund(fake_sslcommerz):
    validation = sslcommerz.validate(val_id=paid(fake_sslcommerz).val_id)
    reference = refund(validation).refund_ref_id

    assert sslcommerz.refund_status(refund_ref_id=reference).status == "processing"
    fake_sslcommerz.complete_refund(reference)
    done = sslcommerz.refund_status(refund_ref_id=reference)
    assert done.status == "success"
    assert done.refund_ref_id == reference
    assert done.raw["refunded_on"]


def test_a_cancelled_refund_is_failed(fake_sslcommerz):
    validation = sslcommerz.validate(val_id=paid(fake_sslcommerz).val_id)
    reference = refund(validation).refund_ref_id
    fake_sslcommerz.cancel_refund(reference)
    assert sslcommerz.refund_status(refund_ref_id=reference).status == "failed"


def test_status_of_an_unknown_refund_is_refused(fake_sslcommerz):
    with pytest.raises(GatewayRefused, match="INVALID_REQUEST"):
        sslcommerz.refund_status(refund_ref_id="nosuchrefund")


# The gateway out of reach: each call, each way.


def call(endpoint, fake):
    """Make the call that reaches `endpoint` (with a paid session behind it)."""
    payment = paid(fake)
    session = fake.sessions["APN-1001"]
    validation_fields = {"val_id": payment.val_id}
    if endpoint == "session":
        return start("APN-2002")
    if endpoint == "validation":
        return sslcommerz.validate(**validation_fields)
    if endpoint == "refund":
        return sslcommerz.refund(
            bank_tran_id=session.bank_tran_id, amount=Decimal("150"), remarks="x", reference="R1"
        )
    if endpoint == "refund_status":
        return sslcommerz.refund_status(refund_ref_id="anything")
    return sslcommerz.find_payment(tran_id="APN-1001")


@pytest.mark.parametrize("mode", ["timeout", "5xx", "garbage"])
@pytest.mark.parametrize("endpoint", ["session", "validation", "refund", "refund_status", "query"])
def test_no_usable_answer_is_unavailable(fake_sslcommerz, endpoint, mode):
    fake_sslcommerz.set_mode(endpoint, mode)
    with pytest.raises(GatewayUnavailable):
        call(endpoint, fake_sslcommerz)


def test_a_gateway_that_is_not_there_is_unavailable(settings):
    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    settings.SSLCOMMERZ_BASE_URL = f"http://127.0.0.1:{port}"
    settings.SSLCOMMERZ_STORE_ID, settings.SSLCOMMERZ_STORE_PASSWORD = "store", "pass&word 1"
    with pytest.raises(GatewayUnavailable) as caught:
        sslcommerz.validate(val_id="x")
    assert not any(form in str(caught.value) for form in password_forms("pass&word 1"))


def test_the_password_never_appears_in_an_error(fake_sslcommerz):
    """A proxy's error page that echoes the request address, query string and all."""
    password = fake_sslcommerz.store_password
    payment = paid(fake_sslcommerz)
    echoed = (
        "/validator/api/validationserverAPI.php?val_id=x&store_id=s"
        f"&store_passwd={urllib.parse.quote_plus(password)} ({password})"
    )
    fake_sslcommerz.garbage = f"<html>Bad request: {echoed}</html>".encode()
    fake_sslcommerz.set_mode("validation", "garbage")
    with pytest.raises(GatewayUnavailable) as caught:
        sslcommerz.validate(val_id=payment.val_id)
    text = f"{caught.value} {caught.value!r}"
    assert "Bad request" in text
    assert not any(form in text for form in password_forms(password))


def test_the_password_echoed_in_an_answer_is_masked(fake_sslcommerz):
    password = fake_sslcommerz.store_password
    payment = paid(fake_sslcommerz)
    fake_sslcommerz.set_mode("validation", "tamper")
    fake_sslcommerz.tampered = {"value_d": password}
    validation = sslcommerz.validate(val_id=payment.val_id)
    assert validation.raw["value_d"] == "********"


def test_refusals_never_show_the_password(fake_sslcommerz):
    password = fake_sslcommerz.store_password
    errors = []
    for endpoint in ("session", "validation", "refund", "refund_status", "query"):
        fake_sslcommerz.set_mode(endpoint, "refuse")
    for attempt in (
        lambda: start("APN-3003"),
        lambda: sslcommerz.validate(val_id="x"),
        lambda: sslcommerz.refund(bank_tran_id="x", amount=Decimal(1), remarks="", reference="R"),
        lambda: sslcommerz.refund_status(refund_ref_id="x"),
        lambda: sslcommerz.find_payment(tran_id="x"),
    ):
        with pytest.raises(GatewayRefused) as caught:
            attempt()
        errors.append(f"{caught.value} {caught.value!r} {caught.value.reason} {caught.value.raw}")
    assert len(errors) == 5
    assert not any(form in text for text in errors for form in password_forms(password))
