"""The audit log: who did what, when and from which address (AuditEntry).

`record` writes one entry. Views and signal receivers pass the request; services, which
never see a request, are given the address by AuditAddressMiddleware, which keeps the
current request's client address for the length of the request.

The client address is the one the rate limits and django-axes' lockouts use
(appion.client_ip), so that all three agree on who the client is. Entries never hold a
password, symptoms or visit notes: callers pass names, ids and statuses only.
"""

import functools
import json
from contextvars import ContextVar

from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import models

from accounts.backends import login_identity
from accounts.models import AuditEntry
from appion.client_ip import UNKNOWN, client_ip

Action = AuditEntry.Action

_current_address: ContextVar[str | None] = ContextVar("audit_client_address", default=None)


def client_address(request) -> str | None:
    """The client's IP address, or None when there is none or it is not an address."""
    address = client_ip(request) if request is not None else UNKNOWN
    return None if address == UNKNOWN else address


class AuditAddressMiddleware:
    """Keep the client address of the current request for entries written by services."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        token = _current_address.set(client_address(request))
        try:
            return self.get_response(request)
        finally:
            _current_address.reset(token)


def _target(target) -> str:
    if isinstance(target, models.Model):
        return f"{target._meta.label_lower}:{target.pk}"
    return str(target or "")[:200]


def record(action, *, user=None, request=None, email="", target=None, detail=None) -> AuditEntry:
    """Write one audit entry for `action` by `user` (None for an anonymous visitor). The
    email is `email`, else the user's; the address is the request's, else the current
    request's (see AuditAddressMiddleware), else none. `target` is a model instance or a
    short text; `detail` a small JSON-able dict of names, ids and statuses."""
    if user is not None and not user.is_authenticated:
        user = None
    address = client_address(request) if request is not None else _current_address.get()
    return AuditEntry.objects.create(
        action=action,
        user=user,
        email=(email or getattr(user, "email", "") or "")[:254],
        ip_address=address,
        target=_target(target),
        detail=detail or {},
    )


def attempted_email(value) -> str:
    """The email of the login name tried in a failed login (accounts.backends.
    login_identity): the name itself if it is an email address, the account's email if it
    is an account's mobile number. Anything else is dropped: people type their password
    into the login field, and a number no account has names nobody."""
    value = login_identity(str(value or ""))[:254]
    try:
        validate_email(value)
    except ValidationError:
        return ""
    return value


def connect_receivers():
    """Record logins, logouts and failed logins. Called by AccountsConfig.ready, which
    runs after django-axes has connected its receivers (axes comes first in
    INSTALLED_APPS), so that a failed login already knows whether it was locked out."""
    user_logged_in.connect(logged_in, dispatch_uid="audit_login")
    user_logged_out.connect(logged_out, dispatch_uid="audit_logout")
    user_login_failed.connect(login_failed, dispatch_uid="audit_login_failed")


def logged_in(sender, request, user, **kwargs):
    record(Action.LOGIN, request=request, user=user)


def logged_out(sender, request, user, **kwargs):
    # Logging out with no session (user None) is not an event worth keeping.
    if user is not None:
        record(Action.LOGOUT, request=request, user=user)


def login_failed(sender, credentials, request=None, **kwargs):
    # Django has already masked the password in `credentials`; only the name is read.
    detail = {"locked_out": True} if getattr(request, "axes_locked_out", False) else {}
    record(
        Action.LOGIN_FAILED,
        request=request,
        email=attempted_email(credentials.get("username")),
        detail=detail,
    )


# How many object ids an admin action's entry lists; beyond that it gives the count only.
ADMIN_IDS_LISTED = 100


class AuditedAdmin:
    """A ModelAdmin mixin that copies the admin's own log (additions, changes, deletions)
    into the audit log with the address, and records every admin action (verifying
    doctors, CSV export, ...) with the objects it was run on. The admin site applies it
    to every model admin (appion.admin.AppionAdminSite)."""

    def log_addition(self, request, obj, message):
        entry = super().log_addition(request, obj, message)
        self._record_log(request, Action.ADMIN_ADD, obj, entry)
        return entry

    def log_change(self, request, obj, message):
        entry = super().log_change(request, obj, message)
        self._record_log(request, Action.ADMIN_CHANGE, obj, entry)
        return entry

    def log_deletions(self, request, queryset):
        objects = [{"id": obj.pk, "name": str(obj)[:100]} for obj in queryset]
        entries = super().log_deletions(request, queryset)
        record(
            Action.ADMIN_DELETE,
            user=request.user,
            request=request,
            target=self.opts.label_lower,
            detail={"objects": objects},
        )
        return entries

    def _record_log(self, request, action, obj, entry):
        # The admin's change message names the changed fields, never their values; it is
        # JSON, or a plain text from older code.
        try:
            change = json.loads(entry.change_message or "[]")
        except ValueError:
            change = entry.change_message
        record(
            action,
            user=request.user,
            request=request,
            target=obj,
            detail={"name": str(obj)[:100], "change": change},
        )

    def get_actions(self, request):
        actions = super().get_actions(request)
        return {
            name: (func if name == "delete_selected" else _audited_action(func, name), name, desc)
            for name, (func, name, desc) in actions.items()
        }


def _audited_action(func, name):
    """Wrap an admin action so that running it is recorded. (Deleting is recorded by
    log_deletions once it has been confirmed.)"""

    @functools.wraps(func)
    def action(modeladmin, request, queryset):
        ids = list(queryset.order_by("pk").values_list("pk", flat=True)[: ADMIN_IDS_LISTED + 1])
        count = len(ids) if len(ids) <= ADMIN_IDS_LISTED else queryset.count()
        response = func(modeladmin, request, queryset)
        detail = {"action": name, "count": count}
        if count <= ADMIN_IDS_LISTED:
            detail["ids"] = ids
        record(
            Action.ADMIN_ACTION,
            user=request.user,
            request=request,
            target=queryset.model._meta.label_lower,
            detail=detail,
        )
        return response

    return action
