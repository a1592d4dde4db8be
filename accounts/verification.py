"""Doctor verification: an administrator checks the BMDC licence; only verified doctors
appear in the directory and take bookings."""

from django.db import transaction
from django.utils import timezone


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
