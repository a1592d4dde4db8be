"""Live updates (issue #17): what changed, announced to the browsers that show it.

The services that change scheduling data call these; each call defers itself with
`transaction.on_commit`, so a rolled-back change announces nothing, and a change made
outside a transaction is announced at once. The announcement goes to Django Channels'
layer (Redis in production, so that a change saved by a gunicorn worker reaches the
sockets held by daphne), whose groups the consumers (scheduling/consumers.py) join. A
message only says *that* something changed, never names or phone numbers: the page
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

import asyncio
import logging
from datetime import date

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.db import transaction

from appion import clinic_calendar

logger = logging.getLogger("appion.live")

# The consumers' handler for what is published here (LiveConsumer.live_event).
EVENT = "live.event"


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
    _after_commit(_queue_messages(chamber_id, day))


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
    _after_commit(messages)


def appointment_changed(*, appointment_id: int) -> None:
    """`appointment_id` changed (status, queue position)."""
    _after_commit({appointment_group(appointment_id): {"type": "appointment"}})


def _after_commit(messages: dict[str, dict]) -> None:
    transaction.on_commit(lambda: publish(messages), robust=True)


def publish(messages: dict[str, dict]) -> None:
    """Send each {group: message} now. Never raises: the change that is announced has
    been committed, and the pages poll anyway."""
    layer = get_channel_layer()
    if layer is None:
        return
    try:
        async_to_sync(_send)(layer, messages)
    except Exception:
        logger.warning("Live update not sent to %s", ", ".join(messages), exc_info=True)


async def _send(layer, messages):
    await asyncio.gather(
        *(
            layer.group_send(group, {"type": EVENT, "message": message})
            for group, message in messages.items()
        )
    )
