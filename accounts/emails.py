"""Emails about the account itself (not an appointment), built one way: in the account
holder's language, plain text and HTML. The HTML part is its own template, autoescaped,
so that what people typed (a name, an address) is shown as text, never as markup."""

import logging

from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.utils import translation

logger = logging.getLogger("appion.accounts")


def account_email(user, *, to, subject, template, **context) -> EmailMultiAlternatives:
    """The email `template` (accounts/email/<template>.txt and .html) about `user`'s
    account, sent to the address `to`, in the user's language."""
    context = {"user": user, **context}
    with translation.override(user.preferred_language or "en"):
        title = str(subject)
        text = render_to_string(f"accounts/email/{template}.txt", context)
        html = render_to_string(f"accounts/email/{template}.html", {**context, "subject": title})
    message = EmailMultiAlternatives(title, text, to=[to])
    message.attach_alternative(html, "text/html")
    return message


def send(message):
    """Send after the change has been committed: a failing mail server is logged, never
    raised, and the change stands."""
    try:
        message.send()
    except OSError:
        logger.exception("Could not send the account email %r", message.subject)
