from django.contrib import admin, messages
from django.utils import timezone
from django.utils.text import Truncator
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from appion.messaging.models import Notification, OutboxMessage

HIDDEN = _("(hidden: a one-time code)")


@admin.register(OutboxMessage)
class OutboxMessageAdmin(admin.ModelAdmin):
    """The outbox: what waits, what was sent, and what failed with the error; staff
    can send waiting or failed messages again at once ("retry now")."""

    list_display = [
        "created_at",
        "channel",
        "kind",
        "address",
        "status",
        "attempts",
        "next_attempt_at",
        "error",
    ]
    list_filter = ["status", "channel", "kind"]
    search_fields = ["address", "subject"]
    date_hierarchy = "created_at"
    list_select_related = False
    actions = ["retry_now"]
    fields = [
        "channel",
        "kind",
        "recipient",
        "address",
        "language",
        "status",
        "attempts",
        "next_attempt_at",
        "expires_at",
        "sent_at",
        "created_at",
        "last_error",
        "subject",
        "shown_text",
        "parts",
        "html",
        "attachment_names",
    ]
    readonly_fields = fields

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        # Read only: the one change is the retry action.
        return obj is None and super().has_change_permission(request)

    @admin.display(description=_("last error"))
    def error(self, message):
        return Truncator(message.last_error).chars(80)

    @admin.display(description=_("text"))
    def shown_text(self, message):
        return HIDDEN if message.secret else message.text

    @admin.display(description=_("attachments"))
    def attachment_names(self, message):
        return ", ".join(attachment.get("filename", "") for attachment in message.attachments)

    @admin.action(description=_("Retry now"), permissions=["change"])
    def retry_now(self, request, queryset):
        """Waiting and failed messages become due now with a fresh count of attempts;
        sent ones and those a worker is sending are left alone."""
        count = queryset.filter(
            status__in=(OutboxMessage.Status.PENDING, OutboxMessage.Status.FAILED)
        ).update(
            status=OutboxMessage.Status.PENDING,
            next_attempt_at=timezone.now(),
            attempts=0,
            claim="",
        )
        self.message_user(
            request,
            ngettext(
                "%(count)d message will be sent again by the worker.",
                "%(count)d messages will be sent again by the worker.",
                count,
            )
            % {"count": count},
            messages.SUCCESS,
        )


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    list_display = ["created_at", "recipient", "kind", "text", "read_at"]
    list_filter = ["kind", ("read_at", admin.EmptyFieldListFilter)]
    list_select_related = ["recipient"]
    search_fields = ["recipient__email", "recipient__full_name"]
    date_hierarchy = "created_at"
    fields = ["recipient", "kind", "text", "link", "created_at", "read_at"]
    readonly_fields = fields

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
