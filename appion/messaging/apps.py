from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MessagingConfig(AppConfig):
    """Messages to users: the outbox (email, SMS), in-app notifications, the SMS
    backends and the delivery worker. A shared module of the project: it imports no app
    (the apps call it), so it lives inside `appion/` rather than beside the four apps."""

    name = "appion.messaging"
    label = "messaging"
    verbose_name = _("Messages")
    default_auto_field = "django.db.models.BigAutoField"
