"""Doctor verification: an administrator checks the BMDC licence; only verified doctors
appear in the directory and take bookings."""

from django.db import transaction
from django.utils import timezone


@transaction.atomic
def verify_doctors(*, profiles, by) -> int:
    """Mark the not-yet-verified doctors among `profiles` verified now by `by`; doctors
    already verified keep their original date. Returns how many changed."""
    return profiles.filter(verified_at__isnull=True).update(
        verified_at=timezone.now(), verified_by=by
    )


@transaction.atomic
def unverify_doctors(*, profiles) -> int:
    """Withdraw verification; the doctors leave the directory. Returns how many changed."""
    return profiles.filter(verified_at__isnull=False).update(verified_at=None, verified_by=None)
