"""The outbox in the admin: what waits and what failed, with the error; "retry now"."""

import pytest
from django.utils import timezone

from appion.messaging import services
from appion.messaging.models import OutboxMessage
from appion.messaging.worker import Worker

pytestmark = pytest.mark.django_db

URL = "/admin/messaging/outboxmessage/"


def failed_sms(settings, text="Appion: serial 3", **fields):
    """An SMS the gateway refused: the worker marked it failed with its answer."""
    message = services.queue_sms(to="+8801712345678", text=text, kind="booked", **fields)
    settings.SMS_URL = "http://127.0.0.1:9/api/smsapi"  # nothing listens on port 9
    settings.SMS_API_KEY = settings.SMS_SENDER_ID = "x"
    settings.SMS_TIMEOUT = 0.5
    settings.APPION_OUTBOX_MAX_ATTEMPTS = 1
    Worker().run_once()
    message.refresh_from_db()
    return message


def test_the_list_shows_failed_messages_with_their_error(admin_client, settings):
    message = failed_sms(settings)
    assert message.status == "failed"

    page = admin_client.get(URL, {"status__exact": "failed"}).content.decode()

    assert "+8801712345678" in page
    assert "gave up after 1 attempts: SMSUnavailable: gateway unreachable" in page
    detail = admin_client.get(f"{URL}{message.pk}/change/").content.decode()
    assert message.last_error in detail
    assert "Appion: serial 3" in detail
    assert 'name="_save"' not in detail  # read only


def test_a_secret_text_is_hidden_and_erased(admin_client, settings):
    message = failed_sms(settings, text="Your code is 424242", secret=True)
    detail = admin_client.get(f"{URL}{message.pk}/change/").content.decode()
    assert "424242" not in detail
    assert "(hidden: a one-time code)" in detail
    assert message.text == ""


def test_retry_now_makes_failed_messages_due_with_fresh_attempts(admin_client, settings):
    failed = failed_sms(settings)
    sent = services.queue_sms(to="+8801712345679", text="x")
    OutboxMessage.objects.filter(pk=sent.pk).update(status="sent", sent_at=timezone.now())

    response = admin_client.post(
        URL, {"action": "retry_now", "_selected_action": [failed.pk, sent.pk]}, follow=True
    )

    assert "1 message will be sent again by the worker." in response.content.decode()
    failed.refresh_from_db()
    assert (failed.status, failed.attempts) == ("pending", 0)
    assert failed.last_error  # kept until the next attempt says otherwise
    assert OutboxMessage.objects.get(pk=sent.pk).status == "sent"
    settings.SMS_URL = "locmem://"
    assert Worker().run_once() == {"sent": 1, "retry": 0, "failed": 0}


def test_patients_cannot_open_the_outbox(client):
    from accounts.tests.factories import PatientFactory

    client.force_login(PatientFactory())
    assert client.get(URL).status_code == 302
