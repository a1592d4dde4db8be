"""Benchmark: how many messages a second one worker (`send_notifications`) drains from an
outbox of 100,000 on PostgreSQL, with the in-memory backends (locmem), so that what is
measured is the outbox's claims and bookkeeping, not a gateway.

    .venv/bin/python bench/outbox.py

Environment: BENCH_DATABASE_URL (default
postgres://postgres@127.0.0.1:5432/appion_outboxbench; created if missing),
BENCH_MESSAGES (100000), BENCH_BATCH (100, the worker's default). Results are printed and
written to the outbox section of bench/results.md."""

import os
import platform
import re
import sys
import time
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
DATABASE_URL = os.environ.get(
    "BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/appion_outboxbench"
)
MESSAGES = int(os.environ.get("BENCH_MESSAGES", 100_000))
BATCH = int(os.environ.get("BENCH_BATCH", 100))
os.environ.update(
    {
        "DATABASE_URL": DATABASE_URL,
        "SMS_URL": "locmem://",
        "EMAIL_URL": "memorymail://",
        "LOG_LEVEL": "ERROR",
        "DJANGO_SETTINGS_MODULE": "appion.settings",
    }
)
MARKER = "<!-- outbox benchmark (bench/outbox.py) -->"


def create_database():
    import psycopg

    name = DATABASE_URL.rsplit("/", 1)[1]
    server = DATABASE_URL.rsplit("/", 1)[0] + "/postgres"
    with psycopg.connect(server, autocommit=True) as connection:
        exists = connection.execute(
            "SELECT 1 FROM pg_database WHERE datname = %s", [name]
        ).fetchone()
        if not exists:
            connection.execute(f'CREATE DATABASE "{name}"')


def fill(channel):
    from appion.messaging.models import OutboxMessage

    OutboxMessage.objects.all().delete()
    rows = (
        OutboxMessage(
            channel=channel,
            kind="bench",
            address=f"+88017{n:08d}" if channel == "sms" else f"patient{n}@example.com",
            subject="" if channel == "sms" else f"Appointment confirmed, serial {n % 40 + 1}",
            text=f"Appion: Confirmed with Dr. Nasrin Akter, Thu 18 Jun 10:00, serial "
            f"{n % 40 + 1}, Labaid. https://appion.com.bd/a/{n}/",
            language="en",
        )
        for n in range(MESSAGES)
    )
    batch = []
    for row in rows:
        batch.append(row)
        if len(batch) == 5000:
            OutboxMessage.objects.bulk_create(batch)
            batch = []
    OutboxMessage.objects.bulk_create(batch)
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE messaging_outboxmessage")


def drain(channel):
    from django.core import mail

    from appion.messaging import sms
    from appion.messaging.models import OutboxMessage
    from appion.messaging.worker import Worker

    fill(channel)
    sms.outbox.clear()
    mail.outbox = []
    started, cpu = time.perf_counter(), time.process_time()
    totals = Worker(batch=BATCH).run_once()
    seconds = time.perf_counter() - started
    cpu = time.process_time() - cpu
    delivered = len(sms.outbox) if channel == "sms" else len(mail.outbox)
    assert totals == {"sent": MESSAGES, "retry": 0, "failed": 0}, totals
    assert delivered == MESSAGES, delivered
    assert OutboxMessage.objects.filter(status="sent").count() == MESSAGES
    return seconds, cpu, os.getloadavg()[0]


def main():
    create_database()
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    results = {}
    for channel in os.environ.get("BENCH_CHANNELS", "sms,email").split(","):
        seconds, cpu, load = drain(channel)
        results[channel] = (seconds, cpu, load)
        print(
            f"{channel}: {MESSAGES:,} messages in {seconds:.1f} s = {MESSAGES / seconds:,.0f}/s "
            f"(worker CPU {cpu:.1f} s, load average {load:.1f})"
        )

    lines = [
        MARKER,
        "",
        f"## Outbox worker ({date.today():%Y-%m-%d}, {os.cpu_count()} cores, "
        f"PostgreSQL, Python {platform.python_version()})",
        "",
        f"One `send_notifications` worker (batches of {BATCH}) draining an outbox of "
        f"{MESSAGES:,} messages with the locmem backends: each message claimed (`SELECT … FOR "
        "UPDATE SKIP LOCKED` + one UPDATE per batch), handed to the backend and recorded "
        "sent (one UPDATE per message).",
        "",
        "The machine's load average at the end of each run is given: on a shared machine "
        "the figure is what the worker got, not what it needs; the worker's own CPU time "
        "says what one message costs it in Python.",
        "",
        "| channel | messages | seconds | messages/s | worker CPU s | load average |",
        "| --- | ---: | ---: | ---: | ---: | ---: |",
    ]
    for channel, (seconds, cpu, load) in results.items():
        label = "SMS (locmem)" if channel == "sms" else "email (locmem, built as sent)"
        lines.append(
            f"| {label} | {MESSAGES:,} | {seconds:.1f} | {MESSAGES / seconds:,.0f} | "
            f"{cpu:.1f} | {load:.1f} |"
        )
    section = "\n".join(lines) + "\n"
    path = ROOT / "bench" / "results.md"
    text = path.read_text() if path.exists() else ""
    text = re.split(re.escape(MARKER), text)[0].rstrip("\n")
    path.write_text((text + "\n\n" if text else "") + section)
    print(f"written to {path}")


if __name__ == "__main__":
    main()
