"""Writes on accounts: registration, profile edits, email change. Each runs in one
transaction; a replaced photo file is removed, and emails are sent, only after the
transaction commits."""

import secrets
from contextlib import contextmanager
from datetime import timedelta

from django.conf import settings
from django.core import signing
from django.db import IntegrityError, transaction
from django.db.models import F
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.crypto import constant_time_compare, salted_hmac
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts import audit, verification
from accounts.emails import account_email
from accounts.emails import send as send_email
from accounts.models import CalendarFeed, DoctorProfile, PatientProfile, User

USER_FIELDS = ("full_name", "mobile", "division", "district", "thana")
PATIENT_FIELDS = ("date_of_birth", "gender", "blood_group")
DOCTOR_FIELDS = (
    "licence_number",
    "specialization",
    "qualifications",
    "experience_years",
    "consultation_fee",
    "bio",
)


class AccountError(Exception):
    """A write was refused; the message is safe to show to the user."""

    def __init__(self, message, field=None):
        super().__init__(message)
        self.message = message
        self.field = field


LICENCE_TAKEN = gettext_lazy("A doctor with this licence number is already registered.")
# Names no account; as in accounts.forms, where the form finds the number taken.
MOBILE_UNAVAILABLE = gettext_lazy(
    "This mobile number cannot be used for your account. Check it or enter another."
)


@contextmanager
def _refused_if_taken(message, *, field, photo=None):
    """Turn a unique-constraint clash — two requests racing for one email, mobile or
    licence number, where the database keeps the first — into an AccountError for
    `field`, removing a photo file already written for the refused record."""
    try:
        with transaction.atomic():
            yield
    except IntegrityError:
        if photo:
            photo.delete(save=False)
        raise AccountError(str(message), field=field) from None


def _pick(data, names):
    return {name: data[name] for name in names if name in data}


def _registration_language() -> str:
    """The language the account is made in (the page's or the API request's): its
    messages, the first SMS code among them, come in it until the user switches."""
    language = translation.get_language() or settings.LANGUAGE_CODE
    return language if language in dict(settings.LANGUAGES) else settings.LANGUAGE_CODE


def _create_user(*, role, email, password, data):
    user = User(email=User.objects.normalize_email(email), role=role, **_pick(data, USER_FIELDS))
    user.preferred_language = _registration_language()
    user.set_password(password)
    if data.get("photo"):
        user.photo.save(data["photo"].name, data["photo"], save=False)
    with _refused_if_taken(
        _("An account with this email address or mobile number already exists."),
        field="email",
        photo=user.photo,
    ):
        user.save()
    return user


@transaction.atomic
def create_account(*, role, email, password, data):
    """Create a patient or a doctor with their profile, from the cleaned fields of a
    registration form (the part of registering that both share): a patient's
    PATIENT_FIELDS, or a doctor's DOCTOR_FIELDS, not yet verified. A doctor registers
    through scheduling.services.register_doctor, which adds their first chamber. Raises
    AccountError, creating nothing, when the email, mobile or licence is taken."""
    user = _create_user(role=role, email=email, password=password, data=data)
    if role == User.Role.DOCTOR:
        with _refused_if_taken(LICENCE_TAKEN, field="licence_number", photo=user.photo):
            DoctorProfile.objects.create(user=user, **_pick(data, DOCTOR_FIELDS))
    else:
        PatientProfile.objects.create(user=user, **_pick(data, PATIENT_FIELDS))
    return user


def register_patient(*, email, password, data):
    """Register a patient (create_account). `data` holds the cleaned fields of
    PatientRegistrationForm. Raises AccountError when the email or mobile is taken."""
    return create_account(role=User.Role.PATIENT, email=email, password=password, data=data)


def _replace_photo(user, photo):
    """photo: a new file, False to remove the photo, None to keep it."""
    if photo is None:
        return
    old_name = user.photo.name
    storage = user.photo.storage
    if photo is False:
        user.photo = ""
    else:
        user.photo.save(photo.name, photo, save=False)
    if old_name:
        transaction.on_commit(lambda: storage.delete(old_name))


@transaction.atomic
def update_profile(*, user, data):
    """Save the user's own fields and their role profile from a cleaned profile form,
    and how they want to be notified (`notify_by`, when given). A new mobile number is
    not verified (mobile_verified_at is cleared), whatever the old one was.
    For a doctor, a change to any detail an administrator verified (name, licence number,
    specialization, qualifications: verification.VERIFIED_FIELDS) clears the
    verification until an administrator checks it again; other changes keep it."""
    if user.role == User.Role.DOCTOR:
        checked = verification.verified_details(user.doctor_profile)
    mobile = user.mobile
    for name, value in _pick(data, USER_FIELDS).items():
        setattr(user, name, value)
    if user.mobile != mobile:
        # A verification belongs to the number that was verified.
        user.mobile_verified_at = None
    if data.get("notify_by"):
        user.notify_by = data["notify_by"]
    _replace_photo(user, data.get("photo"))
    with _refused_if_taken(MOBILE_UNAVAILABLE, field="mobile"):
        user.save()

    if user.role == User.Role.PATIENT:
        profile, _created = PatientProfile.objects.get_or_create(user=user)
        for name, value in _pick(data, PATIENT_FIELDS).items():
            setattr(profile, name, value)
        profile.save()
    elif user.role == User.Role.DOCTOR:
        profile = user.doctor_profile
        for name, value in _pick(data, DOCTOR_FIELDS).items():
            setattr(profile, name, value)
        if verification.verified_details(profile) != checked:
            profile.verified_at = None
            profile.verified_by = None
        with _refused_if_taken(LICENCE_TAKEN, field="licence_number"):
            profile.save()
    return user


# An email change is a signed link to the new address (django.core.signing). The link
# names the account and the new address, and carries a digest of the account's present
# email and password instead of the email itself: it reveals no other address to whoever
# reads it, and dies once either changes (the change it makes, another change first, or a
# new password set by an owner who did not ask for it).
EMAIL_CHANGE_SALT = "accounts.email-change"
EMAIL_CHANGE_LINK_HOURS = 24

EMAIL_TAKEN = gettext_lazy("Another account already uses this email address.")
LINK_BROKEN = gettext_lazy(
    "This link is not valid. Check that you opened the whole link from the email, or ask "
    "for a new one."
)
LINK_EXPIRED = gettext_lazy("This link has expired. Please ask for a new one.")
LINK_SPENT = gettext_lazy(
    "This link has already been used or is no longer valid. Please ask for a new one."
)
LINK_OTHER_ACCOUNT = gettext_lazy(
    "This link was sent for another account. Log in with the account that asked for the change."
)
ADDRESS_UNAVAILABLE = gettext_lazy(
    "This email address can no longer be used for your account. Nothing was changed."
)


def _account_state(user):
    email = User.objects.normalize_email(user.email)
    return salted_hmac(EMAIL_CHANGE_SALT, f"{email}\n{user.password}").hexdigest()


def _email_taken(email, *, by_other_than):
    return User.objects.filter(email__iexact=email).exclude(pk=by_other_than.pk).exists()


def _link(base_url, name, *args):
    return base_url.rstrip("/") + reverse(name, args=args)


@transaction.atomic
def request_email_change(*, user, email, base_url):
    """Ask to change the user's login email to `email` (the form has checked the current
    password): after commit, a link that makes the change goes to `email` and a notice
    to the present address; nothing changes now. `base_url` is the site's address that
    the links start with. Raises AccountError when another account uses `email`."""
    email = User.objects.normalize_email(email)
    if _email_taken(email, by_other_than=user):
        raise AccountError(str(EMAIL_TAKEN), field="email")
    token = email_change_token(user=user, email=email)
    confirm = account_email(
        user,
        to=email,
        subject=gettext_lazy("Confirm your new email address for Appion"),
        template="email_change_confirm",
        link=_link(base_url, "accounts:change_email_confirm", token),
        hours=EMAIL_CHANGE_LINK_HOURS,
    )
    notice = account_email(
        user,
        to=user.email,
        subject=gettext_lazy("A change of your Appion email address was requested"),
        template="email_change_requested",
        new_email=email,
        password_reset_link=_link(base_url, "accounts:password_reset"),
    )

    def send():
        send_email(confirm)
        send_email(notice)

    transaction.on_commit(send)


def email_change_token(*, user, email) -> str:
    """The signed token of a link that moves `user`'s account to `email` (unchecked)."""
    return signing.dumps(
        {"user": user.pk, "email": email, "state": _account_state(user)}, salt=EMAIL_CHANGE_SALT
    )


def email_change_link(*, user, token):
    """The new address that the link `token` would give `user`'s account. Raises
    AccountError, saying why, when the link is not ours, is older than
    EMAIL_CHANGE_LINK_HOURS, is for another account or is spent (the account's email or
    password has changed since it was sent)."""
    try:
        claim = signing.loads(
            token, salt=EMAIL_CHANGE_SALT, max_age=timedelta(hours=EMAIL_CHANGE_LINK_HOURS)
        )
    except signing.SignatureExpired:
        raise AccountError(str(LINK_EXPIRED)) from None
    except signing.BadSignature:
        raise AccountError(str(LINK_BROKEN)) from None
    if not isinstance(claim, dict) or not isinstance(claim.get("email"), str):
        raise AccountError(str(LINK_BROKEN))
    if claim.get("user") != user.pk:
        raise AccountError(str(LINK_OTHER_ACCOUNT))
    if not constant_time_compare(str(claim.get("state")), _account_state(user)):
        raise AccountError(str(LINK_SPENT))
    return claim["email"]


@transaction.atomic
def confirm_email_change(*, user, token):
    """Make the change that the emailed link `token` asks for: at most once, and only while
    the link is valid (see email_change_link). Records it in the audit log and, after
    commit, tells the previous address. Raises AccountError with a message, changing
    nothing, when the link is not valid or another account has the address by now."""
    # Locked, so that two posts of one link cannot both pass the check.
    user = User.objects.select_for_update().get(pk=user.pk)
    email = email_change_link(user=user, token=token)
    if _email_taken(email, by_other_than=user):
        raise AccountError(str(ADDRESS_UNAVAILABLE))
    previous = user.email
    user.email = email
    with _refused_if_taken(ADDRESS_UNAVAILABLE, field=None):
        user.save(update_fields=["email", "updated_at"])
    audit.record(audit.Action.EMAIL_CHANGE, user=user, detail={"previous_email": previous})
    notice = account_email(
        user,
        to=previous,
        subject=gettext_lazy("Your Appion email address has been changed"),
        template="email_changed",
        new_email=email,
    )
    transaction.on_commit(lambda: send_email(notice))
    return user


@transaction.atomic
def set_active(*, user, active, by):
    """Activate or deactivate `user`'s account as the staff user `by`, recorded in the
    audit log as the admin's change of the field is. A deactivated user cannot log in and
    every token issued to them stops working (accounts.tokens). Staff cannot deactivate
    themselves (AccountError, nothing changed). Setting the value it has changes nothing
    and records nothing. Returns the user."""
    if user.pk == by.pk and not active:
        raise AccountError(_("You cannot deactivate your own account."), field="is_active")
    if user.is_active == active:
        return user
    user.is_active = active
    user.save(update_fields=["is_active", "updated_at"])
    audit.record(
        audit.Action.ADMIN_CHANGE,
        user=by,
        target=user,
        detail={"name": str(user)[:100], "change": [{"changed": {"fields": ["is_active"]}}]},
    )
    return user


# Calendar feeds: a private address per user (accounts.models.CalendarFeed).

# A fetch from the address of the last one is recorded in the audit log at most this
# often; a fetch from another address always is.
FEED_FETCH_LOGGED_EVERY = timedelta(hours=1)


def new_calendar_feed(*, user) -> CalendarFeed:
    """Give `user` (an active patient or doctor) a new private calendar address: a fresh
    secret (secrets.token_urlsafe, 256 bits) in place of the old one, whose address
    stops working at once. Recorded in the audit log (never the secret). Raises
    AccountError for anyone else."""
    if not user.is_active or user.role not in (User.Role.PATIENT, User.Role.DOCTOR):
        raise AccountError(_("Only patients and doctors have a calendar feed."))
    with transaction.atomic():
        # The user's row, locked: two requests for a new address make one after the other.
        User.objects.select_for_update().filter(pk=user.pk).exists()
        renewed = CalendarFeed.objects.filter(user=user).exists()
        for _attempt in range(3):
            secret = secrets.token_urlsafe(32)
            try:
                with transaction.atomic():
                    feed, _created = CalendarFeed.objects.update_or_create(
                        user=user,
                        defaults={
                            "selector": secret[: CalendarFeed.SELECTOR_LENGTH],
                            "secret": secret,
                            "created_at": timezone.now(),
                            "fetch_count": 0,
                            "last_fetched_at": None,
                            "last_fetched_from": None,
                            "logged_at": None,
                        },
                    )
                break
            except IntegrityError:  # another feed's selector: 2**-72, but never a 500
                continue
        else:
            raise AccountError(_("Please try again."))
        audit.record(
            audit.Action.CALENDAR_FEED_NEW, user=user, target=feed, detail={"renewed": renewed}
        )
    return feed


def record_feed_fetch(*, feed, address, events: int, now=None) -> None:
    """Count a fetch of `feed` from `address` (None when unknown) that returned `events`
    events, and record it in the audit log when it comes from another address than the
    last fetch, or the last entry is FEED_FETCH_LOGGED_EVERY old: calendar apps poll a
    feed every few minutes, and the log should show who reads it, not every poll. Two
    queries at most."""
    now = now or timezone.now()
    log = (
        feed.logged_at is None
        or feed.last_fetched_from != address
        or feed.logged_at <= now - FEED_FETCH_LOGGED_EVERY
    )
    changes = {
        "fetch_count": F("fetch_count") + 1,
        "last_fetched_at": now,
        "last_fetched_from": address,
    }
    if log:
        changes["logged_at"] = now
    CalendarFeed.objects.filter(pk=feed.pk).update(**changes)
    if log:
        audit.record(
            audit.Action.CALENDAR_FEED_FETCH,
            user=feed.user,
            target=feed,
            detail={"events": events},
        )
