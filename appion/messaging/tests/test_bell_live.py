"""The live bell (issue #18): the socket /ws/notifications/ (each logged-in user hears
their own notifications only, after the commit, never their text) and the bell's own
fragment, /notifications/bell/, that the page fetches again when it hears one.

The socket tests run on the real ASGI application and the in-memory channel layer, with
the helpers of scheduling/tests/test_live.py."""

from datetime import datetime, time, timedelta

import pytest
from asgiref.sync import async_to_sync, sync_to_async
from django.db import transaction
from django.test import Client
from django.utils import timezone

from accounts.tests.factories import DoctorProfileFactory, PatientFactory, StaffFactory
from appion.messaging import services
from appion.messaging.models import Notification
from appion.messaging.services import Email, InApp
from scheduling import services as scheduling
from scheduling.models import Appointment
from scheduling.tests.factories import open_every_day
from scheduling.tests.test_live import (
    LISTENING,
    close_all,
    heard,
    listen,
    open_socket,
    outcome,
    session_cookie,
)

BELL = "/ws/notifications/"
NEW = {"type": "notifications"}


@pytest.fixture(autouse=True)
def _fresh_channel_layer(settings):
    settings.CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}


@pytest.fixture(autouse=True)
def _keep_the_tests_connection(monkeypatch):
    # As in scheduling/tests/test_live.py: Channels would close the test's connection.
    monkeypatch.setattr("channels.db.close_old_connections", lambda: None)


def tell(user, text="Confirmed: Dr. Nasima Haque, Sunday 10:00, serial 3."):
    return services.add_notification(recipient=user, text=text, link="/appointments/7/")


# Who may listen


@pytest.mark.django_db
def test_anonymous_visitors_are_refused_and_every_signed_in_user_listens():
    assert outcome(BELL) == 4403
    for user in (PatientFactory(), DoctorProfileFactory().user, StaffFactory()):
        assert outcome(BELL, user) == LISTENING


@pytest.mark.django_db
def test_a_deactivated_users_session_is_refused():
    patient = PatientFactory()
    cookie = session_cookie(patient)
    patient.is_active = False
    patient.save(update_fields=["is_active"])

    async def scenario():
        communicator, result = await open_socket(BELL, cookie)
        await communicator.disconnect()
        return result

    assert async_to_sync(scenario)() == 4403


# What they hear: these need real commits (on_commit), hence transactional tests.


@pytest.mark.django_db(transaction=True)
def test_a_notification_reaches_each_of_its_recipients_pages_and_no_one_elses():
    patient, other = PatientFactory(), PatientFactory()
    doctor = DoctorProfileFactory().user
    cookies = {user: session_cookie(user) for user in (patient, other, doctor)}

    async def scenario():
        opened = await listen(
            {
                "patient's page": (BELL, cookies[patient]),
                "patient's other tab": (BELL, cookies[patient]),
                "another patient": (BELL, cookies[other]),
                "a doctor": (BELL, cookies[doctor]),
            }
        )
        frame_of = {}
        await sync_to_async(tell)(patient)
        for name in ("patient's page", "patient's other tab"):
            frame_of[name] = await opened[name].receive_from(timeout=1)
        for name in ("another patient", "a doctor"):
            assert await opened[name].receive_nothing(timeout=0.2), name

        # The doctor's own notification reaches the doctor only.
        await sync_to_async(tell)(doctor, text="New booking from Rokeya Sultana.")
        assert await heard(opened["a doctor"]) == NEW
        for name in ("patient's page", "another patient"):
            assert await opened[name].receive_nothing(timeout=0.2), name
        await close_all(opened)
        return frame_of

    frames = async_to_sync(scenario)()
    for frame in frames.values():
        # That there is something new, never what: the bell fetches its count itself.
        assert frame == '{"type":"notifications"}'


@pytest.mark.django_db(transaction=True)
def test_the_doctors_confirmation_reaches_the_patients_bell():
    """Through the page the doctor uses: the status form's POST writes the patient's
    in-app line (scheduling.notifications.status_changed via services.notify)."""
    doctor = open_every_day(DoctorProfileFactory())
    patient = PatientFactory()
    day = timezone.localdate() + timedelta(days=2)
    start = datetime.combine(day, time(10), tzinfo=timezone.get_default_timezone())
    appointment = scheduling.book_appointment(patient=patient, doctor=doctor, start=start)
    patient_cookie, doctor_cookie = session_cookie(patient), session_cookie(doctor.user)
    doctor_client = Client()
    doctor_client.force_login(doctor.user)

    async def scenario():
        opened = await listen({"patient": (BELL, patient_cookie), "doctor": (BELL, doctor_cookie)})
        answer = await sync_to_async(doctor_client.post)(
            f"/appointments/{appointment.pk}/status/", {"to": "confirmed"}
        )
        assert answer.status_code == 302
        assert await heard(opened["patient"]) == NEW
        # The doctor is not told of their own confirmation.
        assert await opened["doctor"].receive_nothing(timeout=0.2)
        await close_all(opened)

    async_to_sync(scenario)()
    appointment.refresh_from_db()
    assert appointment.status == Appointment.Status.CONFIRMED


@pytest.mark.django_db(transaction=True)
def test_a_rolled_back_notification_is_not_announced():
    patient = PatientFactory()
    cookie = session_cookie(patient)

    class Undone(Exception):
        pass

    def tell_then_fail():
        with pytest.raises(Undone), transaction.atomic():
            tell(patient)
            services.notify(
                patient,
                kind="confirmed",
                in_app=lambda: InApp("Confirmed.", "/appointments/7/"),
            )
            raise Undone

    async def scenario():
        opened = await listen({"patient": (BELL, cookie)})
        await sync_to_async(tell_then_fail)()
        assert await opened["patient"].receive_nothing(timeout=0.3)
        # The socket was listening all along: a notification that commits is heard.
        await sync_to_async(tell)(patient)
        assert await heard(opened["patient"]) == NEW
        await close_all(opened)

    async_to_sync(scenario)()
    assert Notification.objects.filter(recipient=patient).count() == 1


@pytest.mark.django_db(transaction=True)
def test_notify_announces_its_in_app_line_once_committed_and_an_email_alone_nothing():
    patient = PatientFactory()
    cookie = session_cookie(patient)

    def email_only():
        services.notify(patient, kind="reminder", email=lambda: Email("Reminder", "Tomorrow."))

    def in_app_and_email():
        with transaction.atomic():
            services.notify(
                patient,
                kind="confirmed",
                email=lambda: Email("Confirmed", "Confirmed."),
                in_app=lambda: InApp("Confirmed.", "/appointments/7/"),
            )

    async def scenario():
        opened = await listen({"patient": (BELL, cookie)})
        await sync_to_async(email_only)()
        assert await opened["patient"].receive_nothing(timeout=0.2)
        await sync_to_async(in_app_and_email)()
        assert await heard(opened["patient"]) == NEW
        assert await opened["patient"].receive_nothing(timeout=0.2)
        await close_all(opened)

    async_to_sync(scenario)()


# The bell's fragment


HTMX = {"HX-Request": "true"}


@pytest.mark.django_db
def test_the_bell_fragment_shows_the_unread_count_in_three_queries(
    client, django_assert_num_queries
):
    patient = PatientFactory()
    for _ in range(3):
        tell(patient)
    tell(PatientFactory())  # someone else's
    read = tell(patient)
    services.mark_read(Notification.objects.filter(pk=read.pk))
    client.force_login(patient)

    with django_assert_num_queries(3):  # session, user, the count
        response = client.get("/notifications/bell/", headers=HTMX)

    assert response.status_code == 200
    fragment = response.content.decode()
    assert fragment.lstrip().startswith('<a class="nav-bell')
    assert '<span aria-hidden="true">3</span>' in fragment
    assert "(3 unread)" in fragment
    assert 'href="/notifications/"' in fragment
    # The fragment is the live region itself: it swaps itself and stays live.
    assert 'hx-get="/notifications/bell/"' in fragment
    assert 'data-live-socket="/ws/notifications/"' in fragment
    assert "<html" not in fragment


@pytest.mark.django_db
def test_the_bell_fragment_is_quiet_once_all_are_read_and_counts_in_bengali(client):
    patient = PatientFactory()
    client.force_login(patient)
    assert "badge" not in client.get("/notifications/bell/", headers=HTMX).content.decode()

    for _ in range(12):
        tell(patient)
    bengali = client.get("/notifications/bell/", headers={**HTMX, "accept-language": "bn"})
    assert '<span aria-hidden="true">১২</span>' in bengali.content.decode()

    client.get("/notifications/")
    assert "badge" not in client.get("/notifications/bell/", headers=HTMX).content.decode()


@pytest.mark.django_db
def test_the_bell_fragment_is_the_current_link_only_on_the_notifications_page(client):
    client.force_login(PatientFactory())
    on_list = client.get(
        "/notifications/bell/",
        headers={**HTMX, "HX-Current-URL": "http://testserver/notifications/?page=2"},
    )
    elsewhere = client.get(
        "/notifications/bell/",
        headers={**HTMX, "HX-Current-URL": "http://testserver/appointments/"},
    )
    assert 'aria-current="page"' in on_list.content.decode()
    assert 'aria-current="page"' not in elsewhere.content.decode()
    # And in the full pages' navbars.
    assert 'id="nav-bell" href="/notifications/" aria-current="page"' in (
        client.get("/notifications/").content.decode()
    )
    assert 'id="nav-bell" href="/notifications/" hx-get' in client.get("/").content.decode()


@pytest.mark.django_db
@pytest.mark.parametrize(
    "current_url",
    [
        "",
        "not a url",
        "http://evil.example/notifications/",
        "http://testserver/notifications/\x00",
        "http://testserver/notifications",
        "http://testserver/" + "ন" * 3000,
        "http://[::1",
    ],
)
def test_the_bell_fragment_takes_any_current_url_and_is_current_only_on_the_list(
    client, current_url
):
    client.force_login(PatientFactory())
    response = client.get("/notifications/bell/", headers={**HTMX, "HX-Current-URL": current_url})
    assert response.status_code == 200
    assert 'aria-current="page"' not in response.content.decode()


@pytest.mark.django_db
def test_a_signed_out_bell_stops_polling_and_a_visitor_is_sent_to_log_in(client):
    response = client.get("/notifications/bell/", headers=HTMX)
    # 286: htmx stops polling and swaps in nothing (no login page inside the navbar).
    assert response.status_code == 286
    assert response.content == b""

    response = client.get("/notifications/bell/")
    assert response.status_code == 302
    assert response.url.startswith("/accounts/login/?next=/notifications/bell/")


@pytest.mark.django_db
def test_the_bell_fragment_refuses_posts(client):
    client.force_login(PatientFactory())
    assert client.post("/notifications/bell/", headers=HTMX).status_code == 405
