"""The report, slot, booking, reminder and agenda code at the instants where dates go
wrong: the last day of a month, New Year's Eve half an hour before midnight in Dhaka
(already the next morning nowhere, still the same day in UTC), 29 February of a leap
year, and a Saturday just after midnight in Dhaka (the first day of the Bangladeshi
week, while UTC is still on Friday). The expected dates are written out by hand."""

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from io import StringIO
from urllib.parse import quote
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core import mail
from django.core.management import call_command

from accounts.tests.factories import DoctorProfileFactory, PatientFactory, StaffFactory
from reports.selectors import DateRange, overview, parse_range, quick_picks
from scheduling.models import Appointment
from scheduling.selectors import bookable_dates, free_slots, settings_for
from scheduling.tests.factories import AppointmentFactory, open_every_day

pytestmark = pytest.mark.django_db

DHAKA = ZoneInfo("Asia/Dhaka")


@dataclass(frozen=True)
class Instant:
    now: datetime
    week_start: date  # the Saturday that begins the Bangladeshi week
    last_month: tuple[date, date]

    @property
    def today(self):
        return self.now.date()

    @property
    def tomorrow(self):
        return self.today + timedelta(days=1)

    def __str__(self):
        return self.now.isoformat()


INSTANTS = [
    # Monday, the last day of November.
    Instant(
        datetime(2026, 11, 30, 10, 0, tzinfo=DHAKA),
        date(2026, 11, 28),
        (date(2026, 10, 1), date(2026, 10, 31)),
    ),
    # Thursday 31 December, 23:30 in Dhaka: 17:30 UTC.
    Instant(
        datetime(2026, 12, 31, 23, 30, tzinfo=DHAKA),
        date(2026, 12, 26),
        (date(2026, 11, 1), date(2026, 11, 30)),
    ),
    # Tuesday 29 February 2028.
    Instant(
        datetime(2028, 2, 29, 10, 0, tzinfo=DHAKA),
        date(2028, 2, 26),
        (date(2028, 1, 1), date(2028, 1, 31)),
    ),
    # Saturday 5 December, 00:30 in Dhaka: Friday 18:30 UTC.
    Instant(
        datetime(2026, 12, 5, 0, 30, tzinfo=DHAKA),
        date(2026, 12, 5),
        (date(2026, 11, 1), date(2026, 11, 30)),
    ),
]


@pytest.fixture(params=INSTANTS, ids=str)
def instant(request):
    with time_machine.travel(request.param.now, tick=False):
        yield request.param


def at(day, hour, minute=0):
    return datetime.combine(day, time(hour, minute), tzinfo=DHAKA)


@pytest.fixture
def doctor(instant):
    return open_every_day(DoctorProfileFactory())


def test_slots_of_today_and_tomorrow_fall_on_their_own_days(instant, doctor):
    slots = free_slots(doctor, instant.today, instant.tomorrow)
    hours = (9, 10, 11, 14, 15, 16)
    assert [s.start for s in slots[instant.tomorrow]] == [at(instant.tomorrow, h) for h in hours]
    assert [s.serial for s in slots[instant.tomorrow]] == [1, 2, 3, 4, 5, 6]
    # Today: only the slots that start at least the two hours' notice after now.
    earliest = instant.now + timedelta(hours=2)
    expected_today = [at(instant.today, h) for h in hours if at(instant.today, h) >= earliest]
    assert [s.start for s in slots.get(instant.today, [])] == expected_today


def test_the_booking_window_counts_calendar_days(instant, doctor):
    first, last = bookable_dates(settings_for(doctor))
    assert first == instant.today
    assert last == instant.today + timedelta(days=30)
    assert (last - first).days == 30


def test_booking_tomorrows_first_slot_gives_serial_one_on_that_day(client, instant, doctor):
    client.force_login(PatientFactory())
    start = at(instant.tomorrow, 9)
    url = f"/appointments/book/{doctor.pk}/?start={quote(start.isoformat())}"

    response = client.post(url, {"symptoms": "Fever"})

    appointment = Appointment.objects.get()
    assert response.status_code == 302 and response.url == f"/appointments/{appointment.pk}/"
    assert (appointment.start, appointment.serial) == (start, 1)


def test_reminders_go_to_the_next_24_hours_only(instant, doctor):
    # Across the end of the day, the month or the year in Dhaka.
    soon = AppointmentFactory(
        doctor=doctor, start=instant.now + timedelta(hours=23, minutes=30), status="confirmed"
    )
    later = AppointmentFactory(
        doctor=doctor, start=instant.now + timedelta(hours=24, minutes=30), status="confirmed"
    )
    out = StringIO()

    call_command("send_reminders", stdout=out, stderr=StringIO())
    call_command("send_notifications", "--once", stdout=out, stderr=StringIO())

    assert [m.to[0] for m in mail.outbox] == [soon.patient.email]
    soon.refresh_from_db()
    later.refresh_from_db()
    assert soon.reminder_sent_at == instant.now
    assert later.reminder_sent_at is None


def test_agenda_puts_each_visit_on_its_local_day(client, instant, doctor):
    today = AppointmentFactory(doctor=doctor, start=at(instant.today, 9), serial=1)
    tomorrow = AppointmentFactory(doctor=doctor, start=at(instant.tomorrow, 9), serial=1)
    client.force_login(doctor.user)

    default = client.get("/portal/agenda/")
    week = client.get("/portal/agenda/", {"date": instant.today.isoformat(), "view": "week"})

    assert default.context["day"] == instant.today
    assert [a.pk for _day, rows in default.context["by_day"] for a in rows] == [today.pk]
    by_day = dict(week.context["by_day"])
    assert [a.pk for a in by_day[instant.today]] == [today.pk]
    assert [a.pk for a in by_day[instant.tomorrow]] == [tomorrow.pk]


def test_portal_counts_this_week_from_saturday_and_this_month_from_the_first(
    client, instant, doctor
):
    AppointmentFactory(doctor=doctor, start=at(instant.today, 9), serial=1)
    # The day before the week began: last week.
    AppointmentFactory(doctor=doctor, start=at(instant.week_start - timedelta(days=1), 9))
    # The first of next month: not this month.
    next_month = (instant.today.replace(day=28) + timedelta(days=4)).replace(day=1)
    AppointmentFactory(doctor=doctor, start=at(next_month, 9))
    client.force_login(doctor.user)

    counts = client.get("/portal/").context["counts"]

    in_week = 1 + (next_month < instant.week_start + timedelta(days=7))
    in_month = 1 + (instant.week_start - timedelta(days=1) >= instant.today.replace(day=1))
    assert (counts["week"], counts["month"]) == (in_week, in_month)


def test_report_ranges_and_figures_keep_the_local_day(client, instant, doctor):
    AppointmentFactory(doctor=doctor, start=at(instant.today, 0, 15), status="completed")
    AppointmentFactory(doctor=doctor, start=at(instant.today, 23), status="pending")
    AppointmentFactory(doctor=doctor, start=at(instant.tomorrow, 0, 15), status="pending")

    picks = {key: rng for key, (_label, rng) in quick_picks(instant.today).items()}
    assert picks["today"] == DateRange(instant.today, instant.today)
    assert picks["this_week"] == DateRange(instant.week_start, instant.today)
    assert picks["this_month"] == DateRange(instant.today.replace(day=1), instant.today)
    assert picks["last_month"] == DateRange(*instant.last_month)
    assert picks["this_year"] == DateRange(instant.today.replace(month=1, day=1), instant.today)
    default, errors = parse_range({})
    assert default == DateRange(instant.today - timedelta(days=29), instant.today)
    assert errors == []

    figures = overview(default)
    assert figures["totals"]["total"] == 2
    assert dict(figures["per_day"])[instant.today] == 2

    client.force_login(StaffFactory())
    page = client.get("/reports/", {"range": "this_month"})
    assert page.status_code == 200
    assert page.context["range"] == picks["this_month"]
    assert client.get(f"/reports/doctor/{doctor.pk}/", {"range": "today"}).status_code == 200


def test_portal_tiles_name_their_ranges(client, instant, doctor):
    client.force_login(doctor.user)

    html = client.get("/portal/").content.decode()

    week_last = instant.week_start + timedelta(days=6)
    assert f"{instant.week_start:%-d %b}–{week_last:%-d %b}" in html
    month_last = (instant.today.replace(day=28) + timedelta(days=4)).replace(day=1) - timedelta(
        days=1
    )
    assert f"1 {instant.today:%b}–{month_last:%-d %b}" in html
    assert "booked this week" in html and "booked this month" in html
