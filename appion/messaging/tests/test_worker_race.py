"""Workers racing over one outbox on PostgreSQL, each on its own thread and connection:
every message is delivered exactly once (SELECT … FOR UPDATE SKIP LOCKED claims)."""

import threading
import time
from collections import Counter

import pytest
from django.db import connection, connections

from appion.messaging import sms
from appion.messaging.models import OutboxMessage
from appion.messaging.worker import Worker

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        connection.vendor != "postgresql", reason="races need PostgreSQL's row locks"
    ),
]

MESSAGES = 400
WORKERS = 4


def test_racing_workers_deliver_each_message_exactly_once(monkeypatch):
    OutboxMessage.objects.bulk_create(
        OutboxMessage(channel="sms", kind="race", address=f"+88017{n:08d}", text=f"message {n}")
        for n in range(MESSAGES)
    )
    send = sms.LocmemBackend.send

    def slow_send(self, number, text):
        time.sleep(0.001)  # keep every worker busy at the same time
        return send(self, number, text)

    monkeypatch.setattr(sms.LocmemBackend, "send", slow_send)
    barrier = threading.Barrier(WORKERS)
    totals, errors = [], []

    def work():
        try:
            barrier.wait(timeout=10)
            totals.append(Worker(batch=10).run_once())
        except Exception as error:  # reported below
            errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=work) for _ in range(WORKERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)

    assert errors == []
    sent = Counter(text for _number, text in sms.outbox)
    assert len(sent) == MESSAGES
    assert set(sent.values()) == {1}
    assert sum(total["sent"] for total in totals) == MESSAGES
    # Each worker did part of the work: it was a race, not a queue.
    assert all(total["sent"] > 0 for total in totals)
    assert set(OutboxMessage.objects.values_list("status", "attempts")) == {("sent", 1)}
