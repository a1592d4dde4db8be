"""SMS: how many parts a text costs, fitting a text into a number of parts, and the
backends that send one, chosen by the SMS_URL setting in the way Django's email backends
are chosen by EMAIL_BACKEND:

    console://               print each SMS to standard output (the default)
    locmem://                keep them in appion.messaging.sms.outbox (tests)
    https://host/path        the HTTP gateway at that address (HttpGatewayBackend), with
                             SMS_API_KEY and SMS_SENDER_ID

Sending an SMS from the app never calls a backend directly: write it to the outbox with
appion.messaging.services.queue_sms (or notify), and the worker sends it. A backend's
send() raises SMSUnavailable for a failure worth retrying (timeout, no connection, a 5xx
answer, the gateway's own temporary errors) and SMSRejected for one that is not (the
gateway refused this message: an invalid number, a sender ID it does not know)."""

import json
import math
import sys
import threading
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass

from django.conf import settings

# GSM 03.38: the basic alphabet (one septet each) and the extension table (an escape
# plus one: two septets). Any other character makes the whole SMS UCS-2.
GSM7_BASIC = frozenset(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?¡"
    "ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
GSM7_EXTENSION = frozenset("^{}\\[~]|€\f")

# Characters per part: one part alone, or each part of a longer message (the rest of a
# part carries the header that joins them).
GSM7_SINGLE, GSM7_MULTI = 160, 153
UCS2_SINGLE, UCS2_MULTI = 70, 67

# Every message the app writes fits in this many parts (tested over every kind).
MAX_PARTS = 2


def is_gsm7(text: str) -> bool:
    return all(char in GSM7_BASIC or char in GSM7_EXTENSION for char in text)


@dataclass(frozen=True)
class Encoding:
    """How a text travels: GSM-7 or UCS-2, its length in that encoding's units (septets
    or UTF-16 code units) and the parts it takes."""

    name: str
    units: int
    parts: int


def encoding(text: str) -> Encoding:
    """GSM-7 when every character is in the GSM alphabet (the extension's count twice),
    else UCS-2 (Bengali; UTF-16 code units, so an emoji counts two). 160/153 or 70/67
    units per part."""
    if is_gsm7(text):
        units = sum(2 if char in GSM7_EXTENSION else 1 for char in text)
        single, multi, name = GSM7_SINGLE, GSM7_MULTI, "gsm7"
    else:
        units = len(text.encode("utf-16-le")) // 2
        single, multi, name = UCS2_SINGLE, UCS2_MULTI, "ucs2"
    parts = 1 if units <= single else math.ceil(units / multi)
    return Encoding(name, units, parts)


def parts(text: str) -> int:
    return encoding(text).parts


ELLIPSIS = "..."  # GSM-7, so that shortening an English text keeps it GSM-7


def shorten(value: str, length: int) -> str:
    value = " ".join(str(value).split())
    if len(value) <= length:
        return value
    return value[: max(length - len(ELLIPSIS), 1)].rstrip() + ELLIPSIS


def fit(
    render, fields: dict, *, shrinkable=(), suffix="", max_parts=MAX_PARTS, min_length=6
) -> str:
    """render(**fields) + suffix, shortened until it fits in `max_parts` parts: the
    longest of the `shrinkable` fields (names, typed by users) is cut first, a character
    at a time down to `min_length`, ending in "..."; if the text is still too long, the
    rendered part is cut at its end. The suffix (a link) is never cut. Fields are made
    single-line first. Deterministic."""
    fields = {name: " ".join(str(value).split()) for name, value in fields.items()}
    text = render(**fields)
    while parts(text + suffix) > max_parts:
        candidates = [name for name in shrinkable if len(fields[name]) > min_length]
        if not candidates:
            break
        longest = max(candidates, key=lambda name: len(fields[name]))
        fields[longest] = shorten(fields[longest], len(fields[longest]) - 1)
        text = render(**fields)
    while text and parts(text + suffix) > max_parts:
        text = text[:-1]
    return text + suffix


class SMSError(Exception):
    """An SMS was not sent; the message says why (it goes to the outbox's last error)."""


class SMSUnavailable(SMSError):
    """The gateway could not take the message now (timeout, connection refused, 5xx, a
    temporary error of its own): the worker tries again later."""


class SMSRejected(SMSError):
    """The gateway refused this message (invalid number, unknown sender ID, ...): the
    worker marks it failed at once; staff may retry it from the admin."""


class BaseSMSBackend:
    """Send one text to one number (+8801XXXXXXXXX). Returns the gateway's message id
    (or "") or raises SMSError."""

    def __init__(self, url=""):
        self.url = url

    def send(self, number: str, text: str) -> str:
        raise NotImplementedError


class ConsoleBackend(BaseSMSBackend):
    """Writes each SMS to standard output (development)."""

    stream = None

    def send(self, number, text):
        stream = self.stream or sys.stdout
        info = encoding(text)
        stream.write(f"SMS to {number} ({info.name}, {info.parts} part(s)):\n{text}\n{'-' * 40}\n")
        stream.flush()
        return ""


# The locmem backend's messages: [(number, text)], like django.core.mail.outbox.
outbox: list[tuple[str, str]] = []
_outbox_lock = threading.Lock()


class LocmemBackend(BaseSMSBackend):
    """Keeps each SMS in appion.messaging.sms.outbox (tests, benchmarks)."""

    def send(self, number, text):
        with _outbox_lock:
            outbox.append((number, text))
            return str(len(outbox))


class HttpGatewayBackend(BaseSMSBackend):
    """A Bangladeshi bulk-SMS HTTP API of the common shape that BulkSMSBD (bulksmsbd.net)
    and the resellers on its platform speak: a form POST (the same fields work as a GET
    query) of `api_key`, `senderid`, `number` (8801XXXXXXXXX), `message` and
    `type` (`text` for GSM-7, `unicode` for Bengali), answered with JSON whose
    `response_code` is 202 when the message is accepted, or an error code with
    `error_message`. The URL is SMS_URL itself; the key and sender ID come from
    SMS_API_KEY and SMS_SENDER_ID; SMS_TIMEOUT seconds per request."""

    ACCEPTED = 202
    # The gateway's own codes that mean "not now" (internal error, balance expired or
    # insufficient): retried with the others' backoff, so topping up the balance
    # within the attempts loses nothing.
    TEMPORARY = frozenset({1005, 1006, 1007})

    def __init__(self, url=""):
        super().__init__(url)
        self.api_key = settings.SMS_API_KEY
        self.sender_id = settings.SMS_SENDER_ID
        self.timeout = settings.SMS_TIMEOUT

    def send(self, number, text):
        fields = {
            "api_key": self.api_key,
            "senderid": self.sender_id,
            "number": number.lstrip("+"),
            "message": text,
            "type": "text" if is_gsm7(text) else "unicode",
        }
        request = urllib.request.Request(
            self.url,
            data=urllib.parse.urlencode(fields).encode(),
            headers={"Content-Type": "application/x-www-form-urlencoded", "Accept": "*/*"},
            method="POST",
        )
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:
                body = response.read(65536)
        except urllib.error.HTTPError as error:
            if error.code >= 500 or error.code == 429:
                raise SMSUnavailable(f"gateway answered HTTP {error.code}") from None
            raise SMSRejected(f"gateway answered HTTP {error.code}") from None
        except (urllib.error.URLError, TimeoutError, OSError) as error:
            reason = getattr(error, "reason", error)
            raise SMSUnavailable(f"gateway unreachable: {reason}") from None
        try:
            answer = json.loads(body)
            code = int(answer.get("response_code"))
        except (ValueError, TypeError, AttributeError):
            raise SMSUnavailable(f"gateway answered something unreadable: {body[:200]!r}") from None
        if code == self.ACCEPTED:
            return str(answer.get("message_id") or "")
        detail = str(answer.get("error_message") or answer.get("success_message") or "")[:200]
        error_class = SMSUnavailable if code in self.TEMPORARY else SMSRejected
        raise error_class(f"gateway refused the message: {code} {detail}".strip())


BACKENDS = {
    "console": ConsoleBackend,
    "locmem": LocmemBackend,
    "http": HttpGatewayBackend,
    "https": HttpGatewayBackend,
}


def get_backend(url=None) -> BaseSMSBackend:
    """The backend that SMS_URL (or `url`) names by its scheme: console, locmem, http or
    https (settings refuses any other at start-up)."""
    url = url if url is not None else settings.SMS_URL
    return BACKENDS[url.split("://", 1)[0].lower()](url)
