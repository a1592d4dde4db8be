"""The bell's WebSocket, /ws/notifications/ (routed in appion/asgi.py): a logged-in
user's pages hear that a notification was written for them (services.add_notification,
after its commit) and their bell fetches its count again. It listens to that user's
group only; a visitor who is not logged in (or a deactivated user) is closed with 4403,
like every other live socket (appion/live.py)."""

from appion.live import LiveConsumer
from appion.messaging.services import notifications_group


class NotificationsConsumer(LiveConsumer):
    def listen(self, user):
        return None if user is None else [notifications_group(user.pk)]
