from django.apps import AppConfig
from django.contrib.admin import apps as admin_apps


class AppionConfig(AppConfig):
    default = True
    name = "appion"
    verbose_name = "Appion"

    def ready(self):
        from appion import (
            checks,  # noqa: F401 - registers the system checks
            log_redaction,
        )

        log_redaction.install()


class AppionAdminConfig(admin_apps.AdminConfig):
    """The admin with Appion's site (appion.admin), which audits every admin action."""

    default = False
    default_site = "appion.admin.AppionAdminSite"
