"""The production settings, for the gunicorn servers that tests start, with one change:
the tests' fast password hasher (the factories store MD5 hashes), so that logging fifty
patients in over HTTP takes a second rather than a minute of PBKDF2."""

from appion.settings import *  # noqa: F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
