"""Live updates' transport (issue #17), shared by the apps and appion.messaging: an
announcement published after the commit of the change it tells about, and the base of
the WebSocket consumers that pass it on to the browsers.

The apps name their own groups and messages (scheduling/live.py: the queue, bookings,
an appointment; appion/messaging/services.py: a user's notifications) and route their
consumers in appion/asgi.py. The announcement goes to Django Channels' layer (Redis in
production, so that a change saved by a gunicorn worker reaches the sockets held by the
socket server). A message only says *that* something changed, never a name, a phone
number or a notification's text: the page fetches its own fragment again
(static/js/live.js), through the view that checks who may see it. If the layer cannot be
reached the change stands and the pages still refresh themselves by polling; the
failure is logged.

A socket only listens: its consumer's `listen(user)` names the groups it may join, from
the session's user (AuthMiddlewareStack) and the database, once, on connecting. Anyone
else is accepted and at once closed with code 4403, so that the page's script knows not
to try again. What a browser sends is never needed: frames are ignored, and a frame
larger than any a page sends closes the socket (1009). A thing that can no longer change
(`Closed`) closes with 1000: nothing more will come.

This module imports no app."""

import asyncio
import contextlib
import json
import logging

from asgiref.sync import async_to_sync
from channels.consumer import get_handler_name
from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncWebsocketConsumer
from channels.layers import get_channel_layer
from django.db import transaction
from redis.exceptions import RedisError

logger = logging.getLogger("appion.live")

# The consumers' handler for what is published here (LiveConsumer.live_event).
EVENT = "live.event"

REFUSED = 4403  # 4000 + HTTP's 403: not for you
NOTHING_MORE = 1000  # a normal close: the thing listened to cannot change any more
TOO_BIG = 1009
UNAVAILABLE = 1011
# The pages send nothing; a few bytes of keep-alive at most.
MAX_FRAME = 1024


# Publishing


def after_commit(messages: dict[str, dict]) -> None:
    """Send each {group: message} once the current transaction commits (at once outside
    one); a rolled-back change announces nothing."""
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


# Listening


class Closed(Exception):
    """The thing listened to will not change any more."""


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


class RefusedConsumer(LiveConsumer):
    """Any other path under the socket server."""

    def listen(self, user):
        return None
