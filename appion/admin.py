"""The project's admin site: Django's, with every model admin audited."""

from django.contrib import admin

from accounts.audit import AuditedAdmin
from appion.ratelimits import limit_password_checks


class AppionAdminSite(admin.AdminSite):
    """Django's admin site, except that each model admin registered with it also writes
    the audit log (accounts.audit.AuditedAdmin), including those of Django's own apps and
    any added later."""

    def register(self, model_or_iterable, admin_class=None, **options):
        admin_class = admin_class or admin.ModelAdmin
        if not issubclass(admin_class, AuditedAdmin):
            admin_class = type(
                admin_class.__name__,
                (AuditedAdmin, admin_class),
                {"__module__": admin_class.__module__},
            )
        super().register(model_or_iterable, admin_class, **options)

    def password_change(self, request, extra_context=None):
        """Django's, counted with the other current-password checks (the admin site has
        already checked that the user is logged in as staff)."""
        change = super().password_change
        return limit_password_checks(lambda request: change(request, extra_context))(request)
