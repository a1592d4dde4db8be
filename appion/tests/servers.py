"""Run Appion as deployed, for the tests: `manage.py` and gunicorn (with the repository's
gunicorn.conf.py) in subprocesses with production settings, against the test database;
and a small HTTP visitor that talks to them as the reverse proxy would pass it on."""

import contextlib
import http.client
import os
import shlex
import shutil
import socket
import subprocess
import sys
import threading
import time
from contextlib import contextmanager
from dataclasses import dataclass
from http.cookies import SimpleCookie
from pathlib import Path
from urllib.parse import quote, urlencode

from django.conf import settings
from django.db import connection, connections
from django.db.backends.signals import connection_created

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
def _server(name, command, *, env, log_path, port, answers):
    """Run `command` (a server named `name`, on `port`, its output in `log_path`); yield
    once `answers(port)` stops raising OSError, failing with the log if the server exits
    or has not answered within 60 s; stop it (and its database connections) afterwards."""
    with open(log_path, "w") as log:
        server = subprocess.Popen(
            [sys.executable, "-m", "appion.tests.clock", *command],
            cwd=BASE_DIR,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    try:
        deadline = time.monotonic() + 60
        while True:
            if server.poll() is not None:
                raise AssertionError(f"{name} stopped:\n{Path(log_path).read_text()}")
            try:
                answers(port)
                break
            except OSError:
                if time.monotonic() > deadline:
                    raise AssertionError(
                        f"{name} did not answer:\n{Path(log_path).read_text()}"
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


@contextmanager
def gunicorn(env, log_path):
    """Start `gunicorn -c gunicorn.conf.py` on a free port; yield the port once /healthz
    answers; stop it (and its database connections) afterwards."""
    port = free_port()
    with _server(
        "gunicorn",
        ["gunicorn", "-c", "gunicorn.conf.py"],
        env={**env, "GUNICORN_BIND": f"127.0.0.1:{port}"},
        log_path=log_path,
        port=port,
        answers=lambda port: Visitor(port).get("/healthz"),
    ) as port:
        yield port


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


@contextmanager
def uvicorn(env, log_path):
    """Start the WebSocket server as deploy/appion-uvicorn.service does (uvicorn with
    appion.asgi) on a free port; yield the port once it answers; stop it afterwards."""
    port = free_port()
    with _server(
        "uvicorn",
        [
            *("uvicorn", "appion.asgi:application"),
            *("--host", "127.0.0.1", "--port", str(port)),
            *UVICORN_OPTIONS,
        ],
        env={**env, **unit_environment("appion-uvicorn.service")},
        log_path=log_path,
        port=port,
        answers=lambda port: socket.create_connection(("127.0.0.1", port), timeout=1).close(),
    ) as port:
        yield port


def unit_command(name):
    """The ExecStart= command line of deploy/`name` (a systemd unit), as a list."""
    text = (BASE_DIR / "deploy" / name).read_text().replace("\\\n", " ")
    line = next(line for line in text.splitlines() if line.startswith("ExecStart="))
    return shlex.split(line.removeprefix("ExecStart="))


def unit_environment(name):
    """The Environment= variables of deploy/`name`."""
    text = (BASE_DIR / "deploy" / name).read_text()
    return dict(
        word.split("=", 1)
        for line in text.splitlines()
        if line.startswith("Environment=")
        for word in shlex.split(line.removeprefix("Environment="))
    )


def _uvicorn_options():
    """uvicorn's options in deploy/appion-uvicorn.service, but for where it listens."""
    program, app, *options = unit_command("appion-uvicorn.service")
    assert program.endswith("/uvicorn") and app == "appion.asgi:application"
    kept = []
    while options:
        option = options.pop(0)
        if option in ("--host", "--port"):
            options.pop(0)
        else:
            kept.append(option)
    return tuple(kept)


# The tests' uvicorn runs with the production unit's options (its comments say why).
UVICORN_OPTIONS = _uvicorn_options()


def _close_connections(**kwargs):
    connections.close_all()


class AsgiLiveServer:
    """pytest-django's `live_server`, served by uvicorn with appion.asgi in a thread of
    the test process: the pages and the live pages' WebSockets (with the in-memory
    channel layer, so a change made through this server reaches its sockets), on the test
    database and with the test's settings. conftest.py makes it the `live_server` of
    every browser test; `AsgiLiveServer(static_files=False)` leaves static files to
    WhiteNoise, as in production.

    A change made by the test's own thread (not through a request) reaches the sockets
    only through a shared channel layer: set CHANNEL_LAYERS to Redis for that."""

    def __init__(self, host="localhost", *, static_files=True):
        import uvicorn
        from channels.routing import ProtocolTypeRouter
        from django.contrib.staticfiles.handlers import ASGIStaticFilesHandler
        from django.core.handlers.asgi import ASGIHandler
        from django.core.signals import request_finished
        from django.test.utils import modify_settings

        from appion.asgi import sockets_application

        self.host = host
        listener = socket.socket()
        listener.bind(("127.0.0.1", 0))
        self.port = listener.getsockname()[1]
        # A new application for each server, as Django's live server makes one: the
        # middleware (WhiteNoise's files) and the allowed hosts are read from the
        # settings of the moment.
        application = ProtocolTypeRouter(
            {"http": ASGIHandler(), "websocket": sockets_application()}
        )
        config = uvicorn.Config(
            ASGIStaticFilesHandler(application) if static_files else application,
            lifespan="off",
            log_level="warning",
            ws="websockets-sansio",
            ws_max_size=4096,
            # On stopping, open sockets are closed after this rather than waited for.
            timeout_graceful_shutdown=1,
        )
        self.server = uvicorn.Server(config)
        # Under ASGI each request runs in a thread of its own: close its database
        # connections when it ends (Django: "When using ASGI, persistent connections
        # should be disabled"), or they would outlive the thread and the test database.
        self._handler_class = ASGIHandler
        request_finished.connect(
            _close_connections, sender=ASGIHandler, weak=False, dispatch_uid=id(self)
        )
        # A request whose browser went away ends without request_finished while its view
        # may still run: every connection opened outside the test's thread is closed when
        # the server stops, so that none outlives it (PostgreSQL would refuse to drop the
        # test database).
        self._opened = []
        connection_created.connect(self._track, weak=False, dispatch_uid=id(self))
        self.thread = threading.Thread(
            target=self.server.run, kwargs={"sockets": [listener]}, daemon=True
        )
        self.thread.start()
        deadline = time.monotonic() + 20
        while not self.server.started:
            if not self.thread.is_alive() or time.monotonic() > deadline:
                raise AssertionError("uvicorn did not start")
            time.sleep(0.05)
        # pytest-django's _live_server_helper turns this on for each test that uses it.
        self._live_server_modified_settings = modify_settings(ALLOWED_HOSTS={"append": host})

    def _track(self, sender, connection, **kwargs):
        if threading.current_thread() is not threading.main_thread():
            self._opened.append(connection)

    def stop(self):
        from django.core.signals import request_finished

        self.server.should_exit = True
        self.thread.join(timeout=20)
        assert not self.thread.is_alive(), "uvicorn did not stop"
        request_finished.disconnect(sender=self._handler_class, dispatch_uid=id(self))
        connection_created.disconnect(dispatch_uid=id(self))
        for wrapper in self._opened:
            # The thread that opened it may be gone: close the driver's connection itself
            # (Django's close() insists on being called from that thread).
            if wrapper.connection is not None:
                with contextlib.suppress(Exception):
                    wrapper.connection.close()

    @property
    def url(self):
        return f"http://{self.host}:{self.port}"

    def __str__(self):
        return self.url

    def __add__(self, other):
        return f"{self}{other}"


NGINX = shutil.which("nginx") or shutil.which("nginx", path="/usr/sbin")


def nginx_site(folder, *, gunicorn_port=8000, uvicorn_port=8001, http_port=None, https_port=None):
    """deploy/nginx.conf inside a minimal nginx.conf of its own in `folder`, with a
    throw-away certificate, its logs in `folder` and, when given, the ports of the
    test's servers and where nginx listens (on 127.0.0.1). Returns the command that
    runs nginx with it (add -t to test it)."""
    subprocess.run(
        [
            *("openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1"),
            *("-subj", "/CN=appion.example.com"),
            *("-keyout", str(folder / "key.pem"), "-out", str(folder / "cert.pem")),
        ],
        check=True,
        capture_output=True,
        timeout=60,
    )
    site = (BASE_DIR / "deploy" / "nginx.conf").read_text()
    replacements = [
        ("/etc/letsencrypt/live/appion.example.com/fullchain.pem", folder / "cert.pem"),
        ("/etc/letsencrypt/live/appion.example.com/privkey.pem", folder / "key.pem"),
        ("/var/log/nginx/appion.access.log", folder / "access.log"),
        ("server 127.0.0.1:8000;", f"server 127.0.0.1:{gunicorn_port};"),
        ("server 127.0.0.1:8001;", f"server 127.0.0.1:{uvicorn_port};"),
    ]
    if https_port:
        replacements += [
            ("listen 80;", f"listen 127.0.0.1:{http_port};"),
            ("listen 443 ssl http2;", f"listen 127.0.0.1:{https_port} ssl http2;"),
        ]
    for original, replacement in replacements:
        assert original in site, original
        site = site.replace(original, str(replacement))
    if https_port:
        site = "\n".join(line for line in site.splitlines() if "listen [::]" not in line)
    (folder / "appion.conf").write_text(site)
    (folder / "nginx.conf").write_text(
        f"pid {folder}/nginx.pid;\n"
        f"error_log {folder}/error.log;\n"
        "events {}\n"
        "http {\n"
        f"    client_body_temp_path {folder}/body;\n"
        f"    proxy_temp_path {folder}/proxy;\n"
        f"    include {folder}/appion.conf;\n"
        "}\n"
    )
    return [
        NGINX,
        "-p",
        str(folder),
        "-e",
        str(folder / "error.log"),
        "-c",
        str(folder / "nginx.conf"),
    ]


@contextmanager
def nginx(folder, *, gunicorn_port, uvicorn_port):
    """deploy/nginx.conf in front of the test's gunicorn and uvicorn; yields the HTTPS
    port once nginx listens."""
    http_port, https_port = free_port(), free_port()
    command = nginx_site(
        folder,
        gunicorn_port=gunicorn_port,
        uvicorn_port=uvicorn_port,
        http_port=http_port,
        https_port=https_port,
    )
    server = subprocess.Popen(
        [*command, "-g", "daemon off;"], stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT
    )
    try:
        deadline = time.monotonic() + 30
        while True:
            if server.poll() is not None:
                raise AssertionError(f"nginx stopped:\n{(folder / 'error.log').read_text()}")
            try:
                with socket.create_connection(("127.0.0.1", https_port), timeout=1):
                    break
            except OSError:
                if time.monotonic() > deadline:
                    raise AssertionError("nginx did not answer") from None
                time.sleep(0.1)
        yield https_port
    finally:
        server.terminate()
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
