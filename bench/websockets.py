"""Benchmark: one uvicorn process (as deploy/appion-uvicorn.service runs it) holds N
WebSocket connections to a chamber's waiting-room screen (/ws/screen/<id>/) with the
Redis channel layer; this process then announces "call next" (scheduling.live.
queue_changed, as the queue's services do after their commit) R times and measures, for
each announcement, when each socket hears it. Also the server's memory per connection
(its RSS after the connections, less before, over N). Not a timed test: run it by hand.

    .venv/bin/python bench/websockets.py            # 1,000 connections, 20 calls
    BENCH_SOCKETS=2000 .venv/bin/python bench/websockets.py

Environment: BENCH_DATABASE_URL (default postgres://postgres@127.0.0.1:5432/appion_bench;
migrated, one demo doctor added if missing), BENCH_CHANNEL_LAYERS_URL (default
redis://127.0.0.1:6379/4, flushed first), BENCH_SOCKETS (1000), BENCH_CALLS (20).
The clients run in this process, on the same 2 cores as the server: their own work is
inside the times measured. Results are printed and written to bench/results.md, between
the markers of their section."""

import asyncio
import os
import re
import shlex
import socket
import statistics
import subprocess
import sys
import time
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# This file's own folder comes first on the path, where this file would hide the
# `websockets` library that it uses: take it off, and put the project on.
sys.path[:] = [str(ROOT)] + [
    entry for entry in sys.path if Path(entry or ".").resolve() != ROOT / "bench"
]
DATABASE_URL = os.environ.get(
    "BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/appion_bench"
)
CHANNEL_LAYERS_URL = os.environ.get("BENCH_CHANNEL_LAYERS_URL", "redis://127.0.0.1:6379/4")
SOCKETS = int(os.environ.get("BENCH_SOCKETS", 1000))
CALLS = int(os.environ.get("BENCH_CALLS", 20))
ENV = {
    **os.environ,
    "DJANGO_SETTINGS_MODULE": "appion.settings",
    "DATABASE_URL": DATABASE_URL,
    "CHANNEL_LAYERS_URL": CHANNEL_LAYERS_URL,
    "DEBUG": "0",
    "SECRET_KEY": "benchmark-only-secret-key-not-for-production-0123456789",
    "ALLOWED_HOSTS": "127.0.0.1",
    "LOG_LEVEL": "ERROR",
}
os.environ.update(ENV)
ORIGIN = "http://127.0.0.1"
BEGIN, END = "<!-- websockets: bench/websockets.py -->", "<!-- /websockets -->"


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def cpu_seconds(pid):
    """User and system CPU time of process `pid` so far."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def rss_kib(pid):
    status = Path(f"/proc/{pid}/status").read_text()
    return int(re.search(r"VmRSS:\s+(\d+) kB", status)[1])


def prepare():
    """Migrate the benchmark database and find (or make) a listed doctor's chamber."""
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    call_command("seed_locations", verbosity=0)
    from scheduling.models import Chamber

    chamber = Chamber.objects.filter(
        doctor__verified_at__isnull=False, doctor__user__is_active=True
    ).first()
    if chamber is None:
        call_command(
            "seed_demo", "--once", "--doctors", "1", "--patients", "1", "--appointments", "1"
        )
        chamber = Chamber.objects.filter(doctor__verified_at__isnull=False).first()
    return chamber.pk


def start_server(port):
    """uvicorn with the options and environment of deploy/appion-uvicorn.service, on
    `port`."""
    unit = (ROOT / "deploy" / "appion-uvicorn.service").read_text().replace("\\\n", " ")
    command = next(line for line in unit.splitlines() if line.startswith("ExecStart="))
    environment = dict(
        word.split("=", 1)
        for line in unit.splitlines()
        if line.startswith("Environment=")
        for word in shlex.split(line.removeprefix("Environment="))
    )
    _program, app, *options = shlex.split(command.removeprefix("ExecStart="))
    kept = []
    while options:
        option = options.pop(0)
        if option in ("--host", "--port"):
            options.pop(0)
        else:
            kept.append(option)
    server = subprocess.Popen(
        [sys.executable, "-m", "uvicorn", app, "--host", "127.0.0.1", "--port", str(port), *kept],
        cwd=ROOT,
        env={**ENV, **environment},
    )
    deadline = time.monotonic() + 30
    while True:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return server
        except OSError:
            if time.monotonic() > deadline or server.poll() is not None:
                server.kill()
                raise SystemExit("uvicorn did not start") from None
            time.sleep(0.1)


async def run(port, chamber_id, server_pid):
    from websockets.asyncio.client import connect

    from scheduling import live

    url = f"ws://127.0.0.1:{port}/ws/screen/{chamber_id}/"
    arrivals = [[] for _ in range(CALLS)]
    heard = [asyncio.Event() for _ in range(CALLS)]
    counts = [0] * CALLS

    async def listen(websocket):
        for call in range(CALLS):
            await websocket.recv()
            arrivals[call].append(time.monotonic())
            counts[call] += 1
            if counts[call] == SOCKETS:
                heard[call].set()

    # Connect in batches, as pages would arrive, without a thundering herd.
    connecting = time.monotonic()
    sockets = []
    limit = asyncio.Semaphore(50)

    async def open_one():
        async with limit:
            sockets.append(await connect(url, origin=ORIGIN, open_timeout=60, max_queue=4))

    await asyncio.gather(*(open_one() for _ in range(SOCKETS)))
    connected_in = time.monotonic() - connecting
    listeners = [asyncio.create_task(listen(websocket)) for websocket in sockets]
    await asyncio.sleep(1)
    rss_connected = rss_kib(server_pid)

    sent = []
    server_cpu, own_cpu = cpu_seconds(server_pid), time.process_time()
    from appion import clinic_calendar

    day = clinic_calendar.today()
    for call in range(CALLS):
        started = time.monotonic()
        sent.append(started)
        # As a queue service would, after its commit: from a thread (a worker's view).
        await asyncio.to_thread(live.queue_changed, chamber_id=chamber_id, day=day)
        try:
            await asyncio.wait_for(heard[call].wait(), timeout=30)
        except TimeoutError:
            print(f"call {call}: only {counts[call]} of {SOCKETS} sockets heard it in 30 s")
        await asyncio.sleep(0.3)

    server_cpu = cpu_seconds(server_pid) - server_cpu
    own_cpu = time.process_time() - own_cpu
    for task in listeners:
        task.cancel()
    await asyncio.gather(*(websocket.close() for websocket in sockets), return_exceptions=True)
    latencies = [
        (arrival - sent[call]) * 1000 for call in range(CALLS) for arrival in arrivals[call]
    ]
    whole = [(max(arrivals[call]) - sent[call]) * 1000 for call in range(CALLS) if arrivals[call]]
    cpu = {"server": server_cpu * 1000 / CALLS, "clients": own_cpu * 1000 / CALLS}
    return connected_in, latencies, whole, sum(counts), rss_connected, cpu


def percentile(values, fraction):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


def main():
    import redis

    redis.Redis.from_url(CHANNEL_LAYERS_URL).flushdb()
    chamber_id = prepare()
    port = free_port()
    server = start_server(port)
    try:
        time.sleep(1)
        started_rss = rss_kib(server.pid)

        async def measure():
            from websockets.asyncio.client import connect

            # One socket first, so that what the first connection loads is not counted.
            url = f"ws://127.0.0.1:{port}/ws/screen/{chamber_id}/"
            async with connect(url, origin=ORIGIN):
                await asyncio.sleep(0.5)
            await asyncio.sleep(0.5)
            return rss_kib(server.pid), await run(port, chamber_id, server.pid)

        load = os.getloadavg()[0]
        before, (connected_in, latencies, whole, delivered, connected_rss, cpu) = asyncio.run(
            measure()
        )
        load = max(load, os.getloadavg()[0])
    finally:
        server.terminate()
        server.wait(timeout=20)

    per_connection = (connected_rss - before) / SOCKETS
    lines = [
        BEGIN,
        "## WebSockets: one announcement to 1,000 sockets"
        if SOCKETS == 1000
        else f"## WebSockets: one announcement to {SOCKETS:,} sockets",
        "",
        f"Measured {date.today().isoformat()} on {os.cpu_count()} cores by `bench/websockets.py`: "
        f"one uvicorn process (deploy/appion-uvicorn.service's options), the Redis channel "
        f"layer, {SOCKETS:,} sockets on a chamber's screen (`/ws/screen/<id>/`), {CALLS} "
        '"call next" announcements (`scheduling.live.queue_changed`) published from another '
        "process's thread; the clients run in the benchmark's process on the same cores.",
        "",
        "| measure | value |",
        "| --- | ---: |",
        f"| sockets connected (50 at a time) | {SOCKETS:,} in {connected_in:.1f} s |",
        f"| frames delivered | {delivered:,} of {SOCKETS * CALLS:,} |",
        f"| publish → a socket hears it, p50 | {percentile(latencies, 0.50):.0f} ms |",
        f"| publish → a socket hears it, p99 | {percentile(latencies, 0.99):.0f} ms |",
        f"| publish → a socket hears it, max | {max(latencies):.0f} ms |",
        f"| publish → the last of {SOCKETS:,} hears it, median of {CALLS} | "
        f"{statistics.median(whole):.0f} ms |",
        f"| server RSS before → with {SOCKETS:,} sockets | "
        f"{before / 1024:.1f} MiB → {connected_rss / 1024:.1f} MiB (just started: "
        f"{started_rss / 1024:.1f} MiB) |",
        f"| memory per connection | {per_connection:.1f} KiB |",
        f"| CPU per announcement: the server, the {SOCKETS:,} clients | "
        f"{cpu['server']:.0f} ms, {cpu['clients']:.0f} ms |",
        f"| load average (1 min) around the run, on {os.cpu_count()} cores | {load:.1f} |",
        END,
    ]
    text = "\n".join(lines)
    print(text)
    results = ROOT / "bench" / "results.md"
    existing = results.read_text() if results.exists() else ""
    if BEGIN in existing:
        head, rest = existing.split(BEGIN, 1)
        existing = head.rstrip("\n") + rest.split(END, 1)[1]
    results.write_text(existing.rstrip("\n") + "\n\n" + text + "\n")


if __name__ == "__main__":
    main()
