"""The README's deployment recipe works: production settings pass `check --deploy`;
gunicorn with the repository's config serves /healthz and hashed, compressed static files
collected by `collectstatic` (WhiteNoise); Debian's nginx accepts deploy/nginx.conf and
systemd accepts the units in deploy/. (nginx in front of both servers, WebSockets
included: scheduling/tests/test_live_redis.py.)"""

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from appion.tests.servers import (
    BASE_DIR,
    NGINX,
    Visitor,
    gunicorn,
    manage,
    nginx_site,
    production_env,
)

REDIS = "rediscache://127.0.0.1:6379/5"
CHANNELS_REDIS = "redis://127.0.0.1:6379/6"


# A live SSLCommerz store (issue #21): without one, check --deploy warns (appion.W003).
LIVE_STORE = {
    "SSLCOMMERZ_STORE_ID": "appionlive",
    "SSLCOMMERZ_STORE_PASSWORD": "appionlive@ssl",
    "SSLCOMMERZ_SANDBOX": "0",
}


def test_production_settings_pass_check_deploy_with_no_issues():
    result = manage(
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
        env=production_env(CACHE_URL=REDIS, CHANNEL_LAYERS_URL=CHANNELS_REDIS, **LIVE_STORE),
    )

    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.strip() == "System check identified no issues (0 silenced)."
    assert result.stderr == ""


@pytest.mark.parametrize(
    "mistake, warning",
    [
        ({"SECRET_KEY": "django-insecure-change-me"}, "security.W009"),
        ({"SECURE_HSTS_SECONDS": "0"}, "security.W004"),
        ({"SESSION_COOKIE_SECURE": "0"}, "security.W012"),
        ({"DEBUG": "1"}, "security.W018"),
        ({"CACHE_URL": "locmemcache://"}, "appion.W001"),
        ({"CHANNEL_LAYERS_URL": ""}, "appion.W002"),
        ({"SSLCOMMERZ_STORE_ID": "", "SSLCOMMERZ_STORE_PASSWORD": ""}, "appion.W003"),
        ({"SSLCOMMERZ_SANDBOX": "1"}, "appion.W004"),
    ],
)
def test_check_deploy_names_a_production_mistake(mistake, warning):
    env = production_env(
        **{"CACHE_URL": REDIS, "CHANNEL_LAYERS_URL": CHANNELS_REDIS, **LIVE_STORE, **mistake}
    )
    result = manage("check", "--deploy", env=env)

    assert warning in result.stderr + result.stdout


@pytest.mark.django_db
def test_gunicorn_serves_healthz_and_hashed_static_files(tmp_path):
    static_root = tmp_path / "static"
    env = production_env(STATIC_ROOT=static_root)
    collected = manage("collectstatic", "--noinput", "-v", "0", env=env)
    assert collected.returncode == 0, collected.stderr
    manifest = json.loads((static_root / "staticfiles.json").read_text())["paths"]
    hashed_css = manifest["css/appion.css"]
    assert hashed_css != "css/appion.css"
    assert (static_root / (hashed_css + ".gz")).exists()

    with gunicorn(env, tmp_path / "gunicorn.log") as port:
        visitor = Visitor(port)
        health = visitor.get("/healthz")
        assert health.status == 200
        assert json.loads(health.text) == {"status": "ok", "database": "ok"}
        assert health["Strict-Transport-Security"] == (
            "max-age=31536000; includeSubDomains; preload"
        )

        css = visitor.get(f"/static/{hashed_css}", headers={"Accept-Encoding": "gzip"})
        assert css.status == 200
        assert css["Content-Encoding"] == "gzip"
        assert "immutable" in css["Cache-Control"]

        home = visitor.get("/?q=Rahima+Begum")
        assert home.status == 200
        assert f"/static/{hashed_css}" in home.text

        # Plain HTTP (no X-Forwarded-Proto from the proxy) is sent to HTTPS.
        plain = Visitor(port, https=False).get("/healthz")
        assert plain.status == 301
        assert plain["Location"] == f"https://127.0.0.1:{port}/healthz"
    log = (tmp_path / "gunicorn.log").read_text()
    assert '"GET /healthz HTTP/1.1" 200' in log
    # The access log keeps the path, never the query string (a patient's search).
    assert '"GET / HTTP/1.1" 200' in log
    assert "Rahima" not in log


# The notification worker: a systemd unit, or a cron line.

DEPLOY = BASE_DIR / "deploy"


@pytest.mark.skipif(not shutil.which("systemd-analyze"), reason="needs systemd-analyze")
def test_the_worker_unit_passes_systemd_analyze_verify(tmp_path):
    unit = (DEPLOY / "appion-notifications.service").read_text()
    assert "ExecStart=/srv/appion/.venv/bin/python manage.py send_notifications\n" in unit
    # Verified as installed here: this checkout for /srv/appion, this Python.
    local = unit.replace("/srv/appion/.venv/bin/python", sys.executable).replace(
        "/srv/appion", str(BASE_DIR)
    )
    path = tmp_path / "appion-notifications.service"
    path.write_text(local)

    result = subprocess.run(
        ["systemd-analyze", "verify", str(path)], capture_output=True, text=True, timeout=60
    )

    assert result.returncode == 0, result.stderr
    assert result.stderr.strip() == ""


@pytest.mark.django_db(transaction=True)
def test_the_cron_alternative_sends_what_is_due():
    from appion.messaging.models import OutboxMessage
    from appion.messaging.services import queue_sms

    [line] = [
        line
        for line in (DEPLOY / "appion.cron").read_text().splitlines()
        if "send_notifications" in line and "manage.py" in line
    ]
    command = line.split("manage.py", 1)[1].split()
    assert command == ["send_notifications", "--once"]
    queue_sms(to="+8801712345678", text="Appion: serial 3", kind="test")

    result = manage(*command, env=production_env(SMS_URL="console://"))

    assert result.returncode == 0, result.stderr
    assert "Sent 1, to retry later 0, failed 0." in result.stdout
    assert "SMS to +8801712345678 (gsm7, 1 part(s)):\nAppion: serial 3" in result.stdout
    assert OutboxMessage.objects.get().status == "sent"


UNITS = sorted(path.name for path in (BASE_DIR / "deploy").glob("*.service"))


def test_deploy_has_a_unit_for_each_server():
    assert UNITS == [
        "appion-gunicorn.service",
        "appion-notifications.service",
        "appion-uvicorn.service",
    ]


def installed(unit, tmp_path):
    """The unit as installed here: this virtualenv for /srv/appion/.venv, this checkout
    for /srv/appion (systemd checks that the programs exist)."""
    text = (BASE_DIR / "deploy" / unit).read_text()
    text = text.replace("/srv/appion/.venv/bin/", f"{Path(sys.executable).parent}/")
    text = text.replace("WorkingDirectory=/srv/appion", f"WorkingDirectory={BASE_DIR}")
    path = tmp_path / unit
    path.write_text(text)
    return path


@pytest.mark.skipif(not shutil.which("systemd-analyze"), reason="no systemd-analyze")
@pytest.mark.parametrize("unit", UNITS)
def test_systemd_accepts_the_unit(unit, tmp_path):
    result = subprocess.run(
        ["systemd-analyze", "verify", str(installed(unit, tmp_path))],
        capture_output=True,
        text=True,
        timeout=60,
    )

    # systemd-analyze exits 0 even for unknown keys: it says so on its output.
    assert result.returncode == 0, result.stderr
    assert result.stdout + result.stderr == ""


@pytest.mark.skipif(not NGINX, reason="no nginx (apt-get install nginx)")
@pytest.mark.skipif(not shutil.which("openssl"), reason="no openssl")
def test_nginx_accepts_the_config(tmp_path):
    nginx = nginx_site(tmp_path)

    result = subprocess.run(
        [*nginx, "-t"],
        capture_output=True,
        text=True,
        timeout=60,
    )

    assert result.returncode == 0, result.stderr
    assert "syntax is ok" in result.stderr
    assert "test is successful" in result.stderr
    assert "warn" not in result.stderr
