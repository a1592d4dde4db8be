"""The HTTP gateway backend against a fake gateway on loopback, alone and through the
worker: accepted, refused (failed at once, the answer kept), timeouts and 5xx (retried
with backoff), and a gateway that is down and comes back (nothing lost, nothing twice)."""

from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone

from appion.messaging import services, sms
from appion.messaging.models import OutboxMessage
from appion.messaging.tests.fake_gateway import FakeGateway, fake_gateway
from appion.messaging.worker import Worker

NUMBER = "+8801712345678"


@pytest.fixture
def gateway(settings):
    with fake_gateway() as gateway:
        settings.SMS_URL = gateway.url
        settings.SMS_API_KEY = "test-key"
        settings.SMS_SENDER_ID = "8809600000000"
        settings.SMS_TIMEOUT = 0.5
        yield gateway


def later(minutes):
    return time_machine.travel(timezone.now() + timedelta(minutes=minutes))


def test_the_backend_posts_the_gateways_fields_and_returns_its_message_id(gateway):
    backend = sms.get_backend()
    assert isinstance(backend, sms.HttpGatewayBackend)

    assert backend.send(NUMBER, "Appion: serial 3, Wed 17 Jun 10:00") == "1"

    assert gateway.received == [
        {
            "api_key": "test-key",
            "senderid": "8809600000000",
            "number": "8801712345678",
            "message": "Appion: serial 3, Wed 17 Jun 10:00",
            "type": "text",
        }
    ]


def test_a_bengali_sms_goes_as_unicode(gateway):
    sms.get_backend().send(NUMBER, "Appion: সিরিয়াল ৩, বুধ ১৭ জুন সকাল ১০:০০")

    [fields] = gateway.received
    assert fields["type"] == "unicode"
    assert fields["message"] == "Appion: সিরিয়াল ৩, বুধ ১৭ জুন সকাল ১০:০০"


@pytest.mark.parametrize(
    "mode, error, text",
    [
        ("reject", sms.SMSRejected, "1001 Invalid Number"),
        ("balance", sms.SMSUnavailable, "1007 Balance Insufficient"),
        ("error", sms.SMSUnavailable, "HTTP 503"),
        ("garbage", sms.SMSUnavailable, "unreadable"),
        ("slow", sms.SMSUnavailable, "unreachable"),
    ],
)
def test_the_backend_tells_refusals_from_failures_worth_retrying(gateway, mode, error, text):
    gateway.mode = mode
    with pytest.raises(error, match=text):
        sms.get_backend().send(NUMBER, "Appion: serial 3")


def test_a_gateway_that_is_not_there_is_a_failure_worth_retrying(settings):
    gateway = FakeGateway()
    gateway.server.server_close()  # the port is free again: nothing listens
    settings.SMS_URL, settings.SMS_API_KEY, settings.SMS_SENDER_ID = gateway.url, "k", "s"
    with pytest.raises(sms.SMSUnavailable, match="unreachable"):
        sms.get_backend().send(NUMBER, "Appion: serial 3")


@pytest.mark.django_db
def test_a_refused_sms_fails_at_once_with_the_gateways_answer(gateway):
    gateway.mode = "reject"
    message = services.queue_sms(to=NUMBER, text="Appion: serial 3", kind="booked")

    assert Worker().run_once() == {"sent": 0, "retry": 0, "failed": 1}

    message.refresh_from_db()
    assert (message.status, message.attempts) == ("failed", 1)
    assert message.last_error == "SMSRejected: gateway refused the message: 1001 Invalid Number"


@pytest.mark.django_db
@pytest.mark.parametrize("mode", ["slow", "error", "balance"])
def test_a_timeout_a_5xx_or_an_empty_balance_is_retried_with_backoff(gateway, mode):
    gateway.mode = mode
    message = services.queue_sms(to=NUMBER, text="Appion: serial 3", kind="booked")

    assert Worker().run_once() == {"sent": 0, "retry": 1, "failed": 0}
    message.refresh_from_db()
    assert (message.status, message.attempts) == ("pending", 1)
    assert message.last_error.startswith("SMSUnavailable")
    first_wait = message.next_attempt_at - timezone.now()
    assert timedelta(seconds=50) < first_wait <= timedelta(seconds=60)

    with later(1.1):
        assert Worker().run_once() == {"sent": 0, "retry": 1, "failed": 0}
        message.refresh_from_db()
        assert message.attempts == 2
        # Exponential: twice the wait after the second failure.
        assert timedelta(seconds=110) < message.next_attempt_at - timezone.now()

    gateway.mode = "accept"
    with later(4):
        assert Worker().run_once() == {"sent": 1, "retry": 0, "failed": 0}
    message.refresh_from_db()
    assert (message.status, message.attempts, message.last_error) == ("sent", 3, "")


@pytest.mark.django_db
def test_messages_wait_while_the_gateway_is_down_and_go_once_when_it_is_back(settings):
    down = FakeGateway()
    port = down.server.server_address[1]
    down.server.server_close()  # the gateway is down: connections are refused
    settings.SMS_URL, settings.SMS_API_KEY, settings.SMS_SENDER_ID = down.url, "k", "s"
    settings.SMS_TIMEOUT = 0.5
    numbers = [f"+88017123456{n:02d}" for n in range(3)]
    for number in numbers:
        services.queue_sms(to=number, text="Appion: serial 3", kind="reminder")

    assert Worker().run_once() == {"sent": 0, "retry": 3, "failed": 0}
    assert Worker().run_once() == {"sent": 0, "retry": 0, "failed": 0}  # not due yet
    with later(1.1):
        assert Worker().run_once() == {"sent": 0, "retry": 3, "failed": 0}

    back = FakeGateway(port=port).start()
    try:
        with later(4):
            assert Worker().run_once() == {"sent": 3, "retry": 0, "failed": 0}
            assert Worker().run_once() == {"sent": 0, "retry": 0, "failed": 0}
    finally:
        back.stop()
    assert sorted(fields["number"] for fields in back.received) == [n[1:] for n in numbers]
    assert set(OutboxMessage.objects.values_list("status", "attempts")) == {("sent", 3)}


@pytest.mark.django_db
def test_the_worker_gives_up_after_the_last_attempt_and_keeps_the_error(gateway, settings):
    settings.APPION_OUTBOX_MAX_ATTEMPTS = 3
    gateway.mode = "error"
    message = services.queue_sms(to=NUMBER, text="Appion: serial 3", kind="booked")

    outcomes = []
    for minutes in (0, 1.1, 3.2):
        with later(minutes):
            outcomes.append(Worker().run_once())

    assert [o["retry"] for o in outcomes] == [1, 1, 0]
    assert outcomes[-1]["failed"] == 1
    message.refresh_from_db()
    assert (message.status, message.attempts) == ("failed", 3)
    assert message.last_error == (
        "gave up after 3 attempts: SMSUnavailable: gateway answered HTTP 503"
    )
    assert len(gateway.received) == 3
