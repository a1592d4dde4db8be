"""Gunicorn's access log (gunicorn.conf.py) keeps one line per request: a path with
encoded or raw control characters cannot forge a line or reach the operator's terminal."""

import logging
import socket
from urllib.parse import quote

import pytest

from accounts.services import new_calendar_feed
from accounts.tests.factories import PatientFactory
from appion.access_log import escape_for_log
from appion.log_redaction import RedactPathSecrets, redact_paths
from appion.tests.servers import Visitor, gunicorn, manage, production_env

FORGED = 'FORGED 127.0.0.1 [01/Jan/2026:00:00:00 +0600] "GET /admin/ HTTP/1.1" 200 0 1ms "-"'


def send_raw(port, head):
    """Send a request head as raw bytes (http.client refuses control characters);
    return the answer's status line."""
    with socket.create_connection(("127.0.0.1", port), timeout=30) as sock:
        sock.sendall(head + b"\r\n\r\n")
        answer = b""
        while chunk := sock.recv(65536):
            answer += chunk
    return answer.split(b"\r\n", 1)[0]


@pytest.mark.django_db
def test_control_characters_in_the_path_cannot_forge_an_access_log_line(tmp_path):
    env = production_env(STATIC_ROOT=tmp_path / "static")
    assert manage("collectstatic", "--noinput", "-v", "0", env=env).returncode == 0
    forged = quote(FORGED, safe="")
    paths = {
        f"/doctors/%0a{forged}": "/doctors/\\x0aFORGED",
        f"/doctors/%0d%0a{forged}": "/doctors/\\x0d\\x0aFORGED",
        f"/doctors/%0d{forged}": "/doctors/\\x0dFORGED",
        f"/doctors/%1b[2K%1b[1G{forged}": "/doctors/\\x1b[2K\\x1b[1GFORGED",
        f"/doctors/%e2%80%a8{forged}": "/doctors/\\u2028FORGED",  # a Unicode line separator
        f"/doctors/%c2%85{forged}": "/doctors/\\x85FORGED",  # NEL, a line break to Python
        f"/doctors/%5c%22%0a{forged}": '/doctors/\\\\\\"\\x0aFORGED',  # backslash, quote
        "/doctors/%E0%A6%A1%E0%A6%BE%E0%A6%95/": "/doctors/ডাক/",  # Bengali stays readable
    }
    log_path = tmp_path / "gunicorn.log"
    with gunicorn(env, log_path) as port:
        for path in paths:
            assert Visitor(port).get(path).status == 404
        # Raw control bytes in the request line or a header: gunicorn's parser refuses
        # them (it logs the refusal with repr()); were one let through, it is escaped.
        raw_path = send_raw(port, b"GET /doctors/\x1b[2K\x1b[1GFORGED HTTP/1.1\r\nHost: x")
        raw_agent = send_raw(
            port,
            b"GET /doctors/agent HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Forwarded-Proto: https\r\n"
            b"User-Agent: a\x1b[2K\rFORGED",
        )

    log = log_path.read_text(encoding="utf-8")
    # One access-log line per request, each of them whole.
    access_lines = [line for line in log.splitlines() if '"GET /doctors/' in line]
    expected = len(paths) + (raw_path != b"HTTP/1.1 400 Bad Request")
    expected += raw_agent != b"HTTP/1.1 400 Bad Request"
    assert len(access_lines) == expected, log
    for line in access_lines:
        assert line.startswith("127.0.0.1 ["), line
        assert " 404 " in line, line
    for logged in paths.values():
        assert sum(f'"GET {logged}' in line for line in access_lines) == 1, (logged, log)
    # Nothing forged starts a line, in any viewer's idea of a line, and no escape
    # sequence reaches a terminal.
    for line in log.splitlines():
        assert not line.startswith("FORGED"), line
    assert "\x1b" not in log
    assert "\r" not in log


def test_escape_for_log_leaves_one_printable_line():
    assert escape_for_log("/a\nb\r\x00\x1b\x7f") == "/a\\x0ab\\x0d\\x00\\x1b\\x7f"
    assert escape_for_log("/\\x0a") == "/\\\\x0a"  # a typed escape is not mistaken for ours
    assert escape_for_log("/\u202e\ufeff") == "/\\u202e\\ufeff"  # bidi override, BOM
    # Gunicorn hands over bytes as Latin-1: UTF-8 is read back, other bytes are escaped.
    assert escape_for_log("/\xe0\xa6\x95\xff\xc2\x85") == "/\u0995\\xff\\x85"
    assert escape_for_log("Mozilla/5.0 (X11; Linux x86_64)") == "Mozilla/5.0 (X11; Linux x86_64)"


@pytest.mark.django_db(transaction=True)
def test_a_calendar_feeds_secret_never_reaches_the_logs(tmp_path):
    patient = PatientFactory()
    replaced = new_calendar_feed(user=patient).secret
    current = new_calendar_feed(user=patient).secret
    env = production_env(STATIC_ROOT=tmp_path / "static")
    assert manage("collectstatic", "--noinput", "-v", "0", env=env).returncode == 0
    log_path = tmp_path / "gunicorn.log"

    with gunicorn(env, log_path) as port:
        assert Visitor(port).get(f"/calendar/{current}.ics").status == 200
        assert Visitor(port).get(f"/calendar/{replaced}.ics").status == 404

    log = log_path.read_text(encoding="utf-8")
    assert current not in log and replaced not in log
    assert current[:12] not in log and replaced[:12] not in log
    assert log.count('"GET /calendar/[secret].ics HTTP/1.1" 200') == 1, log
    assert log.count('"GET /calendar/[secret].ics HTTP/1.1" 404') == 1, log
    assert "Not Found: /calendar/[secret].ics" in log


def test_redact_paths_hides_only_the_feeds_secret():
    assert (
        redact_paths("GET /calendar/AbC-_12.ics HTTP/1.1") == "GET /calendar/[secret].ics HTTP/1.1"
    )
    assert redact_paths("/calendar/x.ics /calendar/y.ics") == (
        "/calendar/[secret].ics /calendar/[secret].ics"
    )
    assert redact_paths("/doctors/12/") == "/doctors/12/"
    assert redact_paths("/calendar/") == "/calendar/"


def test_django_request_records_lose_the_secret_and_the_request(rf):
    request = rf.get("/calendar/TopSecret123.ics")
    record = logging.LogRecord(
        "django.request", logging.WARNING, __file__, 1, "Not Found: %s", (request.path,), None
    )
    record.request = request

    assert RedactPathSecrets().filter(record)

    assert record.getMessage() == "Not Found: /calendar/[secret].ics"
    assert record.request is None
