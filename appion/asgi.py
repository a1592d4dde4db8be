"""The ASGI application: Django's pages over HTTP and the live pages' WebSockets.

In production gunicorn serves the pages (appion/wsgi.py) and daphne serves this for the
paths under /ws/ (deploy/nginx.conf, deploy/appion-daphne.service); under `make run`
daphne's runserver serves both from one process. A socket's Origin must be one of
ALLOWED_HOSTS (else the handshake is refused with 403), and its user comes from the
session cookie, as for a page.
"""

import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "appion.settings")
# Set Django up before the consumers import models.
django_application = get_asgi_application()

from channels.auth import AuthMiddlewareStack  # noqa: E402
from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402
from channels.security.websocket import AllowedHostsOriginValidator  # noqa: E402
from django.urls import re_path  # noqa: E402

from appion.live import RefusedConsumer  # noqa: E402
from appion.messaging.consumers import NotificationsConsumer  # noqa: E402
from scheduling import consumers  # noqa: E402

# Ids are matched as at most 18 digits, so that no id outgrows the database's integers.
ID = r"(?P<{}>[0-9]{{1,18}})"
websocket_urlpatterns = [
    re_path(rf"^ws/queue/{ID.format('chamber_id')}/$", consumers.QueueConsumer.as_asgi()),
    re_path(
        rf"^ws/appointments/{ID.format('appointment_id')}/$",
        consumers.AppointmentConsumer.as_asgi(),
    ),
    re_path(rf"^ws/screen/{ID.format('chamber_id')}/$", consumers.ScreenConsumer.as_asgi()),
    re_path(r"^ws/agenda/$", consumers.AgendaConsumer.as_asgi()),
    re_path(rf"^ws/slots/{ID.format('doctor_id')}/$", consumers.SlotsConsumer.as_asgi()),
    # The bell on every page of a logged-in user: their own notifications.
    re_path(r"^ws/notifications/$", NotificationsConsumer.as_asgi()),
    # Any other path: refused with 4403 rather than an error in the server's log.
    re_path(r"", RefusedConsumer.as_asgi()),
]


def sockets_application():
    """The WebSockets: Origin checked against ALLOWED_HOSTS, the user from the session."""
    return AllowedHostsOriginValidator(AuthMiddlewareStack(URLRouter(websocket_urlpatterns)))


application = ProtocolTypeRouter({"http": django_application, "websocket": sockets_application()})
