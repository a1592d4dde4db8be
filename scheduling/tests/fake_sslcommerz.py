"""A fake SSLCommerz on loopback, speaking the endpoints scheduling.sslcommerz calls:

    POST /gwprocess/v4/api.php                           start a session
    GET  /validator/api/validationserverAPI.php          validate a val_id
    GET  /validator/api/merchantTransIDvalidationAPI.php refund (bank_tran_id,
         refund_amount...), refund status (refund_ref_id), transaction query (tran_id)
    GET  /EasyCheckOut/<session key>                     the payment page (a stub)

It checks the store credentials, records what it is sent, and plays the patient's part
on request: pay(tran_id) answers the val_id and the fields the gateway would POST to the
success and IPN addresses (signed as the real one signs them), fail() and cancel() the
fields it would POST to the fail and cancel addresses. Each endpoint has a mode (set_mode):

    normal   the gateway's real answers
    refuse   the gateway says no (session FAILED, INVALID_TRANSACTION, refund failed...)
    timeout  answers after `delay` seconds (longer than the client waits)
    5xx      HTTP 502
    garbage  HTTP 200 with a body that is not JSON
    tamper   (validation) a VALID answer whose fields are replaced by `tampered`

The fixture fake_sslcommerz starts one and points the settings at it."""

import hashlib
import json
import secrets
import threading
import time
import urllib.parse
from dataclasses import dataclass, field
from decimal import Decimal
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import NamedTuple

import pytest
from django.utils import timezone

ENDPOINTS = ("session", "validation", "refund", "refund_status", "query")
MODES = ("normal", "refuse", "timeout", "5xx", "garbage", "tamper")

# What the gateway tells about each payment method (card_type) in its answers.
METHODS = {
    "BKASH-BKash": ("", "BKash Mobile Banking", "MOBILEBANKING"),
    "NAGAD-Nagad": ("", "Nagad", "MOBILEBANKING"),
    "ROCKET-Rocket": ("", "Dutch-Bangla Bank Rocket", "MOBILEBANKING"),
    "VISA-Dutch Bangla": ("432149XXXXXX0667", "DUTCH-BANGLA BANK LIMITED", "VISA"),
    "MASTER-Brac bank": ("524254XXXXXX4417", "BRAC BANK LIMITED", "MASTERCARD"),
}


class Paid(NamedTuple):
    """What pay() answers: the val_id, and the fields the gateway POSTs to the success
    and IPN addresses."""

    val_id: str
    fields: dict


@dataclass
class FakeSession:
    tran_id: str
    fields: dict  # as posted, without the password
    session_key: str
    status: str = "started"  # started, paid, failed, cancelled
    val_id: str = ""
    bank_tran_id: str = ""
    method: str = ""
    amount: Decimal | None = None  # what the patient paid
    validations: int = 0
    paid_fields: dict = field(default_factory=dict)


@dataclass
class FakeRefund:
    refund_ref_id: str
    bank_tran_id: str
    tran_id: str
    amount: Decimal
    remarks: str
    reference: str  # refund_trans_id
    status: str = "processing"  # processing, refunded, cancelled
    initiated_on: str = ""
    refunded_on: str = ""


class FakeSSLCommerz:
    def __init__(self, store_id="appiontest0001", store_password="appion&test pass@ssl", port=0):
        self.store_id = store_id
        self.store_password = store_password
        self.modes = dict.fromkeys(ENDPOINTS, "normal")
        self.delay = 2.0
        # The fields a "tamper" validation answers in place of the real ones.
        self.tampered = {"amount": "1.00", "store_amount": "0.97", "currency_amount": "1.00"}
        # The body of a "garbage" answer (a proxy's error page, say).
        self.garbage = b"<html>Service temporarily unavailable</html>"
        self.sessions: dict[str, FakeSession] = {}
        self.refunds: dict[str, FakeRefund] = {}
        self.requests: list[tuple[str, str, dict]] = []  # (method, path, fields)
        self.lock = threading.Lock()
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):
                parts = urllib.parse.urlsplit(self.path)
                fake._handle(self, "GET", parts.path, dict(urllib.parse.parse_qsl(parts.query)))

            def do_POST(self):
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length).decode()
                path = urllib.parse.urlsplit(self.path).path
                fake._handle(self, "POST", path, dict(urllib.parse.parse_qsl(body)))

            def answer(self, status, body, content_type):
                try:
                    self.send_response(status)
                    self.send_header("Content-Type", content_type)
                    self.send_header("Content-Length", str(len(body)))
                    self.end_headers()
                    self.wfile.write(body)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the client gave up (timeout)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        # A short poll, so that stop() (each test's teardown) returns at once.
        self.thread = threading.Thread(
            target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )

    def start(self):
        self.thread.start()
        return self

    def stop(self):
        self.server.shutdown()
        self.server.server_close()

    def set_mode(self, endpoint, mode):
        if endpoint not in ENDPOINTS or mode not in MODES:
            raise ValueError(f"endpoint in {ENDPOINTS}, mode in {MODES}")
        self.modes[endpoint] = mode

    # The patient's part.

    def pay(self, tran_id, method="BKASH-BKash", amount=None) -> Paid:
        """The patient pays the session of `tran_id` with `method` (a card_type), the
        session's amount unless `amount` says otherwise."""
        with self.lock:
            session = self.sessions[tran_id]
            session.status = "paid"
            session.method = method
            if amount is None:
                amount = session.fields["total_amount"]
            session.amount = Decimal(amount)
            session.val_id = _gateway_id(27)
            session.bank_tran_id = _gateway_id(28)
            session.paid_fields = self._payment_fields(session)
            fields = dict(session.paid_fields, status="VALID")
            return Paid(session.val_id, self._signed(fields))

    def fail(self, tran_id, error="Transaction declined by the bank") -> dict:
        """The payment fails: the fields POSTed to the fail address."""
        return self._unpaid(tran_id, "failed", {"status": "FAILED", "error": error})

    def cancel(self, tran_id) -> dict:
        """The patient cancels on the gateway's page: the fields POSTed to the cancel
        address."""
        return self._unpaid(tran_id, "cancelled", {"status": "CANCELLED", "error": ""})

    def complete_refund(self, refund_ref_id):
        with self.lock:
            refund = self.refunds[refund_ref_id]
            refund.status, refund.refunded_on = "refunded", _now()

    def cancel_refund(self, refund_ref_id):
        with self.lock:
            self.refunds[refund_ref_id].status = "cancelled"

    def _unpaid(self, tran_id, status, fields):
        with self.lock:
            session = self.sessions[tran_id]
            session.status = status
            fields = {
                **fields,
                "tran_id": tran_id,
                "tran_date": _now(),
                "amount": session.fields["total_amount"],
                "currency": session.fields.get("currency", "BDT"),
                "bank_tran_id": "",
                "card_type": "",
                **{key: session.fields.get(key, "") for key in _VALUE_KEYS},
            }
            return self._signed(fields)

    def _payment_fields(self, session):
        card_no, issuer, brand = METHODS.get(session.method, ("", "", ""))
        amount = f"{session.amount:.2f}"
        return {
            "tran_date": _now(),
            "tran_id": session.tran_id,
            "val_id": session.val_id,
            "amount": amount,
            "store_amount": f"{session.amount * Decimal('0.975'):.2f}",
            "currency": "BDT",
            "bank_tran_id": session.bank_tran_id,
            "card_type": session.method,
            "card_no": card_no,
            "card_issuer": issuer,
            "card_brand": brand,
            "card_issuer_country": "Bangladesh",
            "card_issuer_country_code": "BD",
            "currency_type": session.fields.get("currency", "BDT"),
            "currency_amount": amount,
            "currency_rate": "1.0000",
            "base_fair": "0.00",
            **{key: session.fields.get(key, "") for key in _VALUE_KEYS},
            "risk_level": "0",
            "risk_title": "Safe",
        }

    def _signed(self, fields):
        """The fields with verify_key (their names) and verify_sign: the MD5 of
        name=value pairs, store_passwd=MD5(password) among them, sorted by name and
        joined by "&" (as the gateway signs; written here apart from the client's check,
        so that a test can catch a mistake in either)."""
        pairs = {**fields, "store_passwd": _md5(self.store_password)}
        sign = _md5("&".join(f"{key}={pairs[key]}" for key in sorted(pairs)))
        return {**fields, "verify_sign": sign, "verify_key": ",".join(fields)}

    # The gateway's part.

    def _handle(self, handler, method, path, fields):
        with self.lock:
            self.requests.append(
                (method, path, {k: v for k, v in fields.items() if k != "store_passwd"})
            )
        if path.startswith("/EasyCheckOut/"):
            return handler.answer(200, b"<html>SSLCommerz (fake) payment page</html>", "text/html")
        endpoint = self._endpoint(method, path, fields)
        if endpoint is None:
            return handler.answer(404, b"Not Found", "text/plain")
        mode = self.modes[endpoint]
        if mode == "timeout":
            time.sleep(self.delay)
        if mode == "5xx":
            return handler.answer(502, b"<html>502 Bad Gateway</html>", "text/html")
        if mode == "garbage":
            return handler.answer(200, self.garbage, "text/html")
        credentials_ok = (
            fields.get("store_id") == self.store_id
            and fields.get("store_passwd") == self.store_password
        )
        with self.lock:
            answer = getattr(self, f"_{endpoint}")(fields, mode, credentials_ok)
        handler.answer(200, json.dumps(answer).encode(), "application/json")

    def _endpoint(self, method, path, fields):
        if method == "POST" and path == "/gwprocess/v4/api.php":
            return "session"
        if method == "GET" and path == "/validator/api/validationserverAPI.php":
            return "validation"
        if method == "GET" and path == "/validator/api/merchantTransIDvalidationAPI.php":
            if "refund_ref_id" in fields:
                return "refund_status"
            if "bank_tran_id" in fields:
                return "refund"
            if "tran_id" in fields:
                return "query"
        return None

    def _session(self, fields, mode, credentials_ok):
        failed = {"status": "FAILED", "sessionkey": "", "GatewayPageURL": ""}
        if not credentials_ok:
            return {**failed, "failedreason": "Store Credential Error Or Store is De-active"}
        if mode == "refuse":
            return {**failed, "failedreason": "Invalid Information: cus_phone is missing"}
        tran_id = fields.get("tran_id", "")
        try:
            amount = Decimal(fields.get("total_amount", ""))
        except ArithmeticError:
            amount = Decimal(0)
        # The gateway's own limits: 10.00 to 500000.00 BDT, a tran_id of 30 characters.
        if not Decimal("10.00") <= amount <= Decimal("500000.00"):
            return {**failed, "failedreason": "Invalid Information: total_amount"}
        if not tran_id or len(tran_id) > 30:
            return {**failed, "failedreason": "Invalid Information: tran_id"}
        previous = self.sessions.get(tran_id)
        if previous is not None and previous.status == "paid":
            return {**failed, "failedreason": "Duplicate tran_id"}
        session_key = secrets.token_hex(16).upper()
        public_fields = {k: v for k, v in fields.items() if k != "store_passwd"}
        self.sessions[tran_id] = FakeSession(tran_id, public_fields, session_key)
        page = f"{self.url}/EasyCheckOut/test{session_key.lower()}"
        return {
            "status": "SUCCESS",
            "failedreason": "",
            "sessionkey": session_key,
            "gw": {"visa": "city_visa,ebl_visa", "mobilebanking": "bkash,nagad"},
            "redirectGatewayURL": f"{self.url}/gwprocess/v4/bankgw/indexhtml.php?mamount=",
            "GatewayPageURL": page,
            "storeBanner": "",
            "storeLogo": "",
            "desc": [{"name": "BKash", "type": "mobilebanking", "gw": "bkash"}],
            "is_direct_pay_enable": "0",
        }

    def _validation(self, fields, mode, credentials_ok):
        if not credentials_ok:
            return {"APIConnect": "FAILED", "status": "INVALID_TRANSACTION"}
        session = next(
            (s for s in self.sessions.values() if s.val_id and s.val_id == fields.get("val_id")),
            None,
        )
        if mode == "refuse" or session is None or session.status != "paid":
            return {"status": "INVALID_TRANSACTION", "APIConnect": "DONE"}
        session.validations += 1
        answer = {
            "status": "VALID" if session.validations == 1 else "VALIDATED",
            **session.paid_fields,
            "emi_instalment": "0",
            "emi_amount": "0.00",
            "emi_description": "",
            "emi_issuer": "",
            "account_details": "",
            "APIConnect": "DONE",
            "validated_on": _now(),
            "gw_version": "",
        }
        if mode == "tamper":
            answer.update(self.tampered)
        return answer

    def _refund(self, fields, mode, credentials_ok):
        if not credentials_ok:
            return {"APIConnect": "FAILED"}
        bank_tran_id = fields.get("bank_tran_id", "")
        base = {"APIConnect": "DONE", "bank_tran_id": bank_tran_id, "trans_id": ""}
        if not fields.get("refund_trans_id"):
            return {"APIConnect": "INVALID_REQUEST", "errorReason": "refund_trans_id is required"}
        if mode == "refuse":
            return {**base, "status": "failed", "errorReason": "Refund is not allowed"}
        paid = (s for s in self.sessions.values() if s.bank_tran_id)
        session = next((s for s in paid if s.bank_tran_id == bank_tran_id), None)
        if session is None or session.status != "paid":
            return {**base, "status": "failed", "errorReason": "Invalid bank_tran_id"}
        base["trans_id"] = session.tran_id
        reference = fields["refund_trans_id"]
        for refund in self.refunds.values():
            if refund.bank_tran_id == bank_tran_id and refund.reference == reference:
                return {**base, "status": "processing", "refund_ref_id": refund.refund_ref_id}
        try:
            amount = Decimal(fields.get("refund_amount", ""))
        except ArithmeticError:
            amount = Decimal(0)
        refunded = sum(
            (r.amount for r in self.refunds.values() if r.bank_tran_id == bank_tran_id),
            Decimal(0),
        )
        if amount <= 0 or amount + refunded > session.amount:
            reason = "Refund amount exceeds the paid amount"
            return {**base, "status": "failed", "errorReason": reason}
        refund = FakeRefund(
            refund_ref_id=_gateway_id(20),
            bank_tran_id=bank_tran_id,
            tran_id=session.tran_id,
            amount=amount,
            remarks=fields.get("refund_remarks", ""),
            reference=reference,
            initiated_on=_now(),
        )
        self.refunds[refund.refund_ref_id] = refund
        return {**base, "status": "success", "refund_ref_id": refund.refund_ref_id}

    def _refund_status(self, fields, mode, credentials_ok):
        if not credentials_ok:
            return {"APIConnect": "FAILED"}
        refund = self.refunds.get(fields.get("refund_ref_id", ""))
        if mode == "refuse" or refund is None:
            return {"APIConnect": "INVALID_REQUEST", "errorReason": "Invalid refund_ref_id"}
        return {
            "APIConnect": "DONE",
            "bank_tran_id": refund.bank_tran_id,
            "tran_id": refund.tran_id,
            "refund_ref_id": refund.refund_ref_id,
            "initiated_on": refund.initiated_on,
            "refunded_on": refund.refunded_on,
            "status": refund.status,
            "errorReason": "",
        }

    def _query(self, fields, mode, credentials_ok):
        if not credentials_ok:
            return {"APIConnect": "FAILED"}
        if mode == "refuse":
            return {"APIConnect": "INACTIVE"}
        session = self.sessions.get(fields.get("tran_id", ""))
        if session is None or session.status != "paid":
            return {"APIConnect": "DONE", "no_of_trans_found": 0, "element": []}
        element = {"status": "VALIDATED" if session.validations else "VALID", **session.paid_fields}
        return {"APIConnect": "DONE", "no_of_trans_found": 1, "element": [element]}


_VALUE_KEYS = ("value_a", "value_b", "value_c", "value_d")


def _gateway_id(length):
    """An id in the gateway's shape: the time's digits, then letters and digits."""
    letters = "".join(char for char in secrets.token_urlsafe(32) if char.isalnum())
    return (time.strftime("%y%m%d%H%M%S") + letters)[:length]


def _md5(text):
    return hashlib.md5(text.encode()).hexdigest()


def _now():
    return timezone.localtime().strftime("%Y-%m-%d %H:%M:%S")


@pytest.fixture
def fake_sslcommerz(settings):
    """A fake SSLCommerz on loopback, with the settings pointing at it: credentials set
    (so scheduling.sslcommerz.configured()), a one-second timeout, and the fake's "timeout" mode
    answering after it."""
    fake = FakeSSLCommerz().start()
    settings.SSLCOMMERZ_BASE_URL = fake.url
    settings.SSLCOMMERZ_STORE_ID = fake.store_id
    settings.SSLCOMMERZ_STORE_PASSWORD = fake.store_password
    settings.SSLCOMMERZ_TIMEOUT = 1.0
    fake.delay = 1.5
    try:
        yield fake
    finally:
        fake.stop()
