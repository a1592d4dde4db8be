from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = _("Accounts")

    def ready(self):
        # Connects the receivers that write logins, logouts and failed logins to the
        # audit log.
        from accounts import audit  # noqa: F401
