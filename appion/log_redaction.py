"""Secrets that travel in a URL path never reach a log: the address of a private
calendar feed (/calendar/<secret>.ics) is the key to someone's appointments, so every
log line that names a path names it as /calendar/[secret].ics. Gunicorn's access log
(appion.access_log) and Django's own request loggers (AppionConfig.ready) go through
here."""

import logging
import re

CALENDAR_FEED_PATH = re.compile(r"(/calendar/)[^/\s\"'?#]+?(\.ics)")


def redact_paths(text: str) -> str:
    """`text` with the secret of every calendar feed address in it replaced."""
    if "/calendar/" not in text:
        return text
    return CALENDAR_FEED_PATH.sub(r"\1[secret]\2", text)


class RedactPathSecrets(logging.Filter):
    """Rewrite a record that names a calendar feed's address (a 404 or 429 for an old
    or guessed address, an error inside the feed): its message is redacted, and the
    request it carries, whose path holds the secret, is dropped from it."""

    def filter(self, record):
        message = record.getMessage()
        redacted = redact_paths(message)
        if redacted != message:
            record.msg, record.args = redacted, ()
        request = getattr(record, "request", None)
        if request is not None and "/calendar/" in str(getattr(request, "path", "")):
            record.request = None
        return True


# The loggers that write request paths: Django's 4xx/5xx warnings and runserver's lines.
LOGGERS = ("django.request", "django.server")


def install():
    for name in LOGGERS:
        logger = logging.getLogger(name)
        if not any(isinstance(f, RedactPathSecrets) for f in logger.filters):
            logger.addFilter(RedactPathSecrets())
