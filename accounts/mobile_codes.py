"""Verifying a mobile number by a one-time code sent to it by SMS (issue #18).

A patient whose mobile number is verified (User.mobile_verified_at) gets their messages
by SMS; until then by email only (User.can_receive_sms). A code is asked for at
registration and after the number changes (accounts.views), or at any time from the
profile:

- 6 digits from `secrets`; only a keyed hash is stored (HMAC with the site's secret key,
  the account and the number), compared in constant time;
- valid for 10 minutes, 5 tries; a new code replaces the one before it;
- at most 3 codes an hour to one number, and 3 to one client address (the rows of
  MobileCode are the count, so the limits hold across processes and restarts);
- the SMS goes through the outbox at once (`send_now`), marked secret (its text is
  erased once sent and never shown in the admin) and expiring with the code.

APPION_MOBILE_VERIFICATION = False turns it off for a site without an SMS gateway: no
codes are sent, the pages do not ask for one.
"""

import secrets
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone, translation
from django.utils.crypto import constant_time_compare, salted_hmac
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from accounts import audit
from accounts.models import AuditEntry, MobileCode, User
from appion.messaging import services as messaging

DIGITS = 6
VALID_FOR = timedelta(minutes=10)
TRIES = 5
SENDS_PER_HOUR = 3
_HASH_SALT = "appion.accounts.mobile_codes"


class CodeError(Exception):
    """A code could not be sent or was not accepted; `message` says why, for the user."""

    def __init__(self, message, *, code):
        super().__init__(message)
        self.message = message
        self.code = code


def enabled() -> bool:
    return settings.APPION_MOBILE_VERIFICATION


def needs_verification(user) -> bool:
    """Whether `user` has a mobile number that a code could verify and it is not yet."""
    return (
        enabled()
        and user.is_authenticated
        and bool(user.mobile)
        and user.mobile_verified_at is None
    )


def code_waiting(user, *, now=None) -> bool:
    """Whether a code sent to `user`'s number can still be entered."""
    now = now or timezone.now()
    return MobileCode.objects.filter(
        user=user,
        mobile=user.mobile or "",
        used_at__isnull=True,
        expires_at__gt=now,
        attempts__lt=TRIES,
    ).exists()


def _hash(user_id, mobile, code) -> str:
    return salted_hmac(_HASH_SALT, f"{user_id}:{mobile}:{code}", algorithm="sha256").hexdigest()


def _sms_text(code) -> str:
    minutes = int(VALID_FOR.total_seconds() // 60)
    return _(
        "Your Appion code is %(code)s. It is valid for %(minutes)s minutes. Never share it."
    ) % {
        "code": code,
        "minutes": minutes,
    }


def send_code(*, user, ip=None, now=None) -> MobileCode:
    """Send a new code to `user`'s mobile number (from client address `ip`); the codes
    sent before it stop working. Raises CodeError, sending nothing, when verification is
    off, there is no number, it is verified already, or a send limit is reached."""
    now = now or timezone.now()
    if not enabled():
        raise CodeError(_("Mobile number verification is turned off."), code="disabled")
    hour_ago = now - timedelta(hours=1)
    with transaction.atomic():
        # One send at a time per account: the count below stays true.
        user = User.objects.select_for_update().get(pk=user.pk)
        if not user.mobile:
            raise CodeError(_("Add your mobile number to your profile first."), code="no_mobile")
        if user.mobile_verified_at is not None:
            raise CodeError(_("Your mobile number is verified already."), code="verified")
        recent = MobileCode.objects.filter(created_at__gt=hour_ago).order_by("created_at")
        to_number = recent.filter(mobile=user.mobile)
        from_address = recent.filter(ip_address=ip) if ip else MobileCode.objects.none()
        for earlier in (to_number, from_address):
            if earlier.count() >= SENDS_PER_HOUR:
                oldest = earlier.first().created_at
                minutes = max(1, int((oldest + timedelta(hours=1) - now).total_seconds() // 60) + 1)
                raise CodeError(
                    ngettext(
                        "Too many codes were sent in the last hour. Please try again in "
                        "%(minutes)s minute.",
                        "Too many codes were sent in the last hour. Please try again in "
                        "%(minutes)s minutes.",
                        minutes,
                    )
                    % {"minutes": minutes},
                    code="too_many_sends",
                )
        MobileCode.objects.filter(user=user, used_at__isnull=True, expires_at__gt=now).update(
            expires_at=now
        )
        code = f"{secrets.randbelow(10**DIGITS):0{DIGITS}d}"
        sent = MobileCode.objects.create(
            user=user,
            mobile=user.mobile,
            code_hash=_hash(user.pk, user.mobile, code),
            created_at=now,
            expires_at=now + VALID_FOR,
            ip_address=ip,
        )
        with translation.override(user.preferred_language):
            text = _sms_text(code)
        messaging.queue_sms(
            to=user.mobile,
            text=text,
            kind="otp",
            secret=True,
            expires_at=sent.expires_at,
            send_now=True,
        )
    return sent


def check_code(*, user, code, now=None) -> None:
    """Verify `user`'s mobile number if `code` is their latest code's: not expired, not
    used, within its tries. Every try counts, right or wrong. Raises CodeError
    otherwise (the try is still counted)."""
    now = now or timezone.now()
    error = None
    with transaction.atomic():
        user = User.objects.select_for_update().get(pk=user.pk)
        if not user.mobile:
            raise CodeError(_("Add your mobile number to your profile first."), code="no_mobile")
        if user.mobile_verified_at is not None:
            raise CodeError(_("Your mobile number is verified already."), code="verified")
        latest = (
            MobileCode.objects.filter(user=user, mobile=user.mobile, used_at__isnull=True)
            .order_by("-created_at", "-pk")
            .first()
        )
        if latest is None or latest.expires_at <= now:
            raise CodeError(_("This code has expired. Please ask for a new one."), code="expired")
        if latest.attempts >= TRIES:
            raise CodeError(
                _("Too many wrong tries. Please ask for a new code."), code="too_many_tries"
            )
        latest.attempts += 1
        if constant_time_compare(latest.code_hash, _hash(user.pk, user.mobile, code)):
            latest.used_at = now
            user.mobile_verified_at = now
            user.save(update_fields=["mobile_verified_at", "updated_at"])
            audit.record(AuditEntry.Action.MOBILE_VERIFIED, user=user, target=user, detail={})
        else:
            left = TRIES - latest.attempts
            error = CodeError(
                ngettext(
                    "That code is not right. You have %(count)s try left.",
                    "That code is not right. You have %(count)s tries left.",
                    left,
                )
                % {"count": left}
                if left
                else _("That code is not right. Please ask for a new code."),
                code="wrong",
            )
        latest.save(update_fields=["attempts", "used_at"])
    if error:
        raise error
