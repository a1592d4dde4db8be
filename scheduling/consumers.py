"""The live pages' WebSockets (issue #17), routed in appion/asgi.py.

A socket only listens: it joins the groups of what its page shows (scheduling/live.py)
and passes each announcement on as a small JSON text frame; the page then fetches its
fragment again through the view that decides what the visitor may see. Who may listen
is decided once, on connecting, from the session (AuthMiddlewareStack) and the database:

| path | who |
| --- | --- |
| /ws/queue/<chamber_id>/ | the chamber's doctor |
| /ws/appointments/<appointment_id>/ | the appointment's patient and its doctor |
| /ws/screen/<chamber_id>/ | anyone (a listed doctor's chamber; serial numbers only) |
| /ws/agenda/ | a doctor: their own bookings |
| /ws/slots/<doctor_id>/ | anyone (a listed doctor; taken and freed times only) |

Anyone else is accepted and at once closed with code 4403, so that the page's script
knows not to try again. What a browser sends is never needed: frames are ignored, and a
frame larger than any a page sends closes the socket (1009). An appointment that can no
longer change (cancelled, completed, no-show) closes with 1000: nothing more will come.
"""

import contextlib
import json
import logging

from channels.consumer import get_handler_name
from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncWebsocketConsumer
from django.db.models import Q
from redis.exceptions import RedisError

from accounts.models import DoctorProfile, User
from scheduling import live
from scheduling.models import Appointment, Chamber

logger = logging.getLogger("appion.live")

REFUSED = 4403  # 4000 + HTTP's 403: not for you
NOTHING_MORE = 1000  # a normal close: the appointment cannot change any more
TOO_BIG = 1009
UNAVAILABLE = 1011
# The pages send nothing; a few bytes of keep-alive at most.
MAX_FRAME = 1024


class LiveConsumer(AsyncWebsocketConsumer):
    """Joins the groups that `listen()` names for this visitor, or refuses."""

    async def __call__(self, scope, receive, send):
        try:
            await super().__call__(scope, receive, send)
        except RedisError:
            # The channel layer (Redis) is away: end this socket with "try again later"
            # rather than an error in the server; the page retries and meanwhile polls.
            logger.warning("Live socket ended: the channel layer is unavailable", exc_info=True)
            with contextlib.suppress(Exception):
                await send({"type": "websocket.close", "code": UNAVAILABLE})
        except OSError:
            # The browser went away before the socket was answered (the server's
            # ClientDisconnected): there is no one left to tell.
            pass

    async def connect(self):
        try:
            groups = await database_sync_to_async(self.listen)(self._user())
        except Closed:
            await self.accept()
            await self.close(code=NOTHING_MORE)
            return
        if not groups:
            await self.accept()
            await self.close(code=REFUSED)
            return
        for group in groups:
            await self.channel_layer.group_add(group, self.channel_name)
        # The base class leaves these groups on disconnect.
        self.groups = groups
        await self.accept()

    async def dispatch(self, message):
        """As Channels' own, without its closing of old database connections before every
        handler: that is a trip to the one thread where database work runs, for every
        announcement to every socket (a thousand sockets queued a thousand trips behind
        each other) and every frame a browser sends. Only `listen` uses the database, in
        database_sync_to_async, which closes old connections around it itself."""
        handler = getattr(self, get_handler_name(message), None)
        if handler is None:
            raise ValueError(f"No handler for message type {message['type']}")
        await handler(message)

    def listen(self, user) -> list[str] | None:
        """The groups this socket may join (None: refused). Runs in a thread, with
        database access; `user` is None for a visitor who is not logged in."""
        raise NotImplementedError

    def _user(self):
        user = self.scope.get("user")
        if user is None or not user.is_authenticated or not user.is_active:
            return None
        return user

    def _argument(self, name) -> int:
        return int(self.scope["url_route"]["kwargs"][name])

    async def receive(self, text_data=None, bytes_data=None):
        size = len(text_data.encode()) if text_data is not None else len(bytes_data or b"")
        if size > MAX_FRAME:
            await self.close(code=TOO_BIG)
        # Anything else (garbage, JSON of any type) is ignored: the socket only speaks.

    async def live_event(self, event):
        message = event.get("message")
        if isinstance(message, dict):
            await self.send(text_data=json.dumps(message, separators=(",", ":")))


class Closed(Exception):
    """The thing listened to will not change any more."""


def _doctor_profile_id(user):
    if user is None or user.role != User.Role.DOCTOR:
        return None
    return DoctorProfile.objects.filter(user=user).values_list("pk", flat=True).first()


class QueueConsumer(LiveConsumer):
    def listen(self, user):
        chamber_id = self._argument("chamber_id")
        doctor_id = _doctor_profile_id(user)
        if doctor_id is None:
            return None
        if not Chamber.objects.filter(pk=chamber_id, doctor_id=doctor_id).exists():
            return None
        return [live.queue_group(chamber_id)]


class AppointmentConsumer(LiveConsumer):
    def listen(self, user):
        if user is None:
            return None
        appointment = (
            Appointment.objects.filter(pk=self._argument("appointment_id"))
            # Its patient, or its doctor; never staff (the admin has no live page).
            .filter(Q(patient=user) | Q(doctor__user=user))
            .values("pk", "status", "chamber_id", "date")
            .first()
        )
        if appointment is None:
            return None
        if not Appointment.TRANSITIONS.get(appointment["status"]):
            raise Closed
        return [
            live.appointment_group(appointment["pk"]),
            live.session_group(appointment["chamber_id"], appointment["date"]),
        ]


class ScreenConsumer(LiveConsumer):
    def listen(self, user):
        chamber_id = self._argument("chamber_id")
        listed = DoctorProfile.objects.listed()
        if not Chamber.objects.filter(pk=chamber_id, doctor__in=listed).exists():
            return None
        return [live.screen_group(chamber_id)]


class AgendaConsumer(LiveConsumer):
    def listen(self, user):
        doctor_id = _doctor_profile_id(user)
        return None if doctor_id is None else [live.agenda_group(doctor_id)]


class SlotsConsumer(LiveConsumer):
    def listen(self, user):
        doctor_id = self._argument("doctor_id")
        if not DoctorProfile.objects.listed().filter(pk=doctor_id).exists():
            return None
        return [live.slots_group(doctor_id)]


class RefusedConsumer(LiveConsumer):
    """Any other path under the socket server."""

    def listen(self, user):
        return None
