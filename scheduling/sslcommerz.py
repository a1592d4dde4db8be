"""A client for SSLCommerz's hosted checkout (API v4): start a payment session, validate a
payment, refund one, ask after a refund. It speaks the gateway's own protocol and decides
nothing: the payment flow checks what the gateway reports (our transaction id, the
amount, the currency) and records it.

    1. start_session(): POST {base}/gwprocess/v4/api.php with the store's credentials, the
       amount in BDT, our tran_id, the patient's details and the success, fail, cancel
       and IPN addresses. The answer's GatewayPageURL is where the patient goes to pay.
    2. The gateway POSTs the outcome to the success (or fail, cancel) address through the
       patient's browser, and to the IPN address server to server. Neither is trusted:
       the val_id they carry goes to
    3. validate(): GET {base}/validator/api/validationserverAPI.php, the gateway's own
       word on the payment (status VALID, then VALIDATED for any later call).
    4. refund(), refund_status(): GET {base}/validator/api/merchantTransIDvalidationAPI.php
       with bank_tran_id and the amount, or with the refund_ref_id it answered.

{base} is https://sandbox.sslcommerz.com while SSLCOMMERZ_SANDBOX, else
https://securepay.sslcommerz.com; SSLCOMMERZ_BASE_URL replaces it (tests). A call raises
GatewayUnavailable when it is worth trying again later (no connection, a timeout, a 5xx
answer, an answer that is not the gateway's JSON) and GatewayRefused when the gateway
answered and said no. The store password travels in the request (the protocol puts it in
the query string of the GET calls): no message, exception or `raw` answer here carries it,
and nothing here logs a request."""

import hashlib
import hmac
import http.client
import json
import re
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

SANDBOX_URL = "https://sandbox.sslcommerz.com"
LIVE_URL = "https://securepay.sslcommerz.com"

SESSION_PATH = "/gwprocess/v4/api.php"
VALIDATION_PATH = "/validator/api/validationserverAPI.php"
# Refunds, refund status and the transaction queries share one endpoint; the fields
# sent choose the call.
MERCHANT_API_PATH = "/validator/api/merchantTransIDvalidationAPI.php"

CURRENCY = "BDT"
CENTS = Decimal("0.01")
# The gateway's answers are a few kilobytes (the session's list of payment methods is
# the largest); anything longer is not an answer of its.
MAX_ANSWER_BYTES = 1 << 20
MASK = "********"


class GatewayError(Exception):
    """A call to SSLCommerz did not do what was asked; the message says why."""


class GatewayUnavailable(GatewayError):
    """No usable answer (no connection, timeout, HTTP 5xx or 429, an answer that is not
    the gateway's JSON): the same call may succeed later."""


class GatewayRefused(GatewayError):
    """The gateway answered and refused: a session it would not start, a val_id it does
    not know as a payment, a refund it would not make, credentials it does not accept.
    `reason` is the gateway's own words (or the HTTP status); `raw` its answer, if any
    (card numbers and the password removed)."""

    def __init__(self, reason: str, raw: dict | None = None):
        super().__init__(f"gateway refused: {reason}")
        self.reason = reason
        self.raw = raw


@dataclass(frozen=True)
class Customer:
    """The patient, as the gateway requires a customer (it shows the name and sends the
    receipt to the email; phone and address are mandatory fields of its form)."""

    name: str
    email: str
    phone: str
    address: str = ""
    city: str = "Dhaka"
    country: str = "Bangladesh"


@dataclass(frozen=True)
class ReturnUrls:
    """Absolute addresses: where the patient's browser comes back to (success, fail,
    cancel) and where the gateway notifies our server (ipn)."""

    success: str
    fail: str
    cancel: str
    ipn: str


@dataclass(frozen=True)
class Session:
    session_key: str
    redirect_url: str  # the gateway's payment page (GatewayPageURL)
    raw: dict = field(repr=False)


@dataclass(frozen=True)
class Validation:
    """The gateway's word on a payment. Nothing here is checked against our order: the
    caller compares tran_id, amount and currency with its own."""

    status: str  # VALID (first validation) or VALIDATED (any later one)
    tran_id: str
    val_id: str
    amount: Decimal  # in `currency`: the order's own currency and amount
    currency: str
    method: str  # card_type: "BKASH-BKash", "NAGAD-Nagad", "VISA-Dutch Bangla", ...
    bank_tran_id: str  # the gateway's id of the payment, needed to refund it
    risk_level: int  # 0 safe, 1 risky: the gateway advises holding the service
    raw: dict = field(repr=False)  # the whole answer less card numbers


@dataclass(frozen=True)
class Refund:
    """status from refund(): "success" (the gateway took the refund request) or
    "processing" (it had taken this one already); from refund_status(): "success" (the
    money went back), "processing" or "failed" (the gateway cancelled the refund)."""

    status: str
    refund_ref_id: str
    raw: dict = field(repr=False)


def configured() -> bool:
    """True when the site has SSLCommerz credentials; without them it uses the demo
    gateway."""
    return bool(settings.SSLCOMMERZ_STORE_ID and settings.SSLCOMMERZ_STORE_PASSWORD)


def base_url() -> str:
    if settings.SSLCOMMERZ_BASE_URL:
        return settings.SSLCOMMERZ_BASE_URL.rstrip("/")
    return SANDBOX_URL if settings.SSLCOMMERZ_SANDBOX else LIVE_URL


def start_session(
    *, tran_id: str, amount: Decimal, customer: Customer, urls: ReturnUrls, product_name: str
) -> Session:
    """Open a payment session of `amount` BDT for our `tran_id` (unique per attempt: the
    gateway refuses one it has seen). Returns the session key and the page to send the
    patient to. Raises GatewayRefused (status FAILED, with the gateway's failedreason) or
    GatewayUnavailable."""
    fields = {
        "total_amount": _money(amount),
        "currency": CURRENCY,
        "tran_id": tran_id,
        "success_url": urls.success,
        "fail_url": urls.fail,
        "cancel_url": urls.cancel,
        "ipn_url": urls.ipn,
        "cus_name": customer.name,
        "cus_email": customer.email,
        "cus_phone": customer.phone,
        # Mandatory on the gateway's form; a patient's address is often unknown.
        "cus_add1": customer.address or customer.city,
        "cus_city": customer.city,
        "cus_country": customer.country,
        "shipping_method": "NO",
        "num_of_item": "1",
        "emi_option": "0",
        "product_name": product_name,
        "product_category": "Doctor appointment",
        "product_profile": "non-physical-goods",
    }
    answer = _call("POST", SESSION_PATH, fields)
    if str(answer.get("status", "")).upper() != "SUCCESS":
        reason = answer.get("failedreason") or answer.get("status") or "no reason given"
        raise GatewayRefused(_mask(str(reason)), raw=answer)
    session_key, redirect_url = answer.get("sessionkey"), answer.get("GatewayPageURL")
    if not session_key or not redirect_url:
        raise GatewayUnavailable("gateway answered SUCCESS without a session key or page")
    return Session(session_key=str(session_key), redirect_url=str(redirect_url), raw=answer)


def validate(*, val_id: str) -> Validation:
    """Ask the gateway about the payment that `val_id` (posted to the success or IPN
    address) names. Returns it when the gateway calls it VALID or VALIDATED; raises
    GatewayRefused for anything else (INVALID_TRANSACTION: unknown, failed or not
    paid) and GatewayUnavailable."""
    answer = _call("GET", VALIDATION_PATH, {"val_id": val_id, "format": "json"})
    _check_api_connect(answer)
    status = str(answer.get("status", "")).upper()
    if status not in ("VALID", "VALIDATED"):
        reason = answer.get("error") or status or "no status given"
        raise GatewayRefused(_mask(str(reason)), raw=answer)
    return _validation(answer)


def refund(*, bank_tran_id: str, amount: Decimal, remarks: str, reference: str) -> Refund:
    """Ask the gateway to refund `amount` of the payment `bank_tran_id`. `reference` is
    ours, unique per refund (at most 30 characters): sent as refund_trans_id and refe_id,
    so that asking again after a lost answer is the same refund ("processing") rather
    than a second one. Raises GatewayRefused (status failed, with errorReason; a store
    not allowed to refund) or GatewayUnavailable."""
    fields = {
        "bank_tran_id": bank_tran_id,
        "refund_trans_id": reference,
        "refund_amount": _money(amount),
        "refund_remarks": remarks,
        "refe_id": reference,
        "format": "json",
    }
    answer = _call("GET", MERCHANT_API_PATH, fields)
    _check_api_connect(answer)
    status = str(answer.get("status", "")).lower()
    if status not in ("success", "processing"):
        reason = answer.get("errorReason") or status or "no status given"
        raise GatewayRefused(_mask(str(reason)), raw=answer)
    return Refund(status=status, refund_ref_id=str(answer.get("refund_ref_id") or ""), raw=answer)


# The refund query's words, in ours.
REFUND_STATES = {"refunded": "success", "processing": "processing", "cancelled": "failed"}


def refund_status(*, refund_ref_id: str) -> Refund:
    """Where a refund stands: "success" when the money went back, "processing", or
    "failed" when the gateway cancelled it. Raises GatewayRefused (a refund_ref_id it
    does not know) or GatewayUnavailable."""
    answer = _call(
        "GET",
        MERCHANT_API_PATH,
        {"refund_ref_id": refund_ref_id, "format": "json"},
    )
    _check_api_connect(answer)
    status = REFUND_STATES.get(str(answer.get("status", "")).lower())
    if status is None:
        reason = answer.get("errorReason") or answer.get("status") or "no status given"
        raise GatewayRefused(_mask(str(reason)), raw=answer)
    return Refund(status=status, refund_ref_id=refund_ref_id, raw=answer)


def find_payment(*, tran_id: str) -> Validation | None:
    """The payment made for our `tran_id` (the transaction query by tran_id), VALID or
    VALIDATED, or None when the gateway has none: asked before a hold is released, in
    case the IPN was lost. Raises GatewayRefused or GatewayUnavailable."""
    answer = _call("GET", MERCHANT_API_PATH, {"tran_id": tran_id, "format": "json"})
    _check_api_connect(answer)
    elements = answer.get("element") or []
    if not isinstance(elements, list):
        raise GatewayUnavailable("gateway answered a transaction list that is not a list")
    for element in elements:
        if isinstance(element, dict) and str(element.get("status", "")).upper() in (
            "VALID",
            "VALIDATED",
        ):
            return _validation(element)
    return None


def signature_valid(fields) -> bool:
    """Whether fields posted by the gateway (success or IPN) carry its signature:
    verify_sign is the MD5 of the fields that verify_key names plus store_passwd =
    MD5(password), sorted by name and joined as a query string. A quick filter only: a
    payment is believed after validate(), never on its posted fields."""
    sign, keys = fields.get("verify_sign"), fields.get("verify_key")
    if not sign or not keys:
        return False
    # As SSLCommerz's own libraries check it: the named fields that were posted, the
    # values as they came (not URL-encoded).
    signed = {key: str(fields[key]) for key in str(keys).split(",") if key in fields}
    signed["store_passwd"] = _md5(settings.SSLCOMMERZ_STORE_PASSWORD)
    return hmac.compare_digest(
        _md5("&".join(f"{key}={signed[key]}" for key in sorted(signed))), str(sign)
    )


def _md5(text: str) -> str:
    return hashlib.md5(text.encode()).hexdigest()


def _money(amount: Decimal) -> str:
    amount = Decimal(amount)
    if not amount.is_finite() or amount <= 0:
        raise ValueError(f"an amount to pay must be positive, not {amount}")
    return str(amount.quantize(CENTS))


def _validation(answer: dict) -> Validation:
    # currency_type/currency_amount are the order's own currency and amount; amount and
    # currency are what the store is settled in (the same for an order in BDT).
    currency = answer.get("currency_type") or answer.get("currency")
    amount = answer.get("currency_amount") or answer.get("amount")
    try:
        amount = Decimal(str(amount))
        if not amount.is_finite():
            raise InvalidOperation
    except (InvalidOperation, ValueError):
        raise GatewayUnavailable(f"gateway answered an unreadable amount: {amount!r}") from None
    if not currency or not answer.get("tran_id") or not answer.get("val_id"):
        raise GatewayUnavailable("gateway answered a payment without its currency or ids")
    try:
        risk_level = int(answer.get("risk_level") or 0)
    except (TypeError, ValueError):
        risk_level = 1  # unreadable: the careful reading
    return Validation(
        status=str(answer.get("status", "")).upper(),
        tran_id=str(answer["tran_id"]),
        val_id=str(answer["val_id"]),
        amount=amount,
        currency=str(currency).upper(),
        method=str(answer.get("card_type") or ""),
        bank_tran_id=str(answer.get("bank_tran_id") or ""),
        risk_level=risk_level,
        raw=answer,
    )


# APIConnect on the validation and merchant APIs: DONE, or INVALID_REQUEST (bad
# fields), FAILED (credentials refused), INACTIVE (store or API user inactive).
def _check_api_connect(answer: dict) -> None:
    connect = answer.get("APIConnect")
    if connect is not None and str(connect).upper() != "DONE":
        reason = answer.get("errorReason") or answer.get("error") or ""
        raise GatewayRefused(_mask(f"{connect} {reason}".strip()), raw=answer)


def _call(method: str, path: str, fields: dict) -> dict:
    """One request, its JSON answer as a dict (cleaned by _clean). The credentials go
    with the other fields: in the form body of a POST, in the query string of a GET (as
    the gateway requires)."""
    if not configured():
        raise ImproperlyConfigured(
            "SSLCommerz is not configured: set SSLCOMMERZ_STORE_ID and SSLCOMMERZ_STORE_PASSWORD."
        )
    fields = {
        "store_id": settings.SSLCOMMERZ_STORE_ID,
        "store_passwd": settings.SSLCOMMERZ_STORE_PASSWORD,
        **fields,
    }
    encoded = urllib.parse.urlencode(fields)
    url = base_url() + path
    if method == "GET":
        request = urllib.request.Request(
            f"{url}?{encoded}", headers={"Accept": "application/json"}, method="GET"
        )
    else:
        request = urllib.request.Request(
            url,
            data=encoded.encode(),
            headers={
                "Content-Type": "application/x-www-form-urlencoded",
                "Accept": "application/json",
            },
            method="POST",
        )
    try:
        with urllib.request.urlopen(request, timeout=settings.SSLCOMMERZ_TIMEOUT) as response:
            body = response.read(MAX_ANSWER_BYTES + 1)
    except urllib.error.HTTPError as error:
        if error.code >= 500 or error.code == 429:
            raise GatewayUnavailable(f"gateway answered HTTP {error.code} to {path}") from None
        raise GatewayRefused(f"HTTP {error.code} to {path}") from None
    except (urllib.error.URLError, TimeoutError, OSError, http.client.HTTPException) as error:
        reason = _mask(str(getattr(error, "reason", error)))
        raise GatewayUnavailable(f"gateway unreachable ({path}): {reason}") from None
    try:
        if len(body) > MAX_ANSWER_BYTES:
            raise ValueError("too long")
        answer = json.loads(body)
        if not isinstance(answer, dict):
            raise ValueError("not an object")
    except ValueError:
        raise GatewayUnavailable(
            f"gateway answered something unreadable to {path}: {_mask(repr(body[:200]))}"
        ) from None
    return _clean(answer)


def _mask(text: str) -> str:
    """`text` with the store password (as typed and as URL-encoded) masked."""
    password = settings.SSLCOMMERZ_STORE_PASSWORD
    if not password:
        return text
    for form in {password, urllib.parse.quote_plus(password), urllib.parse.quote(password)}:
        text = text.replace(form, MASK)
    return text


# Fields that hold a card number (masked or not) in the gateway's answers.
CARD_NUMBER_KEYS = re.compile(r"card_?no|card_?num|^pan$", re.IGNORECASE)
# A card number written anywhere: 12-19 digits, the middle possibly masked with X or *,
# in groups separated by spaces or dashes.
CARD_NUMBER_VALUE = re.compile(r"\d{4,6}(?:[ -]?[\dXx*]){6,12}[ -]?\d{2,4}")
# The gateway's and our ids, which may be long runs of digits: never taken for cards.
ID_KEYS = frozenset(
    {"tran_id", "val_id", "bank_tran_id", "trans_id", "refund_ref_id", "refe_id", "sessionkey"}
)


def _looks_like_card_number(value: str) -> bool:
    value = value.strip()
    if not CARD_NUMBER_VALUE.fullmatch(value):
        return False
    compact = re.sub(r"[ -]", "", value)
    if not 12 <= len(compact) <= 19:
        return False
    if not compact.isdigit():
        return True  # masked: only card numbers are written this way
    return _luhn_valid(compact)


def _luhn_valid(digits: str) -> bool:
    total = 0
    for index, digit in enumerate(reversed(digits)):
        number = int(digit)
        if index % 2:
            number = number * 2 - 9 if number > 4 else number * 2
        total += number
    return total % 10 == 0


def _clean(value):
    """The gateway's answer without card numbers (we never store card data) and with
    the password masked wherever it is echoed; every other field as it came."""
    if isinstance(value, dict):
        return {
            key: _clean(item)
            for key, item in value.items()
            if not CARD_NUMBER_KEYS.search(str(key))
            and (key in ID_KEYS or not (isinstance(item, str) and _looks_like_card_number(item)))
        }
    if isinstance(value, list):
        return [
            _clean(item)
            for item in value
            if not (isinstance(item, str) and _looks_like_card_number(item))
        ]
    if isinstance(value, str):
        return _mask(value)
    return value
