"""The live pages' WebSockets (issue #17) through Channels' WebsocketCommunicator, on the
real ASGI application (appion/asgi.py) and the in-memory channel layer: who may listen
to what (every role against every channel), the Origin check, each announcement reaching
the sockets that show it and no others, nothing announced for a rolled-back change, and
bad input that never crashes a consumer.

Each test is a plain function that runs its async part with async_to_sync, so that the
consumers' database work (database_sync_to_async) runs in the test's own thread and
sees its data."""

import asyncio
import json
import logging
from datetime import datetime, time, timedelta

import pytest
import time_machine
from asgiref.sync import async_to_sync, sync_to_async
from channels.testing import WebsocketCommunicator
from django.db import transaction
from django.test import Client
from django.utils import timezone

from accounts.tests.factories import DoctorProfileFactory, PatientFactory, StaffFactory
from appion import clinic_calendar
from appion.asgi import application
from appion.settings import _channel_layers as channel_layers
from scheduling import live, services
from scheduling.models import Appointment
from scheduling.tests.factories import AppointmentFactory, ChamberFactory, open_every_day

ORIGIN = b"http://testserver"
LISTENING = "listening"
HANDSHAKE_REFUSED = "handshake refused"


@pytest.fixture(autouse=True)
def _fresh_channel_layer(settings):
    """A new in-memory layer for each test (channels rebuilds it when the setting
    changes), so that no group or message of another test is left in it."""
    settings.CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}


@pytest.fixture(autouse=True)
def _keep_the_tests_connection(monkeypatch):
    """Channels closes "old" database connections around a consumer's handlers, here in
    the test's own thread, where that would close the test's transaction: its testing
    communicator turns this off while it waits, and here it stays off until the
    consumer has finished too."""
    monkeypatch.setattr("channels.db.close_old_connections", lambda: None)


def session_cookie(user):
    if user is None:
        return None
    client = Client()
    client.force_login(user)
    return client.cookies["sessionid"].value


async def open_socket(path, cookie=None, origin=ORIGIN):
    """Connect like a browser on the site: (communicator, LISTENING | close code |
    HANDSHAKE_REFUSED)."""
    headers = [(b"origin", origin)] if origin else []
    if cookie:
        headers.append((b"cookie", f"sessionid={cookie}".encode()))
    communicator = WebsocketCommunicator(application, path, headers=headers)
    accepted, _ = await communicator.connect()
    if not accepted:
        return communicator, HANDSHAKE_REFUSED
    if await communicator.receive_nothing(timeout=0.05):
        return communicator, LISTENING
    closed = await communicator.receive_output()
    assert closed["type"] == "websocket.close", closed
    return communicator, closed["code"]


def outcome(path, user=None, origin=ORIGIN):
    cookie = session_cookie(user)

    async def scenario():
        communicator, result = await open_socket(path, cookie, origin)
        await communicator.disconnect()
        return result

    return async_to_sync(scenario)()


@pytest.fixture
def world():
    """A doctor with a chamber and a booked patient today, another doctor, another
    patient and staff."""
    doctor = open_every_day(DoctorProfileFactory(user__full_name="Dr. Nasima Haque"))
    other_doctor = open_every_day(DoctorProfileFactory())
    patient = PatientFactory(full_name="Rokeya Sultana", mobile="01711000001")
    today = clinic_calendar.today()
    appointment = AppointmentFactory(
        doctor=doctor,
        patient=patient,
        start=clinic_calendar.at(today, time(14)),
        serial=6,
        status=Appointment.Status.CONFIRMED,
    )
    chamber = appointment.chamber
    return {
        "doctor": doctor,
        "other_doctor": other_doctor,
        "patient": patient,
        "other_patient": PatientFactory(),
        "staff": StaffFactory(),
        "appointment": appointment,
        "chamber": chamber,
        "paths": {
            "queue": f"/ws/queue/{chamber.pk}/",
            "appointment": f"/ws/appointments/{appointment.pk}/",
            "screen": f"/ws/screen/{chamber.pk}/",
            "agenda": "/ws/agenda/",
            "slots": f"/ws/slots/{doctor.pk}/",
            "notifications": "/ws/notifications/",
        },
    }


def user_of(world, role):
    return {
        "anonymous": None,
        "patient": world["patient"],
        "other patient": world["other_patient"],
        "doctor": world["doctor"].user,
        "other doctor": world["other_doctor"].user,
        "staff": world["staff"],
    }[role]


R = 4403  # refused
L = LISTENING
ROLES = ("anonymous", "patient", "other patient", "doctor", "other doctor", "staff")
# Who may listen where: the access matrix. (The other doctor's agenda socket
# listens to their own bookings: test_booking_reaches_the_agenda_and_the_slot_lists;
# everyone's bell socket to their own notifications: appion/messaging/tests.)
MATRIX = {
    "queue": (R, R, R, L, R, R),
    "appointment": (R, L, R, L, R, R),
    "screen": (L, L, L, L, L, L),
    "agenda": (R, R, R, L, L, R),
    "slots": (L, L, L, L, L, L),
    "notifications": (R, L, L, L, L, L),
}


@pytest.mark.django_db
@pytest.mark.parametrize(
    "channel, role, expected",
    [
        (channel, role, expected)
        for channel, row in MATRIX.items()
        for role, expected in zip(ROLES, row, strict=True)
    ],
)
def test_who_may_listen_to_each_channel(world, channel, role, expected):
    assert outcome(world["paths"][channel], user_of(world, role)) == expected


@pytest.mark.django_db
@pytest.mark.parametrize(
    "path",
    [
        "/ws/",
        "/ws/nothing/",
        "/",
        "/ws/queue/abc/",
        "/ws/queue/0/",
        "/ws/queue/99999999999999999999999999/",
        "/ws/appointments/-1/",
        "/ws/appointments/123456789/",
        "/ws/screen/123456789/",
        "/ws/slots/123456789/",
        "/ws/slots/1/extra/",
        "/ws/agenda/%00/",
        "/ws/notifications/1/",
        "/ws/notifications",
    ],
)
def test_unknown_paths_and_ids_are_refused_for_everyone(world, path):
    for user in (None, world["doctor"].user, world["staff"]):
        assert outcome(path, user) == R


@pytest.mark.django_db
def test_unverified_doctors_slots_and_screen_are_refused(world):
    waiting = open_every_day(DoctorProfileFactory(verified_at=None))
    chamber = waiting.chambers.get()

    assert outcome(f"/ws/slots/{waiting.pk}/") == R
    assert outcome(f"/ws/screen/{chamber.pk}/") == R
    # Their own agenda and queue still listen: the portal is theirs before verification.
    assert outcome("/ws/agenda/", waiting.user) == L
    assert outcome(f"/ws/queue/{chamber.pk}/", waiting.user) == L


@pytest.mark.django_db
def test_doctor_listens_to_each_of_their_chambers_queue_only(world):
    doctor = world["doctor"]
    second = ChamberFactory(doctor=doctor)
    others = world["other_doctor"].chambers.get()

    assert outcome(f"/ws/queue/{second.pk}/", doctor.user) == L
    assert outcome(f"/ws/queue/{others.pk}/", doctor.user) == R


@pytest.mark.django_db
def test_deactivated_patient_is_refused(world):
    cookie = session_cookie(world["patient"])
    world["patient"].is_active = False
    world["patient"].save(update_fields=["is_active"])

    async def scenario():
        communicator, result = await open_socket(world["paths"]["appointment"], cookie)
        await communicator.disconnect()
        return result

    assert async_to_sync(scenario)() == R


@pytest.mark.django_db
def test_a_logged_out_session_is_anonymous(world):
    client = Client()
    client.force_login(world["doctor"].user)
    cookie = client.cookies["sessionid"].value
    client.post("/accounts/logout/")

    async def scenario():
        communicator, result = await open_socket("/ws/agenda/", cookie)
        await communicator.disconnect()
        return result

    assert async_to_sync(scenario)() == R


@pytest.mark.django_db
@pytest.mark.parametrize(
    "status",
    [Appointment.Status.CANCELLED, Appointment.Status.COMPLETED, Appointment.Status.NO_SHOW],
)
def test_appointment_that_cannot_change_closes_cleanly(world, status):
    appointment = world["appointment"]
    appointment.status = status
    appointment.save(update_fields=["status"])

    # Nothing more will come: a normal close, which the page's script does not retry.
    assert outcome(world["paths"]["appointment"], world["patient"]) == 1000
    # A stranger still learns nothing about it.
    assert outcome(world["paths"]["appointment"], world["other_patient"]) == R


@pytest.mark.django_db
@pytest.mark.parametrize(
    "origin, expected",
    [
        (ORIGIN, L),
        (b"http://localhost:8000", L),
        (b"http://127.0.0.1:8000", L),
        (None, HANDSHAKE_REFUSED),
        (b"http://evil.example", HANDSHAKE_REFUSED),
        (b"http://testserver.evil.example", HANDSHAKE_REFUSED),
        (b"null", HANDSHAKE_REFUSED),
        (b"\xff\xfe", HANDSHAKE_REFUSED),
    ],
)
def test_origin_must_be_an_allowed_host(world, origin, expected):
    # Checked before the session is looked at, for the public and the private sockets.
    assert outcome(world["paths"]["slots"], origin=origin) == expected
    assert outcome(world["paths"]["agenda"], world["doctor"].user, origin=origin) == expected


# Announcements: these need real commits (on_commit), hence transactional tests.


def book(world, patient=None, day_offset=2, hour=10):
    day = clinic_calendar.today() + timedelta(days=day_offset)
    return services.book_appointment(
        patient=patient or world["other_patient"],
        doctor=world["doctor"],
        start=datetime.combine(day, time(hour), tzinfo=timezone.get_default_timezone()),
        symptoms="Fever",
    )


async def listen(sockets):
    """Open {name: (path, cookie)} and check that each listens."""
    opened = {}
    for name, (path, cookie) in sockets.items():
        communicator, result = await open_socket(path, cookie)
        assert result == LISTENING, (name, result)
        opened[name] = communicator
    return opened


async def heard(communicator, timeout=1):
    return json.loads(await communicator.receive_from(timeout=timeout))


async def close_all(opened):
    for communicator in opened.values():
        await communicator.disconnect()


@pytest.mark.django_db(transaction=True)
def test_booking_reaches_the_agenda_and_the_slot_lists(world):
    doctor_cookie = session_cookie(world["doctor"].user)
    other_doctor_cookie = session_cookie(world["other_doctor"].user)
    patient_cookie = session_cookie(world["patient"])
    paths = world["paths"]

    async def scenario():
        opened = await listen(
            {
                "agenda": (paths["agenda"], doctor_cookie),
                "slots (visitor)": (paths["slots"], None),
                "slots (another visitor)": (paths["slots"], None),
                "other doctor's agenda": (paths["agenda"], other_doctor_cookie),
                "other doctor's slots": (f"/ws/slots/{world['other_doctor'].pk}/", None),
                "patient's appointment": (paths["appointment"], patient_cookie),
            }
        )
        appointment = await sync_to_async(book)(world)
        day = appointment.date.isoformat()
        assert await heard(opened["agenda"]) == {"type": "bookings", "day": day}
        assert await heard(opened["slots (visitor)"]) == {"type": "slots", "day": day}
        assert await heard(opened["slots (another visitor)"]) == {"type": "slots", "day": day}
        for name in ("other doctor's agenda", "other doctor's slots", "patient's appointment"):
            assert await opened[name].receive_nothing(timeout=0.2), name
        await close_all(opened)

    async_to_sync(scenario)()


@pytest.mark.django_db(transaction=True)
def test_status_change_by_the_doctor_reaches_the_patients_page(world):
    """Through the page the doctor uses: the status form's POST."""
    patient_cookie = session_cookie(world["patient"])
    doctor_cookie = session_cookie(world["doctor"].user)
    appointment = book(world, patient=world["patient"], day_offset=3)
    doctor = Client()
    doctor.force_login(world["doctor"].user)

    async def scenario():
        opened = await listen(
            {
                "patient": (f"/ws/appointments/{appointment.pk}/", patient_cookie),
                "doctor's page of it": (f"/ws/appointments/{appointment.pk}/", doctor_cookie),
                "other appointment": (world["paths"]["appointment"], patient_cookie),
                "agenda": (world["paths"]["agenda"], doctor_cookie),
            }
        )
        answer = await sync_to_async(doctor.post)(
            f"/appointments/{appointment.pk}/status/", {"to": "confirmed"}
        )
        assert answer.status_code == 302
        assert await heard(opened["patient"]) == {"type": "appointment"}
        assert await heard(opened["doctor's page of it"]) == {"type": "appointment"}
        assert await heard(opened["agenda"]) == {
            "type": "bookings",
            "day": appointment.date.isoformat(),
        }
        assert await opened["other appointment"].receive_nothing(timeout=0.2)
        await close_all(opened)

    async_to_sync(scenario)()
    appointment.refresh_from_db()
    assert appointment.status == Appointment.Status.CONFIRMED


@pytest.mark.django_db(transaction=True)
def test_cancellation_frees_the_slot_for_the_slot_lists(world):
    appointment = book(world, patient=world["patient"], day_offset=4)
    patient = Client()
    patient.force_login(world["patient"])

    async def scenario():
        opened = await listen({"slots": (world["paths"]["slots"], None)})
        answer = await sync_to_async(patient.post)(f"/appointments/{appointment.pk}/cancel/")
        assert answer.status_code == 302
        assert await heard(opened["slots"]) == {
            "type": "slots",
            "day": appointment.date.isoformat(),
        }
        await close_all(opened)

    async_to_sync(scenario)()
    appointment.refresh_from_db()
    assert appointment.status == Appointment.Status.CANCELLED


@pytest.mark.django_db(transaction=True)
def test_todays_booking_and_cancellation_reach_the_queue_and_the_screen(world):
    """The queue page listens to its chamber's queue only: a booking or cancellation for
    today is a queue change too; one for another day is not."""
    doctor_cookie = session_cookie(world["doctor"].user)
    patient_cookie = session_cookie(world["patient"])
    paths = world["paths"]
    patient = Client()
    patient.force_login(world["other_patient"])
    today = clinic_calendar.today().isoformat()
    # 10:00 today, whenever the run is: the 16:00 slot is still to come.
    clock = time_machine.travel(clinic_calendar.at(clinic_calendar.today(), time(10)), tick=True)

    async def scenario():
        opened = await listen(
            {
                "queue": (paths["queue"], doctor_cookie),
                "screen": (paths["screen"], None),
                "today's appointment": (paths["appointment"], patient_cookie),
            }
        )
        later = await sync_to_async(book)(world, day_offset=2)
        for name in opened:
            assert await opened[name].receive_nothing(timeout=0.2), name

        booked = await sync_to_async(book)(world, day_offset=0, hour=16)
        assert booked.chamber_id == world["chamber"].pk
        for name in opened:
            assert await heard(opened[name]) == {"type": "queue", "day": today}, name

        answer = await sync_to_async(patient.post)(f"/appointments/{booked.pk}/cancel/")
        assert answer.status_code == 302
        for name in opened:
            assert await heard(opened[name]) == {"type": "queue", "day": today}, name
        await close_all(opened)
        return later

    with clock:
        later = async_to_sync(scenario)()
    assert later.status == Appointment.Status.PENDING


@pytest.mark.django_db(transaction=True)
def test_queue_change_reaches_the_queue_the_screen_and_that_sessions_appointments(world):
    cookies = {
        "doctor": session_cookie(world["doctor"].user),
        "patient": session_cookie(world["patient"]),
    }
    chamber = world["chamber"]
    today = clinic_calendar.today()
    tomorrow = AppointmentFactory(
        doctor=world["doctor"],
        patient=world["patient"],
        start=clinic_calendar.at(today + timedelta(days=1), time(9)),
        status=Appointment.Status.CONFIRMED,
    )
    elsewhere = AppointmentFactory(
        chamber=world["other_doctor"].chambers.get(),
        patient=world["other_patient"],
        start=clinic_calendar.at(today, time(9)),
        status=Appointment.Status.CONFIRMED,
    )
    other_cookie = session_cookie(world["other_patient"])

    async def scenario():
        opened = await listen(
            {
                "queue": (world["paths"]["queue"], cookies["doctor"]),
                "screen": (world["paths"]["screen"], None),
                "today's appointment": (world["paths"]["appointment"], cookies["patient"]),
                "tomorrow's appointment": (f"/ws/appointments/{tomorrow.pk}/", cookies["patient"]),
                "another chamber's": (f"/ws/appointments/{elsewhere.pk}/", other_cookie),
                "another chamber's screen": (
                    f"/ws/screen/{elsewhere.chamber_id}/",
                    None,
                ),
            }
        )
        await sync_to_async(live.queue_changed)(chamber_id=chamber.pk, day=today)
        expected = {"type": "queue", "day": today.isoformat()}
        for name in ("queue", "screen", "today's appointment"):
            assert await heard(opened[name]) == expected, name
        for name in ("tomorrow's appointment", "another chamber's", "another chamber's screen"):
            assert await opened[name].receive_nothing(timeout=0.2), name
        await close_all(opened)

    async_to_sync(scenario)()


@pytest.mark.django_db(transaction=True)
def test_appointment_changed_reaches_only_its_own_sockets(world):
    cookie = session_cookie(world["patient"])
    second = book(world, patient=world["patient"], day_offset=5)

    async def scenario():
        opened = await listen(
            {
                "this one": (world["paths"]["appointment"], cookie),
                "another": (f"/ws/appointments/{second.pk}/", cookie),
            }
        )
        await sync_to_async(live.appointment_changed)(appointment_id=world["appointment"].pk)
        assert await heard(opened["this one"]) == {"type": "appointment"}
        assert await opened["another"].receive_nothing(timeout=0.2)
        await close_all(opened)

    async_to_sync(scenario)()


@pytest.mark.django_db(transaction=True)
def test_a_rolled_back_change_publishes_nothing(world):
    doctor_cookie = session_cookie(world["doctor"].user)
    patient_cookie = session_cookie(world["patient"])

    class Undone(Exception):
        pass

    def change_then_fail():
        with pytest.raises(Undone), transaction.atomic():
            book(world)
            services.change_status(
                appointment=world["appointment"],
                to=Appointment.Status.CANCELLED,
                by=world["doctor"].user,
            )
            live.queue_changed(chamber_id=world["chamber"].pk, day=clinic_calendar.today())
            raise Undone

    async def scenario():
        opened = await listen(
            {
                name: (world["paths"][name], cookie)
                for name, cookie in (
                    ("queue", doctor_cookie),
                    ("screen", None),
                    ("agenda", doctor_cookie),
                    ("slots", None),
                    ("appointment", patient_cookie),
                )
            }
        )
        await sync_to_async(change_then_fail)()
        for name, communicator in opened.items():
            assert await communicator.receive_nothing(timeout=0.3), name
        # Then a change that commits is heard: the sockets were listening all along.
        await sync_to_async(live.appointment_changed)(appointment_id=world["appointment"].pk)
        assert await heard(opened["appointment"]) == {"type": "appointment"}
        await close_all(opened)

    async_to_sync(scenario)()
    assert Appointment.objects.count() == 1
    world["appointment"].refresh_from_db()
    assert world["appointment"].status == Appointment.Status.CONFIRMED


@pytest.mark.django_db(transaction=True)
def test_messages_carry_no_names_or_phone_numbers(world):
    """What the public sockets hear is a type and a day: the page asks its own view for
    the rest."""
    patient_cookie = session_cookie(world["patient"])

    async def scenario():
        opened = await listen(
            {
                "screen": (world["paths"]["screen"], None),
                "slots": (world["paths"]["slots"], None),
                "appointment": (world["paths"]["appointment"], patient_cookie),
            }
        )
        await sync_to_async(book)(world, patient=world["other_patient"])
        await sync_to_async(live.queue_changed)(
            chamber_id=world["chamber"].pk, day=clinic_calendar.today()
        )
        frames = [await opened["slots"].receive_from(), await opened["screen"].receive_from()]
        frames.append(await opened["appointment"].receive_from())
        await close_all(opened)
        return frames

    frames = async_to_sync(scenario)()
    for frame in frames:
        assert set(json.loads(frame)) <= {"type", "day"}
        for secret in ("Rokeya", "Nasima", "0171", world["other_patient"].email):
            assert secret not in frame


# Bad input on the socket.


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize(
    "frame",
    [
        {"text_data": "not json at all"},
        {"text_data": '{"type": "unknown.kind", "id": 1}'},
        {"text_data": '{"type": "live.event", "message": {"type": "queue"}}'},
        {"text_data": "[]"},
        {"text_data": "\x00\x01\ufffd"},
        {"text_data": "ক" * 300},
        {"bytes_data": b"\x00\xff\x10"},
    ],
)
def test_small_bad_frames_are_ignored_and_the_socket_keeps_listening(world, frame):
    patient_cookie = session_cookie(world["patient"])

    async def scenario():
        opened = await listen({"appointment": (world["paths"]["appointment"], patient_cookie)})
        socket = opened["appointment"]
        await socket.send_to(**frame)
        # Nothing comes back: a client's frame is never echoed or acted on.
        assert await socket.receive_nothing(timeout=0.1)
        await sync_to_async(live.appointment_changed)(appointment_id=world["appointment"].pk)
        assert await heard(socket) == {"type": "appointment"}
        await socket.disconnect()

    async_to_sync(scenario)()


@pytest.mark.django_db
@pytest.mark.parametrize(
    "frame",
    [{"text_data": "x" * 100_000}, {"bytes_data": b"\x00" * 2_000}, {"text_data": "ক" * 400}],
)
def test_a_huge_frame_closes_the_socket_cleanly(world, frame):
    async def scenario():
        communicator, result = await open_socket(world["paths"]["slots"])
        assert result == LISTENING
        await communicator.send_to(**frame)
        closed = await communicator.receive_output()
        # The server then tells the consumer the socket is gone; it ends cleanly.
        await communicator.disconnect(code=1009)
        return closed

    assert async_to_sync(scenario)() == {"type": "websocket.close", "code": 1009}


@pytest.mark.django_db
def test_a_stream_of_frames_is_ignored(world):
    async def scenario():
        communicator, result = await open_socket(world["paths"]["screen"])
        assert result == LISTENING
        for n in range(500):
            await communicator.send_to(text_data=f'{{"type": "ping", "n": {n}}}')
        assert await communicator.receive_nothing(timeout=0.2)
        await communicator.disconnect()

    async_to_sync(scenario)()


@pytest.mark.django_db(transaction=True)
def test_cancelled_while_listening_the_socket_hears_it_and_survives(world):
    patient_cookie = session_cookie(world["patient"])

    async def scenario():
        opened = await listen({"appointment": (world["paths"]["appointment"], patient_cookie)})
        await sync_to_async(services.change_status)(
            appointment=world["appointment"],
            to=Appointment.Status.CANCELLED,
            by=world["doctor"].user,
            reason="Doctor called away",
        )
        # Its own change, and (it is today's) the change of its session's queue.
        messages = [await heard(opened["appointment"]) for _ in range(2)]
        assert {"type": "appointment"} in messages
        assert {"type": "queue", "day": world["appointment"].date.isoformat()} in messages
        await opened["appointment"].send_to(text_data="still here?")
        assert await opened["appointment"].receive_nothing(timeout=0.1)
        await opened["appointment"].disconnect()

    async_to_sync(scenario)()
    # Opened again, it is closed at once: a cancelled appointment will not change.
    assert outcome(world["paths"]["appointment"], world["patient"]) == 1000


@pytest.mark.django_db(transaction=True)
def test_an_unreachable_channel_layer_neither_breaks_a_booking_nor_a_socket(
    world, settings, caplog
):
    # Nothing listens on port 1: every Redis call fails at once.
    settings.CHANNEL_LAYERS = channel_layers("redis://127.0.0.1:1/0")

    appointment = book(world)

    assert Appointment.objects.filter(pk=appointment.pk).exists()
    assert "Live update not sent" in caplog.text

    async def scenario():
        communicator = WebsocketCommunicator(
            application, world["paths"]["slots"], headers=[(b"origin", ORIGIN)]
        )
        return await communicator.connect()

    # The socket is told to come back later (1011), and the consumer ends without error.
    assert async_to_sync(scenario)() == (False, 1011)


@pytest.mark.django_db
def test_a_browser_gone_before_the_answer_ends_the_consumer_quietly(world, caplog):
    """The server raises its ClientDisconnected (an OSError) when the socket is answered
    after the browser left: the consumer ends, and nothing is logged as a failure."""
    scope = {
        "type": "websocket",
        "path": world["paths"]["slots"],
        "query_string": b"",
        "headers": [(b"origin", ORIGIN)],
        "subprotocols": [],
    }

    async def scenario():
        sent = []
        messages = [{"type": "websocket.connect"}]
        forever = asyncio.Event()

        async def receive():
            if messages:
                return messages.pop(0)
            await forever.wait()

        async def send(message):
            sent.append(message)
            raise OSError("the browser went away")

        await asyncio.wait_for(application(scope, receive, send), timeout=5)
        return sent

    assert async_to_sync(scenario)() == [{"type": "websocket.accept", "subprotocol": None}]
    assert not [record for record in caplog.records if record.levelno >= logging.WARNING]
