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
