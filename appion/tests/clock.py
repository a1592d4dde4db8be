"""The test run's clock: every test runs at one instant, the same on any day.

`pytest_configure` (conftest.py) moves the clock of the whole run to `APPION_TEST_NOW`
(an ISO date-time; without an offset it is Asia/Dhaka time) or, when that is unset, to
DEFAULT_NOW, and lets it tick from there. Tests that need an instant of their own still
travel with `time_machine` inside it. Servers that the tests start in other processes
(appion/tests/servers.py) run through this module so that they share the instant:

    python -m appion.tests.clock gunicorn -c gunicorn.conf.py
    python -m appion.tests.clock manage.py check

To run the suite at another date: `APPION_TEST_NOW=2027-12-31T23:30 make test`.
"""

import os
import runpy
import sys
from datetime import datetime
from zoneinfo import ZoneInfo

import time_machine

# A Wednesday in the middle of a month, at ten in the morning in Dhaka.
DEFAULT_NOW = "2026-06-17T10:00:00+06:00"
DHAKA = ZoneInfo("Asia/Dhaka")


def instant(text=None):
    """The aware instant that `text` (or APPION_TEST_NOW, or DEFAULT_NOW) names."""
    text = text or os.environ.get("APPION_TEST_NOW") or DEFAULT_NOW
    moment = datetime.fromisoformat(text)
    return moment if moment.tzinfo else moment.replace(tzinfo=DHAKA)


def start(text=None):
    """Move this process's clock to the instant and let it tick; returns the traveller."""
    traveller = time_machine.travel(instant(text), tick=True)
    traveller.start()
    return traveller


def environ_now():
    """This process's current (moved) time, for a child process's APPION_TEST_NOW."""
    return datetime.now(DHAKA).isoformat()


def main(argv):
    """Run a module (`gunicorn`) or a script (`manage.py`) at APPION_TEST_NOW."""
    start()
    # time_machine imports pytest (for its plugin); a server run through here must not
    # look like a test run to settings.TESTING, which looks for pytest.
    for name in [name for name in sys.modules if name.split(".")[0] in ("pytest", "_pytest")]:
        del sys.modules[name]
    target, *rest = argv
    sys.argv = [target, *rest]
    if target.endswith(".py"):
        runpy.run_path(target, run_name="__main__")
    else:
        runpy.run_module(target, run_name="__main__", alter_sys=True)


if __name__ == "__main__":
    main(sys.argv[1:])
