"""Benchmark: seed benchmark-sized data on PostgreSQL, serve it with gunicorn (2 workers)
and measure throughput and latency with wrk, each page (and the API's public reads and a
patient's appointment list) as a ratio of /healthz; then each one's CPU time in the app's
process, which other work on the machine disturbs less.

    make bench                      # or: .venv/bin/python bench/run.py
    BENCH_DURATION=20 make bench    # longer runs

Environment: BENCH_DATABASE_URL (default postgres://postgres@127.0.0.1:5432/appion_bench),
BENCH_DOCTORS (2000), BENCH_PATIENTS (50000), BENCH_APPOINTMENTS (1000000),
BENCH_DURATION seconds per page (10), BENCH_CONNECTIONS (16). Results are printed and
written to bench/results.md."""

import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time
import urllib.request
from datetime import date, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PY = sys.executable
DATABASE_URL = os.environ.get(
    "BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/appion_bench"
)
DOCTORS = int(os.environ.get("BENCH_DOCTORS", 2000))
PATIENTS = int(os.environ.get("BENCH_PATIENTS", 50000))
APPOINTMENTS = int(os.environ.get("BENCH_APPOINTMENTS", 1000000))
DURATION = int(os.environ.get("BENCH_DURATION", 10))
CONNECTIONS = int(os.environ.get("BENCH_CONNECTIONS", 16))
PORT = 8100
ENV = {
    **os.environ,
    "DATABASE_URL": DATABASE_URL,
    "DEBUG": "0",
    "SECRET_KEY": "benchmark-only-secret-key-not-for-production-0123456789",
    "SECURE_SSL_REDIRECT": "0",
    "SESSION_COOKIE_SECURE": "0",
    "CSRF_COOKIE_SECURE": "0",
    "SECURE_HSTS_SECONDS": "0",
    "STATIC_MANIFEST": "0",
    "LOG_LEVEL": "ERROR",
    "GUNICORN_ACCESS_LOG": "",
    # A cache shared by the workers, as in production with several app servers.
    "CACHE_URL": os.environ.get("BENCH_CACHE_URL", "rediscache://127.0.0.1:6379/3"),
}
MODES = {
    "with the page and slot caches (30 s)": {},
    "uncached": {"APPION_PAGE_CACHE_SECONDS": "0", "APPION_SLOTS_CACHE_SECONDS": "0"},
}


def manage(*args, capture=False):
    return subprocess.run(
        [PY, "manage.py", *args],
        cwd=ROOT,
        env=ENV,
        check=True,
        text=True,
        capture_output=capture,
    ).stdout


def ensure_database():
    """The benchmark's database; with BENCH_FRESH=1 dropped first, so that the seeding is
    measured too."""
    name = DATABASE_URL.rsplit("/", 1)[1]
    server = DATABASE_URL.rsplit("/", 1)[0] + "/postgres"
    import psycopg

    with psycopg.connect(server, autocommit=True) as conn:
        if os.environ.get("BENCH_FRESH") == "1":
            conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
        if not exists:
            conn.execute(f'CREATE DATABASE "{name}"')


def sql(query):
    import psycopg

    with psycopg.connect(DATABASE_URL) as conn:
        return conn.execute(query).fetchone()


def seed():
    manage("migrate", "--noinput", "-v", "0")
    manage("seed_locations")
    doctors, appointments = sql(
        "SELECT (SELECT count(*) FROM accounts_doctorprofile),"
        " (SELECT count(*) FROM scheduling_appointment)"
    )
    if doctors >= DOCTORS and appointments >= APPOINTMENTS:
        print(f"Data present: {doctors} doctors, {appointments} appointments.")
        return None
    started = time.monotonic()
    output = manage(
        "seed_demo",
        "--doctors",
        str(max(DOCTORS - doctors, 0)),
        "--patients",
        str(PATIENTS),
        "--appointments",
        str(max(APPOINTMENTS - appointments, 0)),
        capture=True,
    )
    print(output.strip())
    return time.monotonic() - started, output.strip()


def analyse():
    """Fresh planner statistics for every table, as autovacuum would have gathered by now
    (it may be off on a test server; seed_demo analyses only the tables it bulk-loads)."""
    import psycopg

    with psycopg.connect(DATABASE_URL, autocommit=True) as conn:
        conn.execute("ANALYZE")


def wrk(url, headers=(), connections=CONNECTIONS):
    command = ["wrk", "-t2", f"-c{connections}", f"-d{DURATION}s", "--latency"]
    for header in headers:
        command += ["-H", header]
    output = subprocess.run([*command, url], check=True, text=True, capture_output=True).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", output)[1])
    latency = dict(re.findall(r"^\s+(50|99)%\s+([\d.]+\w+)", output, re.MULTILINE))
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    return rps, latency.get("50"), latency.get("99"), int(errors[1]) if errors else 0


def main():
    if not shutil.which("wrk"):
        sys.exit("wrk is needed: apt-get install -y wrk")
    ensure_database()
    seeded = seed()
    analyse()
    # As cron would: the directory's order comes from the stored next free slots, and
    # the reports' daily roll-ups are current.
    print(manage("refresh_next_free", capture=True).strip())
    print(manage("summarise_reports", capture=True).strip())
    staff = ("Cookie: sessionid=" + session_of("admin@appion.test"),)
    signed_in = ("Cookie: sessionid=" + session_of("patient@appion.test"),)
    patient = ("Authorization: Bearer " + access_token("patient@appion.test"),)
    doctor_id = sql(
        "SELECT d.id FROM accounts_doctorprofile d"
        " JOIN scheduling_appointment a ON a.doctor_id = d.id"
        " WHERE d.verified_at IS NOT NULL GROUP BY d.id ORDER BY count(*) DESC LIMIT 1"
    )[0]
    # The specialization and thana with the most listed doctors between them.
    specialization, thana = sql(
        "SELECT d.specialization_id, c.thana_id FROM accounts_doctorprofile d"
        " JOIN scheduling_chamber c ON c.doctor_id = d.id WHERE d.verified_at IS NOT NULL"
        " AND c.thana_id IS NOT NULL GROUP BY 1, 2 ORDER BY count(*) DESC, 1, 2 LIMIT 1"
    )
    day = date.today() + timedelta(days=1)
    searched = f"specialization={specialization}&thana={thana}&date={day}&sort=fee"
    year = f"start_date={date.today() - timedelta(days=364)}&end_date={date.today()}"
    pages = [
        ("/healthz", "/healthz", ()),
        ("slots partial", f"/doctors/{doctor_id}/slots/?date={day}", ("HX-Request: true",)),
        ("doctor page", f"/doctors/{doctor_id}/", ()),
        ("directory", "/doctors/", ()),
        ("directory, filtered", "/doctors/?specialization=2&sort=fee", ()),
        ("directory, specialization + thana + date, by fee", f"/doctors/?{searched}", ()),
        ("directory, a signed-in patient", "/doctors/", signed_in),
        ("API: slots", f"/api/v1/doctors/{doctor_id}/slots?date={day}", ()),
        ("API: directory", "/api/v1/doctors", ()),
        ("API: directory, filtered", "/api/v1/doctors?specialization=2&sort=fee", ()),
        (
            "API: directory, specialization + thana + date, by fee",
            f"/api/v1/doctors?{searched}",
            (),
        ),
        ("API: a patient's appointments (bearer token)", "/api/v1/appointments/", patient),
        ("reports overview, one year", f"/reports/?{year}", staff),
        ("busiest doctor's report, one year", f"/reports/doctor/{doctor_id}/?{year}", staff),
    ]
    report = [
        f"Measured {date.today()} on {os.cpu_count()} cores: gunicorn 2 workers, PostgreSQL, "
        f"Redis cache, wrk 2 threads × {CONNECTIONS} connections × {DURATION} s per page.",
    ]
    load_at_start = os.getloadavg()[0]
    measured = {}
    for mode, overrides in MODES.items():
        measured[mode] = results = measure(pages, {**ENV, **overrides})
        report += ["", f"**{mode}**", "", *table(results)]
    report += ["", *goals_table(measured["uncached"], seeded)]
    report += ["", *cpu_report(pages)]
    report += [
        "",
        f"Load average (1 min) at the start and at the end: {load_at_start:.1f}, "
        f"{os.getloadavg()[0]:.1f}. Other work on the machine lowers requests/s, and "
        "unevenly over the pages: with a load much above the cores' number the shares "
        "are unreliable.",
    ]
    report += [
        "",
        "Goals, with the caches: slots (the partial and the API's) at least 40 % of /healthz,"
        " the directory (the page and the API's) at least 20 %.",
        "",
        *report_after_a_change(),
    ]
    if seeded:
        report += ["", f"Seeding: {seeded[1]} ({seeded[0]:.0f} s in all)"]
    text = "\n".join(report)
    print(text)
    path = ROOT / "bench" / "results.md"
    # Keep the outbox benchmark's section (bench/outbox.py writes it).
    marker = "<!-- outbox benchmark (bench/outbox.py) -->"
    kept = path.read_text().partition(marker) if path.exists() else ("", "", "")
    path.write_text(text + "\n" + (f"\n{marker}{kept[2]}" if kept[1] else ""))


def session_of(email):
    """A logged-in session of the demo user `email` (the administrator for the report
    pages, the patient for the directory as a signed-in patient sees it)."""
    code = (
        "from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY;"
        "from django.contrib.sessions.backends.db import SessionStore;"
        "from accounts.models import User;"
        f"u = User.objects.get(email={email!r});"
        "s = SessionStore();"
        "s[SESSION_KEY] = str(u.pk);"
        "s[BACKEND_SESSION_KEY] = 'accounts.backends.EmailBackend';"
        "s[HASH_SESSION_KEY] = u.get_session_auth_hash();"
        "s.create();"
        "print(s.session_key)"
    )
    return manage("shell", "-c", code, capture=True).strip().splitlines()[-1]


def access_token(email):
    """An API access token of the demo user `email` (it lives ACCESS_TOKEN_EXPIRE_MINUTES,
    longer than the measurements)."""
    code = (
        "from accounts import tokens;"
        "from accounts.models import User;"
        f"print(tokens.issue(User.objects.get(email={email!r}))[0])"
    )
    return manage("shell", "-c", code, capture=True).strip().splitlines()[-1]


def report_after_a_change():
    """The overview's cost when a day of its range changed since the last view (a
    booking or a status change marks that day for recomputing): in process, 20 runs."""
    code = """
import statistics, time
from datetime import timedelta
from django.utils import timezone
from reports.models import ReportDay
from reports.selectors import DateRange, overview
today = timezone.localdate()
rng = DateRange(today - timedelta(days=364), today)
overview(rng)
runs = []
for _ in range(20):
    ReportDay.objects.filter(day=today).update(dirty=True)
    started = time.perf_counter()
    overview(rng)
    runs.append((time.perf_counter() - started) * 1000)
runs.sort()
print(f"{statistics.median(runs):.0f} {runs[-1]:.0f}")
"""
    p50, worst = manage("shell", "-c", code, capture=True).split()[-2:]
    return [
        "Overview of one year right after a change to today's appointments (today's "
        f"figures recomputed first), in process, 20 runs: p50 {p50} ms, max {worst} ms."
    ]


CPU_CODE = """
import json, sys, time
from django.test import Client
client = Client()
out = []
for label, path, headers in json.loads(sys.stdin.readline()):
    fields = (h.split(": ", 1) for h in headers)
    meta = {"HTTP_" + name.upper().replace("-", "_"): value for name, value in fields}
    for _ in range(3):
        assert client.get(path, **meta).status_code == 200, path  # and warm the caches
    n = 20 if path.startswith("/reports/") else 200
    cpu, wall = time.process_time(), time.perf_counter()
    for _ in range(n):
        client.get(path, **meta)
    cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
    out.append((label, cpu / n * 1000, wall / n * 1000))
print(json.dumps(out))
"""


def cpu_report(pages):
    """Each page's cost in the app's own process, one request at a time through Django's
    test client: its CPU time, which other work on the machine hardly changes (unlike
    requests/s), as a multiple of /healthz's. The database's and Redis's own time are
    not in it (in the wall time they are)."""
    lines = [
        "**CPU time per request in the app's process** (one request at a time through the "
        "test client, no HTTP server; the database's and Redis's own work is in the wall "
        "time only; less disturbed by other load on the machine than requests/s)",
        "",
        "| page | cached: CPU ms | × /healthz | wall ms "
        "| uncached: CPU ms | × /healthz | wall ms |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    costs = []
    for overrides in MODES.values():
        subprocess.run(["redis-cli", "-n", "3", "flushdb"], check=False, capture_output=True)
        output = subprocess.run(
            [PY, "manage.py", "shell", "-c", CPU_CODE],
            cwd=ROOT,
            env={**ENV, **overrides, "ALLOWED_HOSTS": "testserver"},
            input=json.dumps(pages) + "\n",
            check=True,
            text=True,
            capture_output=True,
        ).stdout
        costs.append(json.loads(output.strip().splitlines()[-1]))
    cached, uncached = costs
    for (label, cpu, wall), (_label, cpu_off, wall_off) in zip(cached, uncached, strict=True):
        lines.append(
            f"| {label} | {cpu:.1f} | {cpu / cached[0][1]:.1f} | {wall:.1f} "
            f"| {cpu_off:.1f} | {cpu_off / uncached[0][1]:.1f} | {wall_off:.1f} |"
        )
    return lines


def measure(pages, env):
    subprocess.run(["redis-cli", "-n", "3", "flushdb"], check=False, capture_output=True)
    server = subprocess.Popen(
        [
            PY,
            "-m",
            "gunicorn",
            "appion.wsgi",
            "--workers",
            "2",
            "--bind",
            f"127.0.0.1:{PORT}",
            "--log-level",
            "warning",
            # The repo's gunicorn.conf.py, minus the access log and the worker recycling
            # (every 2,000 requests), which would measure themselves.
            "--max-requests",
            "0",
        ],
        cwd=ROOT,
        env=env,
    )
    base = f"http://127.0.0.1:{PORT}"
    results = []
    try:
        for _ in range(50):
            try:
                urllib.request.urlopen(base + "/healthz", timeout=1)
                break
            except OSError:
                time.sleep(0.2)
        for label, path, headers in pages:
            request = urllib.request.Request(
                base + path, headers=dict(h.split(": ") for h in headers)
            )
            urllib.request.urlopen(request)  # warm up
            # Staff reports are not a crowd's page: one request at a time per worker, so
            # that p50 is the time one report takes rather than a queue's.
            connections = 2 if path.startswith("/reports/") else CONNECTIONS
            results.append((label, path, *wrk(base + path, headers, connections)))
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait()
    return results


# Issue 19's goals without the caches: shares of /healthz's requests/s in the same run.
SHARE_GOALS = {
    "slots partial": 0.30,
    "doctor page": 0.25,
    "directory": 0.15,
    "directory, specialization + thana + date, by fee": 0.15,
    "directory, a signed-in patient": 0.15,
}
OVERVIEW_P50_GOAL_MS = 50
SEED_GOAL_SECONDS = 60


def goals_table(uncached, seeded):
    """The uncached figures against their goals (the seed's only when this run seeded)."""
    ceiling = uncached[0][2]
    lines = [
        "**Goals without the caches**",
        "",
        "| measure | goal | measured | met |",
        "| --- | ---: | ---: | --- |",
    ]
    for label, _path, rps, p50, _p99, _errors in uncached:
        if label in SHARE_GOALS:
            share = rps / ceiling
            goal = SHARE_GOALS[label]
            lines.append(
                f"| {label}: share of /healthz | ≥ {goal:.0%} | {share:.1%} "
                f"| {'yes' if share >= goal else 'no'} |"
            )
        if label == "reports overview, one year":
            ms = _milliseconds(p50)
            lines.append(
                f"| {label}: p50 | ≤ {OVERVIEW_P50_GOAL_MS} ms | {p50} "
                f"| {'yes' if ms <= OVERVIEW_P50_GOAL_MS else 'no'} |"
            )
    if seeded:
        seconds = seeded[0]
        lines.append(
            f"| seed_demo, {APPOINTMENTS:,} appointments | ≤ {SEED_GOAL_SECONDS} s "
            f"| {seconds:.0f} s | {'yes' if seconds <= SEED_GOAL_SECONDS else 'no'} |"
        )
    return lines


def _milliseconds(latency):
    """wrk's latency ("76.12ms", "1.02s", "950.00us") in milliseconds."""
    number, unit = re.fullmatch(r"([\d.]+)(\w+)", latency).groups()
    return float(number) * {"us": 0.001, "ms": 1, "s": 1000, "m": 60000}[unit]


def table(results):
    ceiling = results[0][2]
    lines = [
        "| page | requests/s | p50 | p99 | share of /healthz | errors |",
        "| --- | ---: | ---: | ---: | ---: | ---: |",
    ]
    for label, _path, rps, p50, p99, errors in results:
        lines.append(f"| {label} | {rps:,.0f} | {p50} | {p99} | {rps / ceiling:.0%} | {errors} |")
    return lines


if __name__ == "__main__":
    main()
