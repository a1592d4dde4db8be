"""Writes on accounts: registration, profile edits, email change. Each runs in one
transaction; a replaced photo file is removed only after the transaction commits."""

from contextlib import contextmanager

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts import verification
from accounts.models import DoctorProfile, PatientProfile, User

USER_FIELDS = ("full_name", "mobile", "division", "district", "thana")
PATIENT_FIELDS = ("date_of_birth", "gender", "blood_group")
DOCTOR_FIELDS = (
    "licence_number",
    "specialization",
    "qualifications",
    "experience_years",
    "consultation_fee",
    "chamber_name",
    "chamber_address",
    "bio",
)


class AccountError(Exception):
    """A write was refused; the message is safe to show to the user."""

    def __init__(self, message, field=None):
        super().__init__(message)
        self.message = message
        self.field = field


LICENCE_TAKEN = gettext_lazy("A doctor with this licence number is already registered.")


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


def _create_user(*, role, email, password, data):
    user = User(email=email.strip().lower(), role=role, **_pick(data, USER_FIELDS))
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
def register_patient(*, email, password, data):
    """Create a patient and their profile. `data` holds the cleaned fields of
    PatientRegistrationForm. Raises AccountError when the email or mobile is taken."""
    user = _create_user(role=User.Role.PATIENT, email=email, password=password, data=data)
    PatientProfile.objects.create(user=user, **_pick(data, PATIENT_FIELDS))
    return user


@transaction.atomic
def register_doctor(*, email, password, data):
    """Create a doctor (not yet verified) and their profile; the chamber lies in the
    chosen thana. Raises AccountError when the email, mobile or licence is taken."""
    user = _create_user(role=User.Role.DOCTOR, email=email, password=password, data=data)
    with _refused_if_taken(LICENCE_TAKEN, field="licence_number", photo=user.photo):
        DoctorProfile.objects.create(
            user=user, chamber_thana=data.get("thana"), **_pick(data, DOCTOR_FIELDS)
        )
    return user


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
    """Save the user's own fields and their role profile from a cleaned profile form.
    For a doctor, a change to any detail an administrator verified (name, licence number,
    specialization, qualifications: verification.VERIFIED_FIELDS) clears the
    verification until an administrator checks it again; other changes keep it."""
    if user.role == User.Role.DOCTOR:
        checked = verification.verified_details(user.doctor_profile)
    for name, value in _pick(data, USER_FIELDS).items():
        setattr(user, name, value)
    _replace_photo(user, data.get("photo"))
    with _refused_if_taken(
        _("This mobile number is already registered with another account."), field="mobile"
    ):
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
        profile.chamber_thana = data.get("thana")
        if verification.verified_details(profile) != checked:
            profile.verified_at = None
            profile.verified_by = None
        with _refused_if_taken(LICENCE_TAKEN, field="licence_number"):
            profile.save()
    return user


@transaction.atomic
def change_email(*, user, email):
    """Change the login email (the form has checked the current password)."""
    user.email = email.strip().lower()
    with _refused_if_taken(_("Another account already uses this email address."), field="email"):
        user.save(update_fields=["email", "updated_at"])
    return user
