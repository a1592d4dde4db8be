"""Live updates (issue #17): what changed, announced to the browsers that show it.

The services that change scheduling data call these; each call defers itself with
`transaction.on_commit`, so a rolled-back change announces nothing, and a change made
outside a transaction is announced at once. The transport (appion/live.py) sends it over
Django Channels' layer to the groups that the consumers (scheduling/consumers.py) join.
A message only says *that* something changed, never names or phone numbers: the page
fetches its own fragment again (static/js/live.js), through the view that checks who
may see it. If the layer cannot be reached the change stands and the pages still
refresh themselves by polling; the failure is logged.

Groups (one per thing a page shows):
- the queue of a chamber's session on a day: `queue_changed(chamber_id=, day=)` tells the
  doctor's queue page, the waiting-room screen and the appointment pages of that
  chamber's day;
- a doctor's bookings on a day (agenda, slot lists): `bookings_changed(doctor_id=, day=,
  chamber_id=)`; a booking or cancellation for today changes that chamber's queue too;
- one appointment (its patient's and doctor's pages): `appointment_changed(appointment_id=)`.
"""

from datetime import date

from appion import clinic_calendar
from appion.live import EVENT, after_commit, publish  # noqa: F401 (re-exported)


def queue_group(chamber_id: int) -> str:
    """The doctor's queue pages of a chamber (/ws/queue/<chamber_id>/)."""
    return f"live.queue.{chamber_id}"


def screen_group(chamber_id: int) -> str:
    """The chamber's public waiting-room screens (/ws/screen/<chamber_id>/)."""
    return f"live.screen.{chamber_id}"


def session_group(chamber_id: int, day: date) -> str:
    """The appointment pages of a chamber's day: they show "now serving"."""
    return f"live.session.{chamber_id}.{day.isoformat()}"


def appointment_group(appointment_id: int) -> str:
    """One appointment's pages (/ws/appointments/<id>/)."""
    return f"live.appointment.{appointment_id}"


def agenda_group(doctor_id: int) -> str:
    """The doctor's agenda (/ws/agenda/)."""
    return f"live.agenda.{doctor_id}"


def slots_group(doctor_id: int) -> str:
    """Everyone looking at the doctor's free slots (/ws/slots/<doctor_id>/)."""
    return f"live.slots.{doctor_id}"


def queue_changed(*, chamber_id: int, day: date) -> None:
    """The queue of `chamber_id`'s session on `day` changed: an arrival, a call, a
    no-show, a walk-in, a late notice."""
    after_commit(_queue_messages(chamber_id, day))


def _queue_messages(chamber_id: int, day: date) -> dict[str, dict]:
    message = {"type": "queue", "day": day.isoformat()}
    return {
        queue_group(chamber_id): message,
        screen_group(chamber_id): message,
        session_group(chamber_id, day): message,
    }


def bookings_changed(*, doctor_id: int, day: date, chamber_id: int | None = None) -> None:
    """A booking, cancellation or reschedule touched `doctor_id`'s `day` (at
    `chamber_id`). On the clinic's today that is a change of the chamber's queue too:
    the doctor's queue page, the screen's next serials and the waiting patients'
    estimates follow it."""
    messages = {
        agenda_group(doctor_id): {"type": "bookings", "day": day.isoformat()},
        slots_group(doctor_id): {"type": "slots", "day": day.isoformat()},
    }
    if chamber_id is not None and day == clinic_calendar.today():
        messages |= _queue_messages(chamber_id, day)
    after_commit(messages)


def appointment_changed(*, appointment_id: int) -> None:
    """`appointment_id` changed (status, queue position)."""
    after_commit({appointment_group(appointment_id): {"type": "appointment"}})
