"""Appion settings: one module, configured from the environment (django-environ).

Every variable has a development default; README lists them all.
"""

import hashlib
import re
import sys
from datetime import time
from pathlib import Path
from urllib.parse import urlsplit

import environ
from csp.constants import NONE, SELF, UNSAFE_INLINE
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = BASE_DIR / "var"

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

DEBUG = env.bool("DEBUG", default=False)
# Under pytest the site is served over plain HTTP (test client, live server for browsers).
TESTING = "pytest" in sys.modules
HTTPS = not (DEBUG or TESTING)
SECRET_KEY = env.str("SECRET_KEY", default="django-insecure-appion-development-key-change-me")
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["localhost", "127.0.0.1", "[::1]", "testserver"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "appion.apps.AppionAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "crispy_forms",
    "crispy_bootstrap5",
    "bootstrap",
    "django_htmx",
    "axes",
    "csp",
    # Its swagger files are served from our static, not a CDN (ninja.openapi.docs).
    "ninja",
    "appion",
    "appion.messaging",
    "locations",
    "accounts",
    "scheduling",
    "reports",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "appion.api_errors.ApiJsonErrorsMiddleware",
    "appion.caching.PrivateResponsesMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "django_permissions_policy.PermissionsPolicyMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "axes.middleware.AxesMiddleware",
    "accounts.audit.AuditAddressMiddleware",
]

ROOT_URLCONF = "appion.urls"
WSGI_APPLICATION = "appion.wsgi.application"
# The WebSockets (/ws/...) and, under `runserver`, the pages too (appion/asgi.py).
ASGI_APPLICATION = "appion.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "appion.messaging.context_processors.unread_notifications",
            ],
        },
    },
]

# Database: PostgreSQL from DATABASE_URL; without it, a SQLite file under var/ so the
# app runs with no server to install. SQLite takes the write lock at BEGIN
# (IMMEDIATE), which serialises bookings there.
DATABASES = {
    "default": env.db("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'appion.sqlite3'}"),
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {
            "transaction_mode": "IMMEDIATE",
            "timeout": 20,
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        }
    )
    # A file, not memory, so that tests with threads share one database. SQLITE_TEST_NAME
    # lets two test runs on one machine keep apart.
    DATABASES["default"].setdefault("TEST", {})["NAME"] = str(
        VAR_DIR / env.str("SQLITE_TEST_NAME", default="test.sqlite3")
    )
else:
    DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=60)
    # Behind pgbouncer in transaction mode a server-side cursor (.iterator()) would
    # outlive its transaction's connection: turn them off there.
    DATABASES["default"]["DISABLE_SERVER_SIDE_CURSORS"] = env.bool(
        "DISABLE_SERVER_SIDE_CURSORS", default=False
    )
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
DATABASES["default"]["ATOMIC_REQUESTS"] = False

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

CACHES = {"default": env.cache("CACHE_URL", default="locmemcache://appion")}

AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "accounts.backends.EmailBackend",
]
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "accounts:dashboard"
LOGOUT_REDIRECT_URL = "home"

AUTH_PASSWORD_VALIDATORS = [
    {
        "NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator",
        "OPTIONS": {"user_attributes": ["email", "full_name"]},
    },
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
    {"NAME": "accounts.validators.PasswordCharacterValidator"},
]

# django-axes: 5 failures for one account from one address lock it for 15 minutes; the
# handler adds a lock of an address across accounts (APPION_RATE_LOGIN_FAILURES) and the
# lockout page is a 429 with Retry-After (accounts/lockout.py).
AXES_FAILURE_LIMIT = 5
AXES_COOLOFF_TIME = 0.25
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_USERNAME_FORM_FIELD = "username"
AXES_USERNAME_CALLABLE = "accounts.backends.axes_username"
AXES_HANDLER = "accounts.lockout.AppionAxesHandler"
AXES_LOCKOUT_CALLABLE = "accounts.lockout.lockout_response"
AXES_RESET_ON_SUCCESS = True
AXES_VERBOSE = False

LANGUAGE_CODE = "en"
LANGUAGE_COOKIE_AGE = 365 * 24 * 60 * 60
LANGUAGES = [("en", _("English")), ("bn", _("Bengali"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
# Bengali numbers grouped as in Bangladesh (১২,৩৪,৫৬৭); see appion/formats/bn/.
FORMAT_MODULE_PATH = ["appion.formats"]
TIME_ZONE = env.str("TIME_ZONE", default="Asia/Dhaka")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = env.path("STATIC_ROOT", default=str(VAR_DIR / "static"))
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_URL = "/media/"
MEDIA_ROOT = env.path("MEDIA_ROOT", default=str(BASE_DIR / "media"))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        # Hashed, compressed names in production; plain files while developing.
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if env.bool("STATIC_MANIFEST", default=HTTPS)
        else "django.contrib.staticfiles.storage.StaticFilesStorage",
    },
}
if TESTING:
    PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]

FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
DATA_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024

CRISPY_ALLOWED_TEMPLATE_PACKS = "bootstrap5"
CRISPY_TEMPLATE_PACK = "bootstrap5"

EMAIL_CONFIG = env.email_url("EMAIL_URL", default="consolemail://")
vars().update(EMAIL_CONFIG)
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="Appion <no-reply@appion.local>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL
# Seconds before a silent mail server is given up on (the worker retries the message later).
EMAIL_TIMEOUT = env.int("EMAIL_TIMEOUT", default=30)

SESSION_ENGINE = "django.contrib.sessions.backends.db"


def _channel_layers(url):
    """Live updates (scheduling/live.py) travel over Django Channels' layer: with no
    CHANNEL_LAYERS_URL, one in the process's memory, which is enough when one process
    serves both the pages and the sockets (`make run`); in production the pages
    (gunicorn) and the sockets (uvicorn) are separate processes and must share Redis. A
    value that is not a Redis URL stops start-up here.

    The Redis layer is channels-redis's Pub/Sub one: an announcement is one PUBLISH that
    each socket server hands to its own sockets, and nothing is kept for a socket that is
    not there (the page refetches when it reconnects). Against the list-based layer it
    halves the socket server's work per announcement (bench/results.md)."""
    if not url:
        return {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}
    if not re.fullmatch(r"(redis|rediss|unix)://\S+", url):
        raise ImproperlyConfigured(
            f"CHANNEL_LAYERS_URL = {url!r} is not a Redis URL: write e.g. "
            "redis://127.0.0.1:6379/2 (or leave it empty for the in-memory layer)."
        )
    return {
        "default": {
            "BACKEND": "channels_redis.pubsub.RedisPubSubChannelLayer",
            "CONFIG": {"hosts": [url]},
        }
    }


CHANNEL_LAYERS = _channel_layers(env.str("CHANNEL_LAYERS_URL", default=""))

# Security: HTTPS settings are on whenever DEBUG is off. The reverse proxy terminates TLS
# and must set X-Forwarded-Proto itself, overwriting what the client sent (deploy/nginx.conf).
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=HTTPS)
SESSION_COOKIE_SECURE = env.bool("SESSION_COOKIE_SECURE", default=HTTPS)
CSRF_COOKIE_SECURE = env.bool("CSRF_COOKIE_SECURE", default=HTTPS)
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=31536000 if HTTPS else 0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = HTTPS
SECURE_HSTS_PRELOAD = HTTPS
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
# django-permissions-policy: the app needs none of the browser's powerful features.
PERMISSIONS_POLICY = {
    feature: []
    for feature in (
        "accelerometer",
        "autoplay",
        "camera",
        "display-capture",
        "geolocation",
        "gyroscope",
        "magnetometer",
        "microphone",
        "midi",
        "payment",
        "usb",
        "interest-cohort",
    )
}


def _socket_sources(hosts):
    """The site's own WebSocket origins for connect-src. CSP Level 3 counts the same
    host's ws:/wss: as 'self'; browsers from before it need them named (over HTTPS only:
    a named source without a port would not match a development server's port anyway)."""
    if not HTTPS:
        return []
    named = [host for host in hosts if host != "*" and not set(host) & set(":[]")]
    return [f"wss://*{host}" if host.startswith(".") else f"wss://{host}" for host in named]


# Content Security Policy (django-csp): scripts and everything else only from this site;
# inline styles are allowed for the SVG charts and the admin's style attributes; requests
# (htmx, the live updates' sockets) only to this site.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF, UNSAFE_INLINE],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF, *_socket_sources(ALLOWED_HOSTS)],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    }
}

# Appion's own settings.

# The REST API's bearer tokens (accounts.tokens): HS256 with this key, access tokens for
# ACCESS_TOKEN_EXPIRE_MINUTES, refresh tokens for REFRESH_TOKEN_EXPIRE_DAYS.
API_JWT_SECRET = env.str(
    "API_JWT_SECRET",
    default=hashlib.sha256(f"appion-api-jwt:{SECRET_KEY}".encode()).hexdigest(),
)
ACCESS_TOKEN_EXPIRE_MINUTES = env.int("ACCESS_TOKEN_EXPIRE_MINUTES", default=30)
REFRESH_TOKEN_EXPIRE_DAYS = env.int("REFRESH_TOKEN_EXPIRE_DAYS", default=7)


def _sms_url(value):
    """SMS_URL names the SMS backend by its scheme (appion.messaging.sms): console://,
    locmem://, or the gateway's own http(s) address, which needs SMS_API_KEY and
    SMS_SENDER_ID. Anything else stops start-up here."""
    scheme = value.split("://", 1)[0].lower() if "://" in value else ""
    if scheme not in ("console", "locmem", "http", "https"):
        raise ImproperlyConfigured(
            f"SMS_URL = {value!r}: write console://, locmem:// or the SMS gateway's "
            "http(s):// address."
        )
    if scheme in ("http", "https") and not (SMS_API_KEY and SMS_SENDER_ID):
        raise ImproperlyConfigured("An SMS gateway (SMS_URL) needs SMS_API_KEY and SMS_SENDER_ID.")
    return value


# Messages (appion.messaging; README, "Notifications"). SMS go through SMS_URL's backend;
# the worker (manage.py send_notifications) retries a failed message after
# APPION_OUTBOX_RETRY_SECONDS, doubling each time, and gives up after
# APPION_OUTBOX_MAX_ATTEMPTS attempts.
SMS_API_KEY = env.str("SMS_API_KEY", default="")
SMS_SENDER_ID = env.str("SMS_SENDER_ID", default="")
SMS_TIMEOUT = env.float("SMS_TIMEOUT", default=10.0)
SMS_URL = _sms_url(env.str("SMS_URL", default="console://"))
# Until a user's mobile number is verified (User.mobile_verified_at), messages go to them
# by email only. False: SMS to any mobile number on file (a site without verification).
APPION_SMS_REQUIRES_VERIFIED_MOBILE = env.bool("APPION_SMS_REQUIRES_VERIFIED_MOBILE", default=True)
# Advances paid online (scheduling.payments, issue #21): how long a booking that waits for
# its advance holds the slot.
APPION_PAYMENT_HOLD_MINUTES = env.int("APPION_PAYMENT_HOLD_MINUTES", default=10)
# What the notification worker also runs on each round (appion.messaging.worker.run_jobs):
# releasing the holds whose advance was not paid in time (after asking the gateway about
# each), and making due refunds.
APPION_WORKER_JOBS = [
    "scheduling.payments.release_expired",
    "scheduling.payments.process_refunds",
]

# Verify mobile numbers by a one-time code sent by SMS (accounts.mobile_codes). False on a
# site without an SMS gateway: no codes are sent and the pages do not ask for one.
APPION_MOBILE_VERIFICATION = env.bool("APPION_MOBILE_VERIFICATION", default=True)
APPION_OUTBOX_MAX_ATTEMPTS = env.int("APPION_OUTBOX_MAX_ATTEMPTS", default=8)
APPION_OUTBOX_RETRY_SECONDS = env.int("APPION_OUTBOX_RETRY_SECONDS", default=60)


def _business_hours(value):
    """The opening hours "HH:MM-HH:MM" (24-hour clock, opening before closing), spaces
    trimmed; anything else stops start-up here, naming the variable, rather than failing
    later inside the slot code (scheduling.selectors.business_hours reads it)."""
    match = re.fullmatch(r"\s*(\d\d:\d\d)\s*-\s*(\d\d:\d\d)\s*", value)
    try:
        opening, closing = (time.fromisoformat(part) for part in match.groups())
    except (AttributeError, ValueError):
        opening = closing = None
    if opening is None or opening >= closing:
        raise ImproperlyConfigured(
            f"APPION_BUSINESS_HOURS = {value!r} is not a time range: write HH:MM-HH:MM "
            "(24-hour clock, opening before closing), e.g. 08:00-18:00."
        )
    return f"{opening:%H:%M}-{closing:%H:%M}"


APPION_BUSINESS_HOURS = _business_hours(env.str("APPION_BUSINESS_HOURS", default="08:00-18:00"))


def _base_url(name, value):
    """An http(s) address with a host and nothing after the path (no query or
    fragment), without its trailing slash; anything else stops start-up, naming the
    variable."""
    parts = urlsplit(value.strip())
    if parts.scheme not in ("http", "https") or not parts.netloc or parts.query or parts.fragment:
        raise ImproperlyConfigured(
            f"{name} = {value!r} is not a base address: write http(s)://host[/path], "
            "e.g. https://meet.jit.si."
        )
    return value.strip().rstrip("/")


# The site's own address, for the links in emails and SMS (which are written with no
# request to take the host from): e.g. https://appion.example.com.
APPION_SITE_URL = _base_url(
    "APPION_SITE_URL", env.str("APPION_SITE_URL", default="http://127.0.0.1:8000")
)
# The Jitsi Meet server of online consultations: a room is <this>/Appion-<secret>.
APPION_VIDEO_BASE_URL = _base_url(
    "APPION_VIDEO_BASE_URL", env.str("APPION_VIDEO_BASE_URL", default="https://meet.jit.si")
)

# Advance payments through SSLCommerz's hosted checkout (scheduling.sslcommerz; README,
# "Payments"). With no store id and password the site takes payments on its built-in
# demo gateway instead. SSLCOMMERZ_SANDBOX picks sandbox.sslcommerz.com over
# securepay.sslcommerz.com; SSLCOMMERZ_BASE_URL, when set, replaces both (the tests'
# fake gateway). SSLCOMMERZ_TIMEOUT seconds per request to the gateway.
SSLCOMMERZ_STORE_ID = env.str("SSLCOMMERZ_STORE_ID", default="")
SSLCOMMERZ_STORE_PASSWORD = env.str("SSLCOMMERZ_STORE_PASSWORD", default="")
if bool(SSLCOMMERZ_STORE_ID) != bool(SSLCOMMERZ_STORE_PASSWORD):
    raise ImproperlyConfigured(
        "SSLCommerz needs both SSLCOMMERZ_STORE_ID and SSLCOMMERZ_STORE_PASSWORD (or neither, "
        "for the demo gateway)."
    )
SSLCOMMERZ_SANDBOX = env.bool("SSLCOMMERZ_SANDBOX", default=True)
SSLCOMMERZ_BASE_URL = env.str("SSLCOMMERZ_BASE_URL", default="")
if SSLCOMMERZ_BASE_URL:
    SSLCOMMERZ_BASE_URL = _base_url("SSLCOMMERZ_BASE_URL", SSLCOMMERZ_BASE_URL)
SSLCOMMERZ_TIMEOUT = env.float("SSLCOMMERZ_TIMEOUT", default=10.0)
# How long a doctor's slot list (the htmx fragment) is cached; any change to the doctor's
# bookings or hours replaces it at once in a shared cache. 0 turns the cache off (tests
# turn it on where they test it).
# How long the directory and doctor pages are cached for visitors who are not logged in
# (see appion/caching.py). 0 turns it off; off by default while developing (DEBUG).
APPION_PAGE_CACHE_SECONDS = env.int(
    "APPION_PAGE_CACHE_SECONDS", default=0 if (TESTING or DEBUG) else 30
)
APPION_SLOTS_CACHE_SECONDS = env.int(
    "APPION_SLOTS_CACHE_SECONDS", default=0 if (TESTING or DEBUG) else 30
)

# Abuse limits (django-ratelimit, counted in the default cache; only POSTs count). A rate
# is "N/m", "N/h" or "N/d": N posts a minute, an hour or a day, per address or account.
APPION_RATE_REGISTRATION = env.str("APPION_RATE_REGISTRATION", default="10/h")
APPION_RATE_PASSWORD_RESET = env.str("APPION_RATE_PASSWORD_RESET", default="10/h")
APPION_RATE_PASSWORD_RESET_EMAIL = env.str("APPION_RATE_PASSWORD_RESET_EMAIL", default="3/h")
APPION_RATE_BOOKING = env.str("APPION_RATE_BOOKING", default="60/h")
APPION_RATE_BOOKING_ACCOUNT = env.str("APPION_RATE_BOOKING_ACCOUNT", default="20/h")
# Every form that checks the current password (email and password change) counts together.
APPION_RATE_PASSWORD_CHECK = env.str("APPION_RATE_PASSWORD_CHECK", default="30/h")
APPION_RATE_PASSWORD_CHECK_ACCOUNT = env.str("APPION_RATE_PASSWORD_CHECK_ACCOUNT", default="10/h")
APPION_RATE_PROFILE = env.str("APPION_RATE_PROFILE", default="60/h")
APPION_RATE_PROFILE_ACCOUNT = env.str("APPION_RATE_PROFILE_ACCOUNT", default="20/h")
# Profile saves that change the mobile number: each may say whether another account has it.
APPION_RATE_MOBILE_CHANGE = env.str("APPION_RATE_MOBILE_CHANGE", default="20/h")
APPION_RATE_MOBILE_CHANGE_ACCOUNT = env.str("APPION_RATE_MOBILE_CHANGE_ACCOUNT", default="5/h")
# Failed logins from one address, whatever the accounts (password spraying); past it every
# login from the address is refused until the window ends.
APPION_RATE_LOGIN_FAILURES = env.str("APPION_RATE_LOGIN_FAILURES", default="30/h")
# Fetches of calendar feeds (/calendar/<secret>.ics) per client address, whatever the
# feed. Generous: calendar services (Google, Outlook) fetch many users' feeds from few
# addresses.
APPION_RATE_CALENDAR_FEED = env.str("APPION_RATE_CALENDAR_FEED", default="600/h")
RATELIMIT_ENABLE = env.bool("RATELIMIT_ENABLE", default=True)
# The client's address is REMOTE_ADDR unless a reverse proxy is trusted to pass it in a
# header it sets itself: then name that header's META key, e.g. HTTP_X_REAL_IP. Never name
# a header the proxy passes on from the client, or anyone can pick their own address.
# The rate limits, axes' lockouts and the audit log all use it (appion/client_ip.py).
CLIENT_IP_META_KEY = env.str("CLIENT_IP_META_KEY", default="") or None
RATELIMIT_IP_META_KEY = "appion.client_ip.client_ip"
AXES_CLIENT_IP_CALLABLE = "appion.client_ip.client_ip"

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="WARNING")},
    "loggers": {
        "appion": {"level": env.str("LOG_LEVEL", default="INFO")},
        # At DEBUG Django logs each SQL statement with its parameters: passwords' hashes,
        # symptoms, visit notes. Never, whatever LOG_LEVEL says.
        "django.db.backends": {"level": "INFO"},
    },
}
