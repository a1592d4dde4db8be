"""The delivery worker: takes due messages from the outbox and sends them.

A claim is one short transaction: on PostgreSQL `SELECT … FOR UPDATE SKIP LOCKED` picks
due rows that no other worker is claiming, and one UPDATE marks them "sending" under a
claim token with a lease; on SQLite (no row locks) the same UPDATE, conditional on the
rows still being due, decides, and the token tells each worker which rows it won. Sending
happens after that transaction, so no transaction stays open during network calls. Each
outcome is recorded by an UPDATE conditional on the token: sent; or, after a failure
worth retrying, pending again with the next attempt after an exponential backoff; or
failed (refused by the gateway, expired, or out of attempts), with the error kept.

A worker that dies while sending leaves its claimed rows "sending"; when the lease runs
out another worker takes them again (at-least-once: the message being sent at the crash
may go twice; the others go once)."""

import contextlib
import logging
import signal
import time
import uuid
from datetime import timedelta
from smtplib import SMTPException

from django.conf import settings
from django.core.mail import EmailMultiAlternatives, get_connection
from django.db import connection, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.module_loading import import_string

from appion.messaging import sms
from appion.messaging.models import Channel, OutboxMessage

logger = logging.getLogger("appion.messaging")

Status = OutboxMessage.Status

# How long a claim holds a message: far longer than a send can take (SMTP and the SMS
# gateway have timeouts of seconds), so a live worker's message is never taken from it.
LEASE = timedelta(minutes=10)
ERROR_LENGTH = 2000


def backoff(attempts: int) -> timedelta:
    """The wait after the `attempts`-th failed attempt: APPION_OUTBOX_RETRY_SECONDS
    doubled each time (1, 2, 4, 8 … minutes by default), at most six hours."""
    seconds = settings.APPION_OUTBOX_RETRY_SECONDS * 2 ** max(attempts - 1, 0)
    return timedelta(seconds=min(seconds, 6 * 60 * 60))


def claim(*, limit=100, ids=None, now=None) -> list[OutboxMessage]:
    """Claim up to `limit` due messages (only those in `ids` when given), oldest first,
    for this worker alone; returns them. Two workers never claim one message while its
    lease runs (see the module's docstring)."""
    now = now or timezone.now()
    token = uuid.uuid4().hex
    with transaction.atomic():
        due = OutboxMessage.objects.due(now).order_by("next_attempt_at", "id")
        if ids is not None:
            due = due.filter(pk__in=list(ids))
        if connection.features.has_select_for_update_skip_locked:
            due = due.select_for_update(skip_locked=True)
        picked = list(due.values_list("pk", flat=True)[:limit])
        if not picked:
            return []
        OutboxMessage.objects.filter(pk__in=picked).due(now).update(
            status=Status.SENDING,
            claim=token,
            next_attempt_at=now + LEASE,
            attempts=F("attempts") + 1,
        )
    # Ours are those of the picked rows that now carry our token (by primary key: the
    # claim column has no index).
    return list(
        OutboxMessage.objects.filter(pk__in=picked, claim=token, status=Status.SENDING).order_by(
            "id"
        )
    )


def _record(message, **changes):
    """Record the outcome of our claim, unless another worker has taken the message
    since (our lease ran out): then it is theirs to record."""
    if message.secret and changes.get("status") in (Status.SENT, Status.FAILED):
        changes["text"] = ""
    return OutboxMessage.objects.filter(pk=message.pk, claim=message.claim).update(**changes)


def _sent(message):
    _record(message, status=Status.SENT, sent_at=timezone.now(), last_error="")


def _failed(message, error):
    _record(message, status=Status.FAILED, last_error=error[:ERROR_LENGTH])


def _retry_or_fail(message, error):
    if message.attempts >= settings.APPION_OUTBOX_MAX_ATTEMPTS:
        _failed(message, f"gave up after {message.attempts} attempts: {error}")
        return Status.FAILED
    _record(
        message,
        status=Status.PENDING,
        next_attempt_at=timezone.now() + backoff(message.attempts),
        last_error=error[:ERROR_LENGTH],
    )
    return Status.PENDING


def _describe(error):
    return f"{type(error).__name__}: {error}"


class Courier:
    """Sends claimed messages through one SMTP connection and one SMS backend."""

    def __init__(self):
        self.mail = None
        self.sms = sms.get_backend()

    def send(self, message):
        if message.channel == Channel.SMS:
            self.sms.send(message.address, message.text)
            return
        if self.mail is None:
            self.mail = get_connection()
            self.mail.open()
        email = EmailMultiAlternatives(
            message.subject, message.text, to=[message.address], connection=self.mail
        )
        if message.html:
            email.attach_alternative(message.html, "text/html")
        for attachment in message.attachments:
            email.attach(attachment["filename"], attachment["content"], attachment["mimetype"])
        email.send()

    def reset_mail(self):
        """After a mail error: the next email opens a new connection."""
        if self.mail is not None:
            with contextlib.suppress(OSError, SMTPException):
                self.mail.close()
        self.mail = None

    close = reset_mail


def deliver(messages, *, courier=None, stop=None) -> dict:
    """Send claimed `messages` and record each outcome. Returns counts by outcome:
    sent, retry (pending again), failed. If `stop()` turns true, the rest are handed back
    unsent (pending, their attempt not counted)."""
    own = courier is None
    courier = courier or Courier()
    counts = {"sent": 0, "retry": 0, "failed": 0}
    try:
        for index, message in enumerate(messages):
            if stop is not None and stop():
                release(messages[index:])
                break
            if message.expires_at is not None and message.expires_at <= timezone.now():
                _failed(message, "expired before it could be sent")
                counts["failed"] += 1
                continue
            try:
                courier.send(message)
            except sms.SMSRejected as error:
                _failed(message, _describe(error))
                counts["failed"] += 1
            except Exception as error:
                # A mail server or gateway that is down, or a bad message: try again
                # later; one message never stops the others.
                if message.channel == Channel.EMAIL:
                    courier.reset_mail()
                if not isinstance(error, (sms.SMSUnavailable, OSError, SMTPException)):
                    logger.exception("Message %s could not be sent.", message.pk)
                outcome = _retry_or_fail(message, _describe(error))
                counts["retry" if outcome == Status.PENDING else "failed"] += 1
            else:
                _sent(message)
                counts["sent"] += 1
    finally:
        if own:
            courier.close()
    return counts


def release(messages):
    """Hand claimed messages back unsent (a worker stopping): due again at once, the
    attempt not counted."""
    for message in messages:
        _record(
            message,
            status=Status.PENDING,
            next_attempt_at=timezone.now(),
            attempts=F("attempts") - 1,
        )


def deliver_now(ids):
    """Claim and send the messages `ids` at once if they are due (queue_sms's send_now):
    the worker's claim, so a worker running at the same moment never sends them too. A
    failure is left to the worker's retries; nothing is raised."""
    try:
        deliver(claim(ids=ids, limit=len(ids)))
    except Exception:
        logger.exception("Sending messages %s at once failed; the worker will.", list(ids))


def relax_commits():
    """On PostgreSQL, the worker's own connection commits without waiting for the disk
    (synchronous_commit off, this session only): each recorded outcome is one commit, and
    waiting for a flush on each would make the disk, not the network, the limit. Only a
    crash of PostgreSQL itself can lose the last fraction of a second of records; those
    messages are then sent again once their lease ends: never lost, at worst twice."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SET synchronous_commit TO OFF")


class Worker:
    """`manage.py send_notifications`: claims and sends batches until nothing is due
    (once=True) or until SIGTERM/SIGINT, sleeping `idle_seconds` while idle."""

    def __init__(self, *, batch=100, idle_seconds=5.0, log=None):
        self.batch = batch
        self.idle_seconds = idle_seconds
        self.stopping = False
        self.log = log or (lambda text: None)
        self.totals = {"sent": 0, "retry": 0, "failed": 0}

    def stop(self, *args):
        self.stopping = True

    def run_jobs(self):
        """Run the apps' periodic jobs (APPION_WORKER_JOBS: dotted paths of functions
        without arguments, e.g. releasing unpaid holds and retrying refunds). One that
        fails is logged and the others still run."""
        for path in settings.APPION_WORKER_JOBS:
            try:
                import_string(path)()
            except Exception:
                logger.exception("The worker's job %s failed.", path)
                connection.close()

    def run_once(self) -> dict:
        """Run the periodic jobs, then send everything due now, batch by batch (a
        message that is retried is due later, so this ends)."""
        relax_commits()
        self.run_jobs()
        courier = Courier()
        try:
            while not self.stopping:
                messages = claim(limit=self.batch)
                if not messages:
                    break
                counts = deliver(messages, courier=courier, stop=lambda: self.stopping)
                for outcome, count in counts.items():
                    self.totals[outcome] += count
        finally:
            courier.close()
        return self.totals

    def run_forever(self):
        signal.signal(signal.SIGTERM, self.stop)
        signal.signal(signal.SIGINT, self.stop)
        self.log("Sending notifications; stop with SIGTERM or Ctrl-C.")
        while not self.stopping:
            before = sum(self.totals.values())
            try:
                self.run_once()
            except Exception:
                # The database is away (or a bug): say so, wait, try again with a new
                # connection. The messages stay in the outbox.
                logger.exception("The notification worker could not run a batch.")
                connection.close()
            if sum(self.totals.values()) == before:
                self._sleep(self.idle_seconds)
        self.log("Stopped.")

    def _sleep(self, seconds):
        deadline = time.monotonic() + seconds
        while not self.stopping and time.monotonic() < deadline:
            time.sleep(min(0.2, seconds))
