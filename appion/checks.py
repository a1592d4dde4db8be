"""System checks for settings that a typo or a forgotten variable would otherwise turn
into a 500 or a silent gap in production."""

import re

from django.conf import settings
from django.core import checks

RATE = re.compile(r"^\d+/\d*[smhd]$")
RATE_SETTINGS = (
    "APPION_RATE_REGISTRATION",
    "APPION_RATE_PASSWORD_RESET",
    "APPION_RATE_PASSWORD_RESET_EMAIL",
    "APPION_RATE_BOOKING",
    "APPION_RATE_BOOKING_ACCOUNT",
    "APPION_RATE_PASSWORD_CHECK",
    "APPION_RATE_PASSWORD_CHECK_ACCOUNT",
    "APPION_RATE_PROFILE",
    "APPION_RATE_PROFILE_ACCOUNT",
    "APPION_RATE_MOBILE_CHANGE",
    "APPION_RATE_MOBILE_CHANGE_ACCOUNT",
    "APPION_RATE_LOGIN_FAILURES",
    "APPION_RATE_CALENDAR_FEED",
)
PER_PROCESS_CACHES = (
    "django.core.cache.backends.locmem.LocMemCache",
    "django.core.cache.backends.dummy.DummyCache",
)


@checks.register()
def rates_are_well_formed(app_configs, **kwargs):
    return [
        checks.Error(
            f"{name} = {getattr(settings, name)!r} is not a rate",
            hint='Write N posts per period, e.g. "10/h", "5/m", "50/d".',
            id="appion.E001",
        )
        for name in RATE_SETTINGS
        if not RATE.match(str(getattr(settings, name)))
    ]


@checks.register(checks.Tags.caches, deploy=True)
def cache_is_shared(app_configs, **kwargs):
    backend = settings.CACHES["default"]["BACKEND"]
    if backend not in PER_PROCESS_CACHES:
        return []
    return [
        checks.Warning(
            "The default cache lives inside each process, so every gunicorn worker counts "
            "rate limits and caches slot lists on its own.",
            hint="Set CACHE_URL to a shared Redis, e.g. rediscache://127.0.0.1:6379/1.",
            id="appion.W001",
        )
    ]


@checks.register(deploy=True)
def channel_layer_is_shared(app_configs, **kwargs):
    if settings.CHANNEL_LAYERS["default"]["BACKEND"] != "channels.layers.InMemoryChannelLayer":
        return []
    return [
        checks.Warning(
            "The channel layer lives inside each process, so a change saved by a gunicorn "
            "worker never reaches the live pages' sockets, which uvicorn holds.",
            hint="Set CHANNEL_LAYERS_URL to a shared Redis, e.g. redis://127.0.0.1:6379/2.",
            id="appion.W002",
        )
    ]


@checks.register(deploy=True)
def payments_are_real(app_configs, **kwargs):
    """Advances paid online (issue #21) need a real SSLCommerz store in production."""
    if not (settings.SSLCOMMERZ_STORE_ID and settings.SSLCOMMERZ_STORE_PASSWORD):
        return [
            checks.Warning(
                "No SSLCommerz store is configured: a chamber's advance is taken by the demo "
                "gateway, where no money moves and anyone can 'pay'.",
                hint="Set SSLCOMMERZ_STORE_ID and SSLCOMMERZ_STORE_PASSWORD (and "
                "SSLCOMMERZ_SANDBOX=0), or keep every chamber's payment 'At the chamber'.",
                id="appion.W003",
            )
        ]
    if settings.SSLCOMMERZ_SANDBOX:
        return [
            checks.Warning(
                "SSLCOMMERZ_SANDBOX is on: payments go to SSLCommerz's sandbox, where no "
                "money moves.",
                hint="Set SSLCOMMERZ_SANDBOX=0 with the live store's credentials.",
                id="appion.W004",
            )
        ]
    return []
