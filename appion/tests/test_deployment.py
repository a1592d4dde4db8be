"""The README's deployment recipe works: production settings pass `check --deploy`, and
gunicorn with the repository's config serves /healthz and hashed, compressed static files
collected by `collectstatic` (WhiteNoise)."""

import json

import pytest

from appion.tests.servers import Visitor, gunicorn, manage, production_env

REDIS = "rediscache://127.0.0.1:6379/5"
CHANNELS_REDIS = "redis://127.0.0.1:6379/6"


def test_production_settings_pass_check_deploy_with_no_issues():
    result = manage(
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
        env=production_env(CACHE_URL=REDIS, CHANNEL_LAYERS_URL=CHANNELS_REDIS),
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
    ],
)
def test_check_deploy_names_a_production_mistake(mistake, warning):
    env = production_env(**{"CACHE_URL": REDIS, "CHANNEL_LAYERS_URL": CHANNELS_REDIS, **mistake})
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
