"""The queue's pages (issue #17): the doctor's queue and its actions, the patient's live
view, the waiting-room screen; who may open each, what bad input does, and how many
queries they take."""

import re
from datetime import time, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import translation

from accounts.tests.factories import DoctorProfileFactory, PatientFactory, StaffFactory
from appion.l10n import local_digits
from scheduling import services
from scheduling.models import Appointment, AppointmentEvent, LateNotice, QueueState
from scheduling.tests.factories import ChamberFactory, ChamberHoursFactory

pytestmark = pytest.mark.django_db

Status = Appointment.Status


def fresh(appointment):
    appointment.refresh_from_db()
    return appointment


def text(response):
    """The page's text without tags, spaces collapsed."""
    body = re.sub(r"<[^>]+>", " ", response.content.decode())
    return " ".join(body.split())


@pytest.fixture
def doctor_client(client, chamber_day):
    client.force_login(chamber_day.doctor.user)
    return client


# The access matrix: every new page and action, every role.

ROLES = ["anonymous", "patient", "other_doctor", "doctor", "staff"]


def _user(role, chamber_day, appointment):
    return {
        "anonymous": lambda: None,
        "patient": lambda: appointment.patient,
        "other_doctor": lambda: DoctorProfileFactory().user,
        "doctor": lambda: chamber_day.doctor.user,
        "staff": StaffFactory,
    }[role]()


# (url, method, {role: expected status}); 302 to the login page for a visitor.
DOCTOR_ONLY = {"anonymous": 302, "patient": 403, "other_doctor": 404, "doctor": 200, "staff": 403}
DOCTOR_POST = {**DOCTOR_ONLY, "doctor": 302}
MATRIX = [
    ("/portal/queue/", "GET", {**DOCTOR_ONLY, "other_doctor": 200}),
    ("/portal/queue/{chamber}/list/", "GET", DOCTOR_ONLY),
    ("/portal/queue/{chamber}/call-next/", "POST", DOCTOR_POST),
    ("/portal/queue/{chamber}/walk-in/", "POST", DOCTOR_POST),
    ("/portal/queue/{chamber}/late/", "POST", DOCTOR_POST),
    ("/portal/queue/appointments/{appointment}/", "POST", DOCTOR_POST),
    (
        "/appointments/{appointment}/queue/",
        "GET",
        {"anonymous": 302, "patient": 200, "other_doctor": 404, "doctor": 200, "staff": 200},
    ),
    ("/queue/{chamber}/screen/", "GET", dict.fromkeys(ROLES, 200)),
    ("/queue/{chamber}/screen/live/", "GET", dict.fromkeys(ROLES, 200)),
]
POSTED = {"step": "arrived", "full_name": "Rahim", "mobile": "01712345678", "minutes": "10"}


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("url, method, expected", MATRIX, ids=[f"{m} {u}" for u, m, _ in MATRIX])
def test_access_matrix(client, chamber_day, role, url, method, expected):
    appointment = chamber_day.book(3)
    user = _user(role, chamber_day, appointment)
    if user is not None:
        client.force_login(user)
    path = url.format(chamber=chamber_day.chamber.pk, appointment=appointment.pk)
    events = AppointmentEvent.objects.count()

    response = client.post(path, POSTED) if method == "POST" else client.get(path)

    assert response.status_code == expected[role]
    if response.status_code == 302 and role == "anonymous":
        assert response["Location"].startswith("/accounts/login/")
    if role != "doctor":
        assert AppointmentEvent.objects.count() == events
        assert Appointment.objects.count() == 1
        assert not LateNotice.objects.exists()


@pytest.mark.parametrize(
    "path",
    [
        "/portal/queue/{chamber}/call-next/",
        "/portal/queue/{chamber}/walk-in/",
        "/portal/queue/{chamber}/late/",
        "/portal/queue/appointments/{appointment}/",
    ],
)
def test_actions_refuse_get(doctor_client, chamber_day, path):
    appointment = chamber_day.book(3)
    response = doctor_client.get(
        path.format(chamber=chamber_day.chamber.pk, appointment=appointment.pk)
    )
    assert response.status_code == 405


def test_screen_of_an_unknown_or_unlisted_chamber_is_404(client, chamber_day):
    unverified = DoctorProfileFactory(verified_at=None)
    assert client.get("/queue/999999/screen/").status_code == 404
    assert client.get("/queue/999999/screen/live/").status_code == 404
    assert client.get(f"/queue/{unverified.chambers.get().pk}/screen/").status_code == 404


def test_another_doctors_chamber_in_the_query_is_refused_with_a_message(doctor_client, chamber_day):
    elsewhere = DoctorProfileFactory(chamber_name="Not mine").chambers.get()

    response = doctor_client.get(f"/portal/queue/?chamber={elsewhere.pk}")

    assert response.status_code == 200
    assert "That is not one of your chambers" in text(response)
    assert "Not mine" not in text(response)
    assert response.context["chamber"] == chamber_day.chamber


# The doctor's queue page


def test_queue_page_lists_the_day_in_serial_order_with_states(doctor_client, chamber_day):
    doctor = chamber_day.doctor.user
    done, called, waiting = chamber_day.book(1), chamber_day.book(2), chamber_day.book(3)
    chamber_day.book(4, status=Status.CANCELLED)
    booked = chamber_day.book(5)
    for appointment in (done, called, waiting):
        services.mark_arrived(appointment=appointment, by=doctor)
    services.call_next(chamber=chamber_day.chamber, by=doctor)
    services.call_next(chamber=chamber_day.chamber, by=doctor)
    services.add_walk_in(
        chamber=chamber_day.chamber, by=doctor, name="Walk In", mobile="+8801712345678"
    )

    response = doctor_client.get("/portal/queue/")

    assert response.status_code == 200
    page = text(response)
    assert "Now serving 2" in page
    assert "Next: serial 3 · waiting: 2" in page
    assert "Booked: 1 · Arrived: 2 · In consultation: 1 · Done: 1 · Cancelled: 1" in page
    rows = re.findall(r'<tr class="queue-(\w+)">\s*<td[^>]*>(\d+)</td>', response.content.decode())
    assert rows == [
        ("done", "1"),
        ("in_consultation", "2"),
        ("arrived", "3"),
        ("cancelled", "4"),
        ("booked", "5"),
        ("arrived", "13"),
    ]
    assert "Walk In" in page and booked.patient.full_name in page
    html = response.content.decode()
    live = f'hx-get="/portal/queue/{chamber_day.chamber.pk}/list/" hx-trigger="every 30s, live"'
    assert live in html
    assert f'data-live-socket="/ws/queue/{chamber_day.chamber.pk}/"' in html
    assert f'href="?chamber={chamber_day.chamber.pk}">Refresh</a>' in html


def test_queue_page_opens_on_the_chamber_in_session(doctor_client, chamber_day, ten_oclock):
    evening = ChamberFactory(doctor=chamber_day.doctor, name="Evening")
    weekday = chamber_day.day.weekday()
    ChamberHoursFactory(chamber=evening, weekday=weekday, start=time(18), end=time(20))

    assert doctor_client.get("/portal/queue/").context["chamber"] == chamber_day.chamber
    ten_oclock.shift(timedelta(hours=2, minutes=30))  # 12:30: the afternoon opens next
    assert doctor_client.get("/portal/queue/").context["chamber"] == chamber_day.chamber
    ten_oclock.shift(timedelta(hours=5))  # 17:30: the evening opens next
    assert doctor_client.get("/portal/queue/").context["chamber"] == evening
    ten_oclock.shift(timedelta(hours=3))  # 20:30: the last chamber of the day
    assert doctor_client.get("/portal/queue/").context["chamber"] == evening
    response = doctor_client.get(f"/portal/queue/?chamber={chamber_day.chamber.pk}")
    assert response.context["chamber"] == chamber_day.chamber
    assert "Evening · 18:00–20:00" in text(response)


def test_queue_page_queries_do_not_grow_with_the_patients(doctor_client, chamber_day):
    def queries():
        with CaptureQueriesContext(connection) as captured:
            assert doctor_client.get("/portal/queue/").status_code == 200
            assert (
                doctor_client.get(f"/portal/queue/{chamber_day.chamber.pk}/list/").status_code
                == 200
            )
        return len(captured)

    chamber_day.book(1)
    services.mark_arrived(appointment=chamber_day.book(2), by=chamber_day.doctor.user)
    few = queries()
    for serial in range(3, 12):
        services.mark_arrived(appointment=chamber_day.book(serial), by=chamber_day.doctor.user)
    services.call_next(chamber=chamber_day.chamber, by=chamber_day.doctor.user)
    services.add_walk_in(
        chamber=chamber_day.chamber, by=chamber_day.doctor.user, name="A", mobile="+8801712345678"
    )

    assert queries() == few


def test_arrived_call_next_and_done_through_the_page(doctor_client, chamber_day):
    first, second = chamber_day.book(2), chamber_day.book(3)
    queue_url = f"/portal/queue/?chamber={chamber_day.chamber.pk}"

    for appointment in (first, second):
        response = doctor_client.post(
            f"/portal/queue/appointments/{appointment.pk}/", {"step": "arrived"}
        )
        assert response.status_code == 302 and response["Location"] == queue_url
    response = doctor_client.post(f"/portal/queue/{chamber_day.chamber.pk}/call-next/", follow=True)
    assert "Serial 2 is called in." in text(response)
    response = doctor_client.post(
        f"/portal/queue/appointments/{first.pk}/", {"step": "done"}, follow=True
    )
    assert "Serial 2 is done." in text(response)

    assert fresh(first).status == Status.COMPLETED
    assert fresh(second).queue_state == QueueState.ARRIVED


def test_a_refused_step_says_why_and_changes_nothing(doctor_client, chamber_day):
    booked = chamber_day.book(3)

    response = doctor_client.post(
        f"/portal/queue/appointments/{booked.pk}/", {"step": "recall"}, follow=True
    )

    assert "Only the patient called in can be called again" in text(response)
    assert fresh(booked).queue_state == QueueState.BOOKED
    assert booked.events.count() == 1


@pytest.mark.parametrize("step", ["", "teleport", "ARRIVED", "arrived\x00"])
def test_an_unknown_step_is_refused(doctor_client, chamber_day, step):
    booked = chamber_day.book(3)

    response = doctor_client.post(
        f"/portal/queue/appointments/{booked.pk}/", {"step": step}, follow=True
    )

    assert "Choose what happened" in text(response)
    assert booked.events.count() == 1


def test_call_next_with_nobody_waiting_says_so(doctor_client, chamber_day):
    chamber_day.book(3)

    response = doctor_client.post(f"/portal/queue/{chamber_day.chamber.pk}/call-next/", follow=True)

    assert "Nobody is waiting" in text(response)


def test_walk_in_through_the_page(doctor_client, chamber_day):
    response = doctor_client.post(
        f"/portal/queue/{chamber_day.chamber.pk}/walk-in/",
        {"full_name": "  Rahim   Uddin ", "mobile": "০১৭১২-৩৪৫৬৭৮"},
        follow=True,
    )

    walk_in = Appointment.objects.get()
    assert (walk_in.walk_in_name, walk_in.walk_in_mobile) == ("Rahim Uddin", "+8801712345678")
    assert "Rahim Uddin joins the queue as serial 13." in text(response)


@pytest.mark.parametrize(
    "posted, error",
    [
        ({"full_name": "", "mobile": "01712345678"}, "This field is required."),
        ({"full_name": "Rahim", "mobile": "12345"}, "Bangladeshi mobile"),
        ({"full_name": "Rahim", "mobile": ""}, "This field is required."),
        ({"full_name": "x" * 151, "mobile": "01712345678"}, "at most 150 characters"),
    ],
)
def test_a_bad_walk_in_is_refused_with_the_typed_values_kept(
    doctor_client, chamber_day, posted, error
):
    response = doctor_client.post(f"/portal/queue/{chamber_day.chamber.pk}/walk-in/", posted)

    assert response.status_code == 200
    assert error in text(response)
    assert not Appointment.objects.exists()


def test_late_notice_through_the_page(doctor_client, chamber_day):
    response = doctor_client.post(
        f"/portal/queue/{chamber_day.chamber.pk}/late/",
        {"minutes": "৩০", "reason": "Emergency <b>surgery</b>"},
        follow=True,
    )

    assert LateNotice.objects.get().minutes == 30
    page = response.content.decode()
    assert "Patients see: running late by 30 minutes." in text(response)
    assert "Emergency &lt;b&gt;surgery&lt;/b&gt;" in page


@pytest.mark.parametrize("minutes", ["", "-5", "601", "abc", "1e3"])
def test_a_bad_late_notice_is_refused(doctor_client, chamber_day, minutes):
    response = doctor_client.post(
        f"/portal/queue/{chamber_day.chamber.pk}/late/", {"minutes": minutes, "reason": "x"}
    )

    assert response.status_code == 200
    assert 'class="invalid-feedback"' in response.content.decode()
    assert not LateNotice.objects.exists()


# The patient's live view


@pytest.fixture
def patient_day(chamber_day):
    """Serial 2 in consultation, serial 3 waiting, and our patient at serial 5."""
    doctor = chamber_day.doctor.user
    called, waiting = chamber_day.book(2), chamber_day.book(3)
    mine = chamber_day.book(5)
    for appointment in (called, waiting):
        services.mark_arrived(appointment=appointment, by=doctor)
    services.call_next(chamber=chamber_day.chamber, by=doctor)
    return mine


def test_patient_sees_now_serving_their_serial_and_the_wait(client, patient_day):
    client.force_login(patient_day.patient)

    response = client.get(f"/appointments/{patient_day.pk}/")

    page = text(response)
    # Serials 2 (in consultation) and 3 ahead, 30-minute slots: about an hour.
    assert "Now serving serial 2 · you are serial 5 · about 60 minutes" in page
    assert "tell them your serial" in page
    html = response.content.decode()
    assert f'hx-get="/appointments/{patient_day.pk}/queue/"' in html
    assert f'data-live-socket="/ws/appointments/{patient_day.pk}/"' in html
    partial = client.get(f"/appointments/{patient_day.pk}/queue/")
    assert "Now serving serial 2 · you are serial 5 · about 60 minutes" in text(partial)
    assert "<html" not in partial.content.decode()


def test_patient_sees_the_late_notice_and_their_call(client, chamber_day, patient_day):
    doctor = chamber_day.doctor.user
    client.force_login(patient_day.patient)
    services.set_late_notice(chamber=chamber_day.chamber, by=doctor, minutes=20, reason="Traffic")

    assert "running about 20 minutes late. Traffic" in text(
        client.get(f"/appointments/{patient_day.pk}/queue/")
    )

    services.mark_arrived(appointment=patient_day, by=doctor)
    services.call_next(chamber=chamber_day.chamber, by=doctor)  # 3
    services.call_next(chamber=chamber_day.chamber, by=doctor)  # 5: ours
    response = client.get(f"/appointments/{patient_day.pk}/queue/")

    assert 'role="alert"' in response.content.decode()
    assert "Your serial is called" in text(response)
    assert "Please go in to the doctor now." in text(response)


def test_patient_view_in_bengali_has_bengali_digits(client, patient_day):
    client.force_login(patient_day.patient)

    response = client.get(f"/appointments/{patient_day.pk}/queue/", HTTP_ACCEPT_LANGUAGE="bn")
    translation.activate("en")

    page = text(response)
    assert "২" in page and "৫" in page and "৬০" in page
    assert not re.search(r"[0-9]", page), page


def test_no_live_view_on_another_day(client, chamber_day):
    later = chamber_day.book(3)
    later.start += timedelta(days=2)
    later.end += timedelta(days=2)
    later.save(update_fields=["start", "end"])
    client.force_login(later.patient)

    response = client.get(f"/appointments/{later.pk}/")

    assert "appointment-queue" not in response.content.decode()
    assert "opens on the day" in text(client.get(f"/appointments/{later.pk}/queue/"))


def test_the_doctor_does_not_get_the_patients_live_view(doctor_client, patient_day):
    response = doctor_client.get(f"/appointments/{patient_day.pk}/")
    assert "appointment-queue" not in response.content.decode()


def test_another_patient_cannot_follow_the_appointment(client, patient_day):
    client.force_login(PatientFactory())
    assert client.get(f"/appointments/{patient_day.pk}/queue/").status_code == 404


# The waiting-room screen


def test_screen_shows_serials_only(client, chamber_day):
    doctor = chamber_day.doctor.user
    patients = [chamber_day.book(n) for n in (1, 2, 3, 4, 5)]
    for appointment in patients:
        services.mark_arrived(appointment=appointment, by=doctor)
    services.call_next(chamber=chamber_day.chamber, by=doctor)
    services.add_walk_in(
        chamber=chamber_day.chamber, by=doctor, name="Walk-in Name", mobile="+8801712345678"
    )
    services.set_late_notice(chamber=chamber_day.chamber, by=doctor, minutes=15, reason="Rounds")

    for path in ("screen/", "screen/live/"):
        response = client.get(f"/queue/{chamber_day.chamber.pk}/{path}")
        html = response.content.decode()
        assert re.search(r'class="queue-now mb-0">1</p>', html)
        assert re.findall(r'<li class="queue-next">(\d+)</li>', html) == ["2", "3", "4"]
        assert "running about 15 minutes late" in text(response)
        for appointment in patients:
            assert appointment.patient.full_name not in html
            assert appointment.patient.mobile not in html
            assert appointment.patient.email not in html
        assert "Walk-in Name" not in html and "1712345678" not in html
    screen = client.get(f"/queue/{chamber_day.chamber.pk}/screen/").content.decode()
    assert f'hx-get="/queue/{chamber_day.chamber.pk}/screen/live/"' in screen
    assert f'data-live-socket="/ws/screen/{chamber_day.chamber.pk}/"' in screen
    assert '<noscript><meta http-equiv="refresh" content="30"></noscript>' in screen


def test_screen_in_bengali(client, chamber_day):
    doctor = chamber_day.doctor.user
    for serial in (11, 12):
        services.mark_arrived(appointment=chamber_day.book(serial), by=doctor)
    services.call_next(chamber=chamber_day.chamber, by=doctor)
    client.get("/language/bn/")

    response = client.get(f"/queue/{chamber_day.chamber.pk}/screen/live/")
    translation.activate("en")

    html = response.content.decode()
    assert 'class="queue-now mb-0">১১</p>' in html
    assert '<li class="queue-next">১২</li>' in html
    assert local_digits(chamber_day.day.day, "bn") in text(response)  # the date
    assert not re.search(r"[0-9]", text(response).replace("Popular Diagnostic Centre", ""))


def test_screen_partial_queries_do_not_grow_with_the_patients(client, chamber_day):
    doctor = chamber_day.doctor.user
    path = f"/queue/{chamber_day.chamber.pk}/screen/live/"
    services.mark_arrived(appointment=chamber_day.book(1), by=doctor)
    with CaptureQueriesContext(connection) as few:
        client.get(path)
    for serial in range(2, 12):
        services.mark_arrived(appointment=chamber_day.book(serial), by=doctor)
    services.call_next(chamber=chamber_day.chamber, by=doctor)

    with CaptureQueriesContext(connection) as many:
        assert client.get(path).status_code == 200

    assert len(many) == len(few)


# The other live regions carry the same convention.


def test_agenda_portal_and_slot_list_are_live_regions(doctor_client, chamber_day):
    chamber_day.book(3)
    agenda = doctor_client.get("/portal/agenda/").content.decode()
    assert 'hx-trigger="every 30s, live" data-live-socket="/ws/agenda/"' in agenda
    partial = doctor_client.get("/portal/agenda/", HTTP_HX_REQUEST="true").content.decode()
    assert "<html" not in partial and "<table" in partial
    portal = doctor_client.get("/portal/").content.decode()
    assert 'data-live-socket="/ws/agenda/"' in portal
    assert "<table" in doctor_client.get("/portal/", HTTP_HX_REQUEST="true").content.decode()

    doctor_id = chamber_day.doctor.pk
    page = doctor_client.get(f"/doctors/{doctor_id}/").content.decode()
    assert f'data-live-socket="/ws/slots/{doctor_id}/"' in page
    assert 'hx-trigger="every 30s, live" hx-swap="outerHTML"' in page
