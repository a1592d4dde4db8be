"""Run Appion as deployed, for the tests: `manage.py` and gunicorn (with the repository's
gunicorn.conf.py) in subprocesses with production settings, against the test database;
and a small HTTP visitor that talks to them as the reverse proxy would pass it on."""

import http.client
import os
import socket
import subprocess
import sys
import time
from contextlib import contextmanager
from dataclasses import dataclass
from http.cookies import SimpleCookie
from pathlib import Path
from urllib.parse import quote, urlencode

from django.conf import settings
from django.db import connection

from appion.tests import clock

BASE_DIR = Path(settings.BASE_DIR)
SECRET_KEY = "x9-Tq4vLw0pZ-appion-deploy-test-8mJ2rN5sK7dF3hG6yB1cV4xE0uQ9wA2zS5tR8"


def database_url():
    """The database that pytest-django made, as a DATABASE_URL for another process."""
    db = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{db['NAME']}"
    user = quote(db["USER"] or "", safe="")
    password = quote(db["PASSWORD"] or "", safe="")
    return f"postgres://{user}:{password}@{db['HOST']}:{db['PORT'] or 5432}/{db['NAME']}"


def production_env(**overrides):
    """The environment of a production server: DEBUG off, a real secret key, the host
    names, HTTPS behind a proxy; nothing of the test run's own settings."""
    env = {name: os.environ[name] for name in ("PATH", "HOME", "LANG") if name in os.environ}
    env.update(
        DJANGO_SETTINGS_MODULE="appion.settings",
        DEBUG="0",
        SECRET_KEY=SECRET_KEY,
        ALLOWED_HOSTS="appion.example.com,127.0.0.1",
        CSRF_TRUSTED_ORIGINS="https://appion.example.com",
        DATABASE_URL=database_url(),
        CACHE_URL="locmemcache://appion",
        PYTHONDONTWRITEBYTECODE="1",
        # The server runs at the test run's moved clock (appion/tests/clock.py).
        APPION_TEST_NOW=clock.environ_now(),
    )
    env.update({name: str(value) for name, value in overrides.items()})
    return env


def manage(*args, env):
    return subprocess.run(
        [sys.executable, "-m", "appion.tests.clock", "manage.py", *args],
        cwd=BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=180,
    )


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextmanager
def gunicorn(env, log_path):
    """Start `gunicorn -c gunicorn.conf.py` on a free port; yield the port once /healthz
    answers; stop it (and its database connections) afterwards."""
    port = free_port()
    env = {**env, "GUNICORN_BIND": f"127.0.0.1:{port}"}
    with open(log_path, "w") as log:
        server = subprocess.Popen(
            [sys.executable, "-m", "appion.tests.clock", "gunicorn", "-c", "gunicorn.conf.py"],
            cwd=BASE_DIR,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    try:
        deadline = time.monotonic() + 60
        while True:
            if server.poll() is not None:
                raise AssertionError(f"gunicorn stopped:\n{Path(log_path).read_text()}")
            try:
                Visitor(port).get("/healthz")
                break
            except OSError:
                if time.monotonic() > deadline:
                    raise AssertionError(
                        f"gunicorn did not answer:\n{Path(log_path).read_text()}"
                    ) from None
                time.sleep(0.2)
        yield port
    finally:
        server.terminate()
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()


@dataclass
class Response:
    status: int
    headers: http.client.HTTPMessage
    text: str

    def __getitem__(self, name):
        return self.headers[name]


class Visitor:
    """One browser, as the TLS-terminating proxy passes it on: plain HTTP to gunicorn with
    X-Forwarded-Proto: https, and its own cookies (secure ones included)."""

    def __init__(self, port, *, https=True):
        self.port = port
        self.https = https
        self.cookies = {}
        self.connection = None

    def connect(self):
        """Open the connection ahead of the next request (to fire it at a set moment)."""
        self.connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
        self.connection.connect()

    def get(self, path, headers=None):
        return self.request("GET", path, headers=headers)

    def post(self, path, form):
        origin = f"https://127.0.0.1:{self.port}"
        headers = {"Content-Type": "application/x-www-form-urlencoded", "Origin": origin}
        return self.request("POST", path, body=urlencode(form), headers=headers)

    def request(self, method, path, body=None, headers=None):
        connection, self.connection = self.connection, None
        if connection is None:
            connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
        sent = {"Host": f"127.0.0.1:{self.port}", **(headers or {})}
        if self.https:
            sent["X-Forwarded-Proto"] = "https"
        if self.cookies:
            sent["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        try:
            connection.request(method, path, body=body, headers=sent)
            answer = connection.getresponse()
            text = answer.read().decode("utf-8", "replace")
        finally:
            connection.close()
        for header in answer.headers.get_all("Set-Cookie") or []:
            for name, morsel in SimpleCookie(header).items():
                if morsel["max-age"] == "0" or not morsel.value or morsel.value == '""':
                    self.cookies.pop(name, None)
                else:
                    self.cookies[name] = morsel.coded_value
        return Response(answer.status, answer.headers, text)
