"""Live updates (issue #17): what changed, announced to the browsers that show it.

The services that change scheduling data call these after their transaction commits
(each call defers itself with `transaction.on_commit`), so a rolled-back change
announces nothing. Until the WebSocket transport lands they do nothing; the pages
still refresh themselves by polling.

Groups (one per thing a page shows):
- the queue of a chamber's session on a day: `queue_changed(chamber_id=, day=)`;
- a doctor's bookings on a day (agenda, slot lists): `bookings_changed(doctor_id=, day=)`;
- one appointment (its patient's page): `appointment_changed(appointment_id=)`.
"""

from datetime import date


def queue_changed(*, chamber_id: int, day: date) -> None:
    """The queue of `chamber_id`'s session on `day` changed: an arrival, a call, a
    no-show, a walk-in, a late notice."""


def bookings_changed(*, doctor_id: int, day: date) -> None:
    """A booking, cancellation or reschedule touched `doctor_id`'s `day`."""


def appointment_changed(*, appointment_id: int) -> None:
    """`appointment_id` changed (status, queue position)."""
