"""Doctor verification: an administrator checks the BMDC licence; only verified doctors
appear in the directory and take bookings."""

from operator import attrgetter

from django.db import transaction
from django.utils import timezone

# What an administrator checks against the BMDC register before verifying a doctor: the
# name, the licence number, and the specialization and qualifications shown to patients
# as checked. A doctor who changes any of them is unverified until checked again
# (accounts.services.update_profile). Paths from a DoctorProfile.
VERIFIED_FIELDS = ("user.full_name", "licence_number", "specialization_id", "qualifications")


def verified_details(profile) -> tuple:
    """The values of VERIFIED_FIELDS on `profile` (and its user), as they are now: compare
    a copy taken before a change with one taken after it."""
    return attrgetter(*VERIFIED_FIELDS)(profile)


@transaction.atomic
def verify_doctors(*, profiles_qs, by) -> int:
    """Mark the doctors in `profiles_qs` that are not yet verified as verified now by the
    staff user `by`. Doctors already verified keep their original date and verifier, so
    running it twice changes nothing. Returns how many doctors changed."""
    return profiles_qs.filter(verified_at__isnull=True).update(
        verified_at=timezone.now(), verified_by=by
    )


@transaction.atomic
def unverify_doctors(*, profiles_qs) -> int:
    """Withdraw the verification of the doctors in `profiles_qs` (date and verifier are
    cleared); they leave the directory until verified again. Doctors not verified are
    left alone. Returns how many doctors changed."""
    return profiles_qs.filter(verified_at__isnull=False).update(verified_at=None, verified_by=None)
