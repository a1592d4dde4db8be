"""The outbox: written in the transaction of the change (and gone with its rollback),
delivered by the worker's claims, and by the channels each user chose."""

from datetime import datetime, time, timedelta
from io import StringIO

import pytest
from django.core import mail
from django.core.management import call_command
from django.db import transaction
from django.utils import timezone

from accounts.tests.factories import DoctorProfileFactory, PatientFactory
from appion.messaging import services, sms, worker
from appion.messaging.models import Notification, OutboxMessage
from scheduling import services as scheduling
from scheduling.tests.factories import open_every_day

pytestmark = pytest.mark.django_db


class Rollback(Exception):
    pass


def tomorrow_at(hour):
    day = timezone.localdate() + timedelta(days=1)
    return datetime.combine(day, time(hour), tzinfo=timezone.get_default_timezone())


@pytest.fixture
def doctor():
    return open_every_day(DoctorProfileFactory(), min_notice_minutes=0)


def test_a_booking_writes_its_messages_inside_its_transaction(doctor):
    patient = PatientFactory()
    with transaction.atomic():
        appointment = scheduling.book_appointment(
            patient=patient, doctor=doctor, start=tomorrow_at(10)
        )
        # Written before the commit, by the booking's own transaction.
        rows = OutboxMessage.objects.filter(kind="booked")
        assert sorted(rows.values_list("address", flat=True)) == sorted(
            [patient.email, doctor.user.email]
        )
        assert Notification.objects.filter(kind="booked").count() == 2
        assert transaction.get_connection().in_atomic_block
    assert appointment.pk is not None
    assert OutboxMessage.objects.filter(kind="booked", status="pending").count() == 2


def test_a_booking_rolled_back_leaves_no_message(doctor):
    with pytest.raises(Rollback), transaction.atomic():
        scheduling.book_appointment(patient=PatientFactory(), doctor=doctor, start=tomorrow_at(10))
        assert OutboxMessage.objects.count() == 2
        raise Rollback

    assert not OutboxMessage.objects.exists()
    assert not Notification.objects.exists()


def test_a_refused_booking_writes_no_message(doctor):
    scheduling.book_appointment(patient=PatientFactory(), doctor=doctor, start=tomorrow_at(10))
    before = OutboxMessage.objects.count()
    with pytest.raises(scheduling.BookingError):
        scheduling.book_appointment(patient=PatientFactory(), doctor=doctor, start=tomorrow_at(10))
    assert OutboxMessage.objects.count() == before


def test_nothing_is_sent_during_the_request_only_by_the_worker(client, doctor, send_outbox):
    patient = PatientFactory()
    client.force_login(patient)
    response = client.post(
        f"/appointments/book/{doctor.pk}/?start={tomorrow_at(10).isoformat()}",
        {"symptoms": "Fever"},
    )
    assert response.status_code == 302
    assert mail.outbox == []

    out = StringIO()
    call_command("send_notifications", "--once", stdout=out)

    assert out.getvalue().strip() == "Sent 2, to retry later 0, failed 0."
    assert sorted(m.to[0] for m in mail.outbox) == sorted([patient.email, doctor.user.email])
    assert send_outbox() == {"sent": 0, "retry": 0, "failed": 0}  # each once


# Channels: the user's choice, the mobile's verification and the site's setting.


@pytest.mark.parametrize(
    "role, notify_by, verified, requires_verified, channels",
    [
        ("patient", "auto", False, True, {"email"}),
        ("patient", "auto", True, True, {"sms"}),
        ("patient", "auto", False, False, {"sms"}),
        ("doctor", "auto", True, True, {"email"}),
        ("patient", "sms", False, True, {"email"}),  # until the number is verified
        ("doctor", "sms", True, True, {"sms"}),
        ("patient", "both", True, True, {"email", "sms"}),
        ("patient", "both", False, True, {"email"}),
        ("patient", "email", True, True, {"email"}),
    ],
)
def test_each_user_is_reached_by_the_channels_they_chose(
    settings, role, notify_by, verified, requires_verified, channels
):
    settings.APPION_SMS_REQUIRES_VERIFIED_MOBILE = requires_verified
    user = PatientFactory(
        role=role,
        notify_by=notify_by,
        mobile_verified_at=timezone.now() if verified else None,
    )
    services.notify(
        user,
        kind="test",
        email=lambda: services.Email("Subject", "Text"),
        sms=lambda: "Appion: text",
        in_app=lambda: services.InApp("Text", "/appointments/"),
    )

    assert set(OutboxMessage.objects.values_list("channel", flat=True)) == channels
    assert Notification.objects.get(recipient=user).text == "Text"


def test_without_a_mobile_number_sms_falls_back_to_email(settings):
    settings.APPION_SMS_REQUIRES_VERIFIED_MOBILE = False
    user = PatientFactory(mobile=None, notify_by="sms")
    services.notify(user, kind="test", email=lambda: services.Email("S", "T"), sms=lambda: "T")
    assert list(OutboxMessage.objects.values_list("channel", "address")) == [("email", user.email)]


def test_texts_are_rendered_in_the_recipients_language():
    from django.utils.translation import get_language

    user = PatientFactory(preferred_language="bn", notify_by="email")
    services.notify(user, kind="test", email=lambda: services.Email(get_language(), get_language()))
    message = OutboxMessage.objects.get()
    assert (message.subject, message.language) == ("bn", "bn")


def test_a_new_mobile_number_is_not_verified(client):
    patient = PatientFactory(mobile="+8801712345678", mobile_verified_at=timezone.now())
    client.force_login(patient)
    form = {"full_name": patient.full_name, "mobile": "01712345678", "notify_by": "both"}

    client.post("/accounts/profile/", form)
    patient.refresh_from_db()
    assert patient.mobile_verified_at is not None  # the same number, in another spelling
    assert patient.notify_by == "both"

    client.post("/accounts/profile/", {**form, "mobile": "01812345678"})
    patient.refresh_from_db()
    assert patient.mobile == "+8801812345678"
    assert patient.mobile_verified_at is None


def test_the_profile_says_why_sms_is_not_used_yet(client):
    client.force_login(PatientFactory(mobile="+8801712345678"))
    page = client.get("/accounts/profile/").content.decode()
    assert 'name="notify_by"' in page
    assert "Until yours is verified, your notifications come by email." in page


# The worker's claims.


def test_a_claim_takes_due_messages_once_and_a_lapsed_lease_again():
    due = services.queue_sms(to="+8801712345678", text="a")
    later = services.queue_sms(to="+8801712345679", text="b")
    OutboxMessage.objects.filter(pk=later.pk).update(
        next_attempt_at=timezone.now() + timedelta(minutes=5)
    )

    first = worker.claim()
    assert [m.pk for m in first] == [due.pk]
    assert worker.claim() == []  # claimed: no one else takes it while the lease runs
    claimed = OutboxMessage.objects.get(pk=due.pk)
    assert (claimed.status, claimed.attempts) == ("sending", 1)

    # The worker died while sending: once the lease has run out, another takes it.
    OutboxMessage.objects.filter(pk=due.pk).update(next_attempt_at=timezone.now())
    again = worker.claim()
    assert [m.pk for m in again] == [due.pk]
    assert again[0].claim != first[0].claim
    # The first worker's late outcome is not recorded over the second's claim.
    worker.deliver(first)
    assert OutboxMessage.objects.get(pk=due.pk).status == "sending"
    worker.deliver(again)
    assert OutboxMessage.objects.get(pk=due.pk).status == "sent"


def test_a_stopping_worker_hands_back_what_it_has_not_sent():
    for n in range(3):
        services.queue_sms(to=f"+88017123456{n:02d}", text="x")
    claimed = worker.claim()

    worker.deliver(claimed, stop=lambda: len(sms.outbox) >= 1)

    assert len(sms.outbox) == 1
    rows = OutboxMessage.objects.order_by("pk")
    assert list(rows.values_list("status", "attempts")) == [
        ("sent", 1),
        ("pending", 0),
        ("pending", 0),
    ]


def test_send_now_sends_right_after_the_commit_and_a_secret_is_erased(
    django_capture_on_commit_callbacks,
):
    expiry = timezone.now() + timedelta(minutes=10)
    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        message = services.queue_sms(
            to="+8801712345678",
            text="Your Appion code is 123456",
            kind="otp",
            secret=True,
            expires_at=expiry,
            send_now=True,
        )
        assert sms.outbox == []

    assert sms.outbox == [("+8801712345678", "Your Appion code is 123456")]
    message.refresh_from_db()
    assert (message.status, message.text, message.parts) == ("sent", "", 1)


def test_an_expired_message_is_not_sent():
    services.queue_sms(
        to="+8801712345678", text="code", expires_at=timezone.now() - timedelta(seconds=1)
    )
    assert worker.Worker().run_once() == {"sent": 0, "retry": 0, "failed": 1}
    assert sms.outbox == []
    assert OutboxMessage.objects.get().last_error == "expired before it could be sent"


def test_an_email_keeps_its_html_and_attachment_through_the_outbox():
    services.queue_email(
        to="rahim@example.com",
        subject="Confirmed",
        text="Plain",
        html="<p>Plain</p>",
        attachments=[("a.ics", "BEGIN:VCALENDAR", "text/calendar")],
    )
    worker.Worker().run_once()
    [message] = mail.outbox
    assert (message.subject, message.body, message.to) == (
        "Confirmed",
        "Plain",
        ["rahim@example.com"],
    )
    assert message.alternatives[0] == ("<p>Plain</p>", "text/html")
    assert message.attachments[0][0] == "a.ics"
    assert message.attachments[0][2] == "text/calendar"
