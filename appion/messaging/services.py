"""Writing messages: the one way the apps reach a user. Everything here only writes rows,
inside the caller's transaction (a rollback takes the messages with it); the worker
(appion.messaging.worker, `manage.py send_notifications`) sends the emails and SMS after
the commit, and retries them while a mail server or SMS gateway is down.

    notify(user, kind=..., email=..., sms=..., in_app=...)
        A notification to a user by the channels they chose (the user model's
        notification_channels()): an in-app line always, and an email and/or an SMS.
    queue_sms(to=number, text=..., ...)
        One SMS to a number, whatever anyone's preference (a one-time code to the number
        being verified). With send_now=True the request tries to send it right after
        the commit, so that the person waiting gets it at once; the worker retries it
        if that fails.
    queue_email(to=address, subject=..., text=..., ...)
        One email to an address.

An in-app line is also announced, after the commit, to the recipient's open pages
(appion/live.py, the socket /ws/notifications/ of appion/messaging/consumers.py), whose
bell then fetches its count again; the announcement carries no text.

The user model (settings.AUTH_USER_MODEL) provides `email`, `mobile`,
`preferred_language` and `notification_channels()` (a set of Channel values); this
module imports no app."""

import logging
from collections.abc import Callable
from dataclasses import dataclass, field

from django.conf import settings
from django.db import transaction
from django.utils import timezone, translation

from appion import live
from appion.messaging import sms as sms_parts
from appion.messaging.models import Channel, Notification, OutboxMessage

logger = logging.getLogger("appion.messaging")


@dataclass(frozen=True)
class Email:
    """A rendered email: subject, plain text, optional HTML and text attachments
    [(filename, content, mimetype)]."""

    subject: str
    text: str
    html: str = ""
    attachments: tuple = field(default_factory=tuple)

    @classmethod
    def from_message(cls, message) -> "Email":
        """The content of a django.core.mail.EmailMultiAlternatives (its first HTML
        alternative and its text attachments)."""
        html = next(
            (str(content) for content, mimetype in message.alternatives if mimetype == "text/html"),
            "",
        )
        attachments = tuple(
            (name, content.decode() if isinstance(content, bytes) else str(content), mimetype)
            for name, content, mimetype in message.attachments
        )
        return cls(str(message.subject), str(message.body), html, attachments)


@dataclass(frozen=True)
class InApp:
    """A line of the in-app list and the path it links to."""

    text: str
    link: str = ""


def queue_email(
    *,
    to: str,
    subject: str,
    text: str,
    html: str = "",
    attachments=(),
    language: str = "",
    kind: str = "",
    recipient=None,
    expires_at=None,
) -> OutboxMessage:
    """Write one email to the outbox (sent by the worker after the commit)."""
    return OutboxMessage.objects.create(
        channel=Channel.EMAIL,
        kind=kind,
        recipient=recipient,
        address=to,
        subject=str(subject)[:255],
        text=str(text),
        html=str(html),
        attachments=[
            {"filename": name, "content": content, "mimetype": mimetype}
            for name, content, mimetype in attachments
        ],
        language=language or translation.get_language() or "",
        expires_at=expires_at,
    )


def queue_sms(
    *,
    to: str,
    text: str,
    language: str = "",
    kind: str = "",
    recipient=None,
    expires_at=None,
    secret: bool = False,
    send_now: bool = False,
) -> OutboxMessage:
    """Write one SMS to `to` (+8801XXXXXXXXX) to the outbox, with the parts it costs
    (GSM-7 160/153, UCS-2 70/67 characters a part). Texts should fit sms.MAX_PARTS
    (build them with sms.fit); a longer one is still sent, and logged.

    expires_at: not sent after this (e.g. a one-time code's expiry); it is then marked
    failed, "expired". secret: the text is hidden in the admin and erased from the row
    once the message is sent, failed or expired (one-time codes). send_now: after the
    commit, this request claims the message and sends it (as the worker would, so it is
    never sent twice); if that fails, the worker retries it."""
    count = sms_parts.parts(text)
    if count > sms_parts.MAX_PARTS:
        logger.warning("An SMS of kind %s takes %d parts.", kind or "-", count)
    message = OutboxMessage.objects.create(
        channel=Channel.SMS,
        kind=kind,
        recipient=recipient,
        address=to,
        text=text,
        language=language or translation.get_language() or "",
        parts=count,
        secret=secret,
        expires_at=expires_at,
    )
    if send_now:
        from appion.messaging import worker

        transaction.on_commit(lambda: worker.deliver_now([message.pk]))
    return message


def notifications_group(user_id: int) -> str:
    """The pages of one user, whose bell follows their unread count (/ws/notifications/)."""
    return f"live.notifications.{user_id}"


def add_notification(*, recipient, text: str, link: str = "", kind: str = "") -> Notification:
    """Write one line to `recipient`'s in-app list; once it commits, their open pages'
    bells hear of it (only that there is something new: never its text)."""
    notification = Notification.objects.create(
        recipient=recipient, text=str(text)[:500], link=link[:200], kind=kind
    )
    live.after_commit({notifications_group(recipient.pk): {"type": "notifications"}})
    return notification


def notify(
    recipient,
    *,
    kind: str,
    email: Callable[[], Email] | None = None,
    sms: Callable[[], str] | None = None,
    in_app: Callable[[], InApp] | None = None,
    expires_at=None,
) -> list:
    """Tell `recipient` something, by the channels they chose: the in-app line always,
    and the email and/or the SMS as recipient.notification_channels() says (SMS only to
    a mobile number the user model allows; without an SMS text the email goes instead).
    Each builder is called only if its channel is used, with the recipient's language
    active, so texts are rendered once and in that language. Call it inside the
    transaction of the change it tells about. Returns the rows written."""
    channels = recipient.notification_channels()
    if Channel.SMS in channels and (sms is None or not recipient.mobile):
        channels = (set(channels) - {Channel.SMS}) | {Channel.EMAIL}
    language = recipient.preferred_language or settings.LANGUAGE_CODE
    written = []
    with translation.override(language), transaction.atomic():
        if in_app is not None:
            line = in_app()
            written.append(
                add_notification(recipient=recipient, text=line.text, link=line.link, kind=kind)
            )
        if email is not None and Channel.EMAIL in channels and recipient.email:
            content = email()
            written.append(
                queue_email(
                    to=recipient.email,
                    subject=content.subject,
                    text=content.text,
                    html=content.html,
                    attachments=content.attachments,
                    language=language,
                    kind=kind,
                    recipient=recipient,
                    expires_at=expires_at,
                )
            )
        if Channel.SMS in channels:
            written.append(
                queue_sms(
                    to=recipient.mobile,
                    text=sms(),
                    language=language,
                    kind=kind,
                    recipient=recipient,
                    expires_at=expires_at,
                )
            )
    return written


def unread_count(user) -> int:
    """The number on the bell: the user's unread notifications (one indexed count)."""
    return Notification.objects.filter(recipient=user).unread().count()


def mark_read(notifications, *, now=None) -> int:
    """Mark the given notifications (a queryset of one user's) read."""
    return notifications.unread().update(read_at=now or timezone.now())
