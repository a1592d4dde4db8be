"""A malformed environment variable stops start-up with a message that names it, instead
of passing `manage.py check` and failing later inside a request."""

import pytest

from appion.tests.servers import manage, production_env


@pytest.mark.parametrize(
    "hours",
    ["8am-6pm", "18:00-08:00", "25:00-26:00", "08:00-08:00", "08:00", "08:00-18:00-20:00", ""],
)
def test_malformed_business_hours_stop_start_up(hours):
    result = manage("check", env=production_env(APPION_BUSINESS_HOURS=hours))

    assert result.returncode != 0
    output = result.stdout + result.stderr
    assert "ImproperlyConfigured: APPION_BUSINESS_HOURS" in output, output
    assert f"{hours!r} is not" in output
    assert "HH:MM-HH:MM" in output
    assert "System check identified" not in output


@pytest.mark.parametrize("hours", ["07:30-21:00", " 09:00 - 17:00 ", "00:00-23:59"])
def test_well_formed_business_hours_pass_the_check(hours):
    result = manage("check", env=production_env(APPION_BUSINESS_HOURS=hours))

    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout


@pytest.mark.parametrize(
    "url", ["127.0.0.1:6379", "http://127.0.0.1:6379/2", "rediscache://127.0.0.1:6379/2", "redis"]
)
def test_malformed_channel_layer_url_stops_start_up(url):
    result = manage("check", env=production_env(CHANNEL_LAYERS_URL=url))

    assert result.returncode != 0
    output = result.stdout + result.stderr
    assert f"ImproperlyConfigured: CHANNEL_LAYERS_URL = {url!r} is not a Redis URL" in output
    assert "System check identified" not in output


def test_channel_layer_is_in_memory_unless_a_redis_url_is_given():
    from appion.settings import _channel_layers

    assert _channel_layers("") == {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}
    assert _channel_layers("redis://127.0.0.1:6379/2") == {
        "default": {
            "BACKEND": "channels_redis.pubsub.RedisPubSubChannelLayer",
            "CONFIG": {"hosts": ["redis://127.0.0.1:6379/2"]},
        }
    }


def test_production_csp_names_the_sites_own_websocket_origins():
    env = production_env(ALLOWED_HOSTS="appion.example.com,.appion.example.org,*,[::1]")
    result = manage(
        "shell",
        "-v",
        "0",
        "-c",
        "from django.conf import settings; "
        "print(settings.CONTENT_SECURITY_POLICY['DIRECTIVES']['connect-src'])",
        env=env,
    )

    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == (
        "[\"'self'\", 'wss://appion.example.com', 'wss://*.appion.example.org']"
    )
