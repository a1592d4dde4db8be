"""The pages' side of the live updates: the slot list and the agenda are htmx fragments
that poll every 30 s, refetch on a `live` event, and name their socket; the agenda's
fragment is served alone to htmx. (The sockets: test_live.py; in Chromium:
test_live_e2e.py.)"""

from datetime import time, timedelta

import pytest
from django.utils import timezone

from accounts.tests.factories import DoctorProfileFactory, PatientFactory
from appion import clinic_calendar
from scheduling.tests.factories import AppointmentFactory, open_every_day

pytestmark = pytest.mark.django_db

LIVE = 'hx-trigger="every 30s, live" hx-swap="outerHTML"'


@pytest.fixture
def doctor():
    return open_every_day(DoctorProfileFactory())


def test_slot_list_polls_and_names_its_socket(client, doctor):
    day = timezone.localdate() + timedelta(days=2)
    region = (
        f'<div id="slot-list" aria-live="polite" hx-get="/doctors/{doctor.pk}/slots/?date={day}" '
        f'{LIVE} data-live-socket="/ws/slots/{doctor.pk}/">'
    )

    for response in (
        client.get(f"/doctors/{doctor.pk}/", {"date": day.isoformat()}),
        client.get(f"/doctors/{doctor.pk}/slots/", {"date": day.isoformat()}),
        client.get(
            f"/doctors/{doctor.pk}/slots/", {"date": day.isoformat()}, HTTP_HX_REQUEST="true"
        ),
    ):
        assert response.status_code == 200
        assert region in response.content.decode()


def test_slot_list_with_a_bad_date_polls_the_default_day(client, doctor):
    response = client.get(f"/doctors/{doctor.pk}/slots/", {"date": "2026-02-30"})

    assert response.status_code == 400
    assert f'hx-get="/doctors/{doctor.pk}/slots/" {LIVE}' in response.content.decode()


def test_every_page_loads_the_live_script(client, doctor):
    html = client.get("/").content.decode()

    assert '<script src="/static/js/live.js" defer></script>' in html


def test_agenda_polls_names_its_socket_and_keeps_the_week(client, doctor):
    client.force_login(doctor.user)
    day = clinic_calendar.today()

    week = client.get("/portal/agenda/", {"date": day.isoformat(), "view": "week"})
    one_day = client.get("/portal/agenda/", {"date": day.isoformat()})

    # The region's content is swapped (htmx's default), the region stays.
    assert (
        f'<div id="agenda-live" hx-get="/portal/agenda/?date={day}&amp;view=week" '
        'hx-trigger="every 30s, live" data-live-socket="/ws/agenda/">'
    ) in week.content.decode()
    assert (
        f'<div id="agenda-live" hx-get="/portal/agenda/?date={day}" '
        'hx-trigger="every 30s, live" data-live-socket="/ws/agenda/">'
    ) in one_day.content.decode()


def test_htmx_gets_the_agenda_days_alone_in_constant_queries(
    client, doctor, django_assert_num_queries
):
    day = clinic_calendar.today() + timedelta(days=1)
    for hour in (9, 10, 11, 14):
        AppointmentFactory(
            doctor=doctor,
            patient=PatientFactory(full_name=f"Patient at {hour}"),
            start=clinic_calendar.at(day, time(hour)),
            status="confirmed",
        )
    client.force_login(doctor.user)
    client.get("/portal/agenda/", {"date": day.isoformat()})  # session and caches warm

    with django_assert_num_queries(4):
        response = client.get("/portal/agenda/", {"date": day.isoformat()}, HTTP_HX_REQUEST="true")

    html = response.content.decode()
    assert response.status_code == 200
    assert html.lstrip().startswith('<div class="card')
    assert "<html" not in html and "agenda-live" not in html
    assert all(f"Patient at {hour}" in html for hour in (9, 10, 11, 14))


def test_agenda_fragment_is_the_doctors_own(client, doctor):
    other = open_every_day(DoctorProfileFactory())
    day = clinic_calendar.today() + timedelta(days=1)
    AppointmentFactory(
        doctor=other,
        patient=PatientFactory(full_name="Someone Else's Patient"),
        start=clinic_calendar.at(day, time(9)),
    )
    client.force_login(doctor.user)

    response = client.get("/portal/agenda/", {"date": day.isoformat()}, HTTP_HX_REQUEST="true")

    assert "Someone Else" not in response.content.decode()
    client.force_login(PatientFactory())
    assert client.get("/portal/agenda/", HTTP_HX_REQUEST="true").status_code == 403
