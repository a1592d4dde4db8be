"""The project's admin site: Django's, with every model admin audited."""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from accounts.audit import AuditedAdmin
from accounts.forms import AdminLoginForm
from appion.ratelimits import limit_password_checks


class EmptyToFieldAdmin:
    """A ModelAdmin mixin: an empty `_to_field` parameter means the primary key. Django
    lets `?_to_field=` past its check (the value is falsy) and then looks up a field
    named "", which answers 500 on every change, delete and popup page."""

    def get_object(self, request, object_id, from_field=None):
        return super().get_object(request, object_id, from_field or None)


class AppionAdminSite(admin.AdminSite):
    """Django's admin site, except that each model admin registered with it also writes
    the audit log (accounts.audit.AuditedAdmin) and reads an empty `_to_field` as none
    (EmptyToFieldAdmin), including those of Django's own apps and any added later. Its
    login takes the email or the mobile number, as the site's does."""

    login_form = AdminLoginForm
    # Appion's name in the header and the browser tab (its colours: static/css/admin.css,
    # loaded by templates/admin/base_site.html).
    site_header = _("Appion administration")
    site_title = _("Appion administration")
    # The app list stays on the admin's home page: beside a change list on a 1280 px
    # screen the sidebar pushed the appointment list's status and fee out of sight.
    enable_nav_sidebar = False

    def register(self, model_or_iterable, admin_class=None, **options):
        admin_class = admin_class or admin.ModelAdmin
        mixins = tuple(
            mixin
            for mixin in (AuditedAdmin, EmptyToFieldAdmin)
            if not issubclass(admin_class, mixin)
        )
        if mixins:
            admin_class = type(
                admin_class.__name__,
                (*mixins, admin_class),
                {"__module__": admin_class.__module__},
            )
        super().register(model_or_iterable, admin_class, **options)

    def password_change(self, request, extra_context=None):
        """Django's, counted with the other current-password checks (the admin site has
        already checked that the user is logged in as staff)."""
        change = super().password_change
        return limit_password_checks(lambda request: change(request, extra_context))(request)
