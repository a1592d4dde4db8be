from django.contrib.auth.backends import ModelBackend


class EmailBackend(ModelBackend):
    """Django's model backend; the manager matches the email in any letter case."""
