"""The outbox (every email and SMS, written in the transaction that causes it and
delivered by the worker) and the in-app notifications (delivered by being written)."""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Channel(models.TextChoices):
    EMAIL = "email", _("Email")
    SMS = "sms", _("SMS")


class Preference(models.TextChoices):
    """How a user wants to be reached (stored on the user: accounts.User.notify_by). The
    in-app list gets every notification whatever the choice."""

    AUTO = "auto", _("Automatic: SMS to a verified mobile number (patients), email otherwise")
    SMS = "sms", _("SMS")
    EMAIL = "email", _("Email")
    BOTH = "both", _("SMS and email")


class OutboxQuerySet(models.QuerySet):
    def due(self, now=None):
        """Messages the worker should take now: waiting and due, or claimed by a worker
        whose lease has run out (it died while sending)."""
        now = now or timezone.now()
        return self.filter(
            status__in=(OutboxMessage.Status.PENDING, OutboxMessage.Status.SENDING),
            next_attempt_at__lte=now,
        )


class OutboxMessage(models.Model):
    """One email or SMS to one address, rendered in the recipient's language when the
    change that causes it is saved (in the same transaction), and sent by the worker
    (appion.messaging.worker): pending → sending (claimed, with a lease) → sent, or back
    to pending with a later next attempt, or failed after the last attempt."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting")
        SENDING = "sending", _("Sending")
        SENT = "sent", _("Sent")
        FAILED = "failed", _("Failed")

    channel = models.CharField(_("channel"), max_length=8, choices=Channel.choices)
    # What the message is about (booked, confirmed, reminder, ...): for the admin's filter.
    kind = models.CharField(_("kind"), max_length=40, blank=True)
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("recipient"),
    )
    # The email address or the mobile number (+8801XXXXXXXXX) at the time of writing.
    address = models.CharField(_("address"), max_length=254)
    subject = models.CharField(_("subject"), max_length=255, blank=True)
    text = models.TextField(_("text"))
    html = models.TextField(_("HTML"), blank=True)
    # [{"filename", "content" (text), "mimetype"}]: the .ics of a confirmed appointment.
    attachments = models.JSONField(_("attachments"), default=list, blank=True)
    language = models.CharField(_("language"), max_length=8, blank=True)
    # SMS only: how many parts the gateway will charge (GSM-7 or UCS-2, appion.messaging.sms).
    parts = models.PositiveSmallIntegerField(_("SMS parts"), null=True, blank=True)
    # A one-time code or the like: hidden in the admin and erased once sent, failed or expired.
    secret = models.BooleanField(_("secret"), default=False)
    status = models.CharField(
        _("status"), max_length=8, choices=Status.choices, default=Status.PENDING
    )
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    # Pending: not before this. Sending: the claim's lease ends then (the worker died if
    # it has not finished by then, and another takes the message again).
    next_attempt_at = models.DateTimeField(_("next attempt"), default=timezone.now)
    # Not worth sending after this (a reminder once the visit has begun).
    expires_at = models.DateTimeField(_("expires"), null=True, blank=True)
    last_error = models.TextField(_("last error"), blank=True)
    # The claim of the worker that is sending it, so that only that worker records the
    # outcome (see worker.claim).
    claim = models.CharField(_("claim"), max_length=32, blank=True, editable=False)
    sent_at = models.DateTimeField(_("sent"), null=True, blank=True)
    created_at = models.DateTimeField(_("created"), default=timezone.now)

    objects = OutboxQuerySet.as_manager()

    class Meta:
        verbose_name = _("outgoing message")
        verbose_name_plural = _("outbox")
        ordering = ["-created_at", "-id"]
        indexes = [
            # The worker's claim: due messages, oldest first (a small partial index: sent
            # and failed messages leave it).
            models.Index(
                fields=["next_attempt_at", "id"],
                name="messaging_outbox_due",
                condition=models.Q(status__in=["pending", "sending"]),
            ),
            # The admin's list, latest first, filtered by status.
            models.Index(fields=["status", "-created_at"], name="messaging_outbox_status"),
        ]

    def __str__(self):
        return f"{self.get_channel_display()} · {self.kind} · {self.address}"


class NotificationQuerySet(models.QuerySet):
    def unread(self):
        return self.filter(read_at__isnull=True)


class Notification(models.Model):
    """A line in the user's in-app list (/notifications/): delivered by being written,
    in the transaction of the change it tells about; read once the list is opened."""

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="notifications",
        verbose_name=_("recipient"),
    )
    kind = models.CharField(_("kind"), max_length=40, blank=True)
    text = models.CharField(_("text"), max_length=500)
    # A path on this site (the appointment's page).
    link = models.CharField(_("link"), max_length=200, blank=True)
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    read_at = models.DateTimeField(_("read"), null=True, blank=True)

    objects = NotificationQuerySet.as_manager()

    class Meta:
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        ordering = ["-created_at", "-id"]
        indexes = [
            # The list page: a user's notifications, latest first.
            models.Index(fields=["recipient", "-created_at", "-id"], name="messaging_notif_list"),
            # The bell on every page: a user's unread count.
            models.Index(
                fields=["recipient"],
                name="messaging_notif_unread",
                condition=models.Q(read_at__isnull=True),
            ),
        ]

    def __str__(self):
        return self.text[:80]

    @property
    def safe_link(self):
        """The link when it is a path on this site, else "" (never another site's)."""
        link = self.link or ""
        return link if link.startswith("/") and not link.startswith(("//", "/\\")) else ""
