"""The demo payment gateway (issue #21): what the site uses while no SSLCommerz store is
configured (`make run`, a newcomer's first look). It has scheduling.sslcommerz's
interface, so the booking, return, IPN and refund code is the same: its "checkout" is a
page of this site (views.payments.demo_checkout, clearly marked) whose buttons post to
our success, fail and cancel addresses as the real gateway's page does. Its validation
ids are signed by the site (django.core.signing), so validate() answers what the demo
page really "charged" and a forged or altered one is refused, as SSLCommerz refuses an
unknown one."""

import hashlib
from decimal import Decimal

from django.core import signing
from django.urls import reverse

from scheduling.sslcommerz import (
    GatewayRefused,
    Refund,
    Session,
    Validation,
)

_SALT = "scheduling.demo_gateway"
METHODS = {"bkash": "BKASH-BKash", "nagad": "NAGAD-Nagad", "card": "VISA-Demo Bank"}


def session_token(*, tran_id, amount, urls) -> str:
    return signing.dumps(
        {
            "t": tran_id,
            "a": str(amount),
            "s": urls.success,
            "f": urls.fail,
            "c": urls.cancel,
        },
        salt=_SALT + ".session",
    )


def read_session(token) -> dict:
    """The demo checkout's session from its address; raises signing.BadSignature."""
    data = signing.loads(token, salt=_SALT + ".session", max_age=24 * 3600)
    return {
        "tran_id": data["t"],
        "amount": Decimal(data["a"]),
        "success": data["s"],
        "fail": data["f"],
        "cancel": data["c"],
    }


def val_id_for(*, tran_id, amount, method) -> str:
    """The validation id the demo page posts when the patient "pays" by `method`."""
    return signing.dumps({"t": tran_id, "a": str(amount), "m": method}, salt=_SALT + ".val")


def start_session(*, tran_id, amount, customer, urls, product_name) -> Session:
    token = session_token(tran_id=tran_id, amount=amount, urls=urls)
    path = reverse("scheduling:demo_checkout", args=[token])
    return Session(session_key=token[:40], redirect_url=path, raw={"demo": True})


def validate(*, val_id) -> Validation:
    try:
        data = signing.loads(val_id, salt=_SALT + ".val")
    except signing.BadSignature:
        raise GatewayRefused("INVALID_TRANSACTION") from None
    bank_tran_id = "DEMO" + hashlib.sha256(val_id.encode()).hexdigest()[:20].upper()
    raw = {
        "status": "VALID",
        "tran_id": data["t"],
        "val_id": val_id,
        "amount": data["a"],
        "currency": "BDT",
        "card_type": METHODS.get(data["m"], data["m"]),
        "bank_tran_id": bank_tran_id,
        "risk_level": "0",
        "demo": True,
    }
    return Validation(
        status="VALID",
        tran_id=data["t"],
        val_id=val_id,
        amount=Decimal(data["a"]),
        currency="BDT",
        method=raw["card_type"],
        bank_tran_id=bank_tran_id,
        risk_level=0,
        raw=raw,
    )


def refund(*, bank_tran_id, amount, remarks, reference) -> Refund:
    ref = "DEMO-R-" + hashlib.sha256(f"{bank_tran_id}:{reference}".encode()).hexdigest()[:12]
    return Refund(status="success", refund_ref_id=ref, raw={"status": "success", "demo": True})


def refund_status(*, refund_ref_id) -> Refund:
    return Refund(status="success", refund_ref_id=refund_ref_id, raw={"demo": True})
