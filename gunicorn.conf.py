"""Gunicorn's settings for Appion: `gunicorn -c gunicorn.conf.py` (README, Deploying).

Each value can be changed with the environment variable named beside it.
"""

import os

wsgi_app = "appion.wsgi:application"
# Where the reverse proxy reaches the app; keep it on loopback or a private network.
bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")
# Processes, and threads in each: (2 × cores) + 1 sync workers is the usual start.
workers = int(os.environ.get("WEB_CONCURRENCY", "3"))
threads = int(os.environ.get("GUNICORN_THREADS", "1"))
# A request slower than this is killed (and its worker replaced); the proxy waits longer.
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "30"))
graceful_timeout = 30
keepalive = 5
# Recycle workers now and then, so that a slow leak cannot grow without bound.
max_requests = 2000
max_requests_jitter = 200
# Heartbeat files in memory, not on a disk that may stall.
worker_tmp_dir = "/dev/shm" if os.path.isdir("/dev/shm") else None
# Only the proxy's address may say the request came over HTTPS (X-Forwarded-Proto).
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1,::1")

# Access log to stdout, without query strings or referrers: these can carry a patient's
# search, name or email. Method, path, status, size, duration and browser only.
accesslog = os.environ.get("GUNICORN_ACCESS_LOG", "-") or None  # empty: none
access_log_format = '%(h)s %(t)s "%(m)s %(U)s %(H)s" %(s)s %(b)s %(M)sms "%(a)s"'
# Control characters in the path or the browser's name are written as \x0a etc., so that
# a `%0a` in a URL cannot forge a line of the log (appion/access_log.py).
logger_class = "appion.access_log.AccessLogger"
errorlog = "-"
loglevel = os.environ.get("GUNICORN_LOG_LEVEL", "info")
# Drop request headers whose names contain "_": they would look like the
# dash-spelled headers the proxy sets (e.g. X_Real_IP for X-Real-IP).
header_map = "drop"
