"""CSV downloads are safe to open in a spreadsheet: a typed text that Excel or LibreOffice
would run as a formula (OWASP's CSV injection) arrives with a leading quote, shown as
typed; our own numbers, dates and ordinary names (Bengali included) arrive unchanged."""

import csv
import io
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.urls import reverse

from accounts.tests.factories import DoctorProfileFactory, PatientFactory, StaffFactory
from appion.csv_download import spreadsheet_safe
from scheduling.tests.factories import AppointmentFactory

pytestmark = pytest.mark.django_db

DHAKA = ZoneInfo("Asia/Dhaka")
NOW = datetime(2026, 3, 10, 12, 0, tzinfo=DHAKA)

FORMULAS = [
    '=HYPERLINK("http://evil.example/","click")',
    "+SUM(1,2)",
    "-2+3+cmd|' /C calc'!A0",
    "@SUM(1+1)*cmd|' /C calc'!A0",
    "\t=1+1",
    "\r=1+1",
]
BENGALI = "রহিমা খাতুন"


@pytest.fixture(autouse=True)
def _frozen_now():
    with time_machine.travel(NOW, tick=False):
        yield


def rows_of(response):
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    content = b"".join(response.streaming_content).decode("utf-8")
    return list(csv.reader(io.StringIO(content.lstrip("\ufeff"), newline="")))


@pytest.fixture
def doctor():
    return DoctorProfileFactory(user__full_name='=HYPERLINK("http://evil.example/","Dr")')


@pytest.fixture
def booked(doctor):
    """One appointment per typed name, on separate hours of 5 March 2026, in that order."""
    names = [*FORMULAS, BENGALI]
    return [
        AppointmentFactory(
            doctor=doctor,
            patient=PatientFactory(full_name=name, mobile=f"+8801911{n:06d}"),
            start=datetime(2026, 3, 5, 8 + n, tzinfo=DHAKA),
            serial=n + 1,
            status="completed",
            symptoms="=1+1",
        )
        for n, name in enumerate(names)
    ]


def assert_neutralised(rows, column):
    names = [row[column] for row in rows[1:]]
    assert names == [f"'{name}" for name in FORMULAS] + [BENGALI]


REPORT_RANGE = {"format": "csv", "start_date": "2026-03-01", "end_date": "2026-03-10"}


def test_doctors_own_report_csv_neutralises_formulas(client, doctor, booked):
    client.force_login(doctor.user)

    rows = rows_of(client.get("/portal/report/", REPORT_RANGE))

    assert rows[0] == ["date", "time", "serial", "patient", "mobile", "status", "fee", "booked at"]
    assert_neutralised(rows, 3)
    # Our own cells: dates, times, numbers and the (validated) mobile stay plain.
    first = rows[1]
    assert first[:3] == ["2026-03-05", "08:00", "1"]
    assert first[4] == "+8801911000000"
    assert first[6] == "800.00"


def test_staff_per_doctor_csv_neutralises_formulas(client, doctor, booked):
    client.force_login(StaffFactory())

    rows = rows_of(client.get(f"/reports/doctor/{doctor.pk}/", REPORT_RANGE))

    assert_neutralised(rows, 3)
    assert [row[2] for row in rows[1:]] == [str(a.serial) for a in booked]


def test_admin_export_neutralises_formulas(admin_client, doctor, booked):
    rows = rows_of(
        admin_client.post(
            reverse("admin:scheduling_appointment_changelist"),
            {"action": "export_csv", "_selected_action": [a.pk for a in booked]},
        )
    )

    assert rows[0] == ["id", "start", "serial", "doctor", "patient", "status", "fee"]
    assert_neutralised(rows, 4)
    assert {row[3] for row in rows[1:]} == {"'" + doctor.user.full_name}
    assert [row[0] for row in rows[1:]] == [str(a.pk) for a in booked]
    assert rows[1][1] == "2026-03-05T08:00+06:00"
    assert rows[1][6] == "800.00"


@pytest.mark.parametrize(
    "cell",
    [-5, 3, 2.5, datetime(2026, 3, 5, tzinfo=DHAKA), None, "-5", "+8801711000000", "1.5"],
)
def test_numbers_dates_and_plain_signed_numbers_are_left_alone(cell):
    # A plain number runs nothing in a spreadsheet, so it keeps its form.
    assert spreadsheet_safe(cell) == cell


@pytest.mark.parametrize("cell", ["-", "+", "=", "@", "\t", "\r", "-1-1", "+1e3", "-1,000"])
def test_anything_else_that_starts_like_a_formula_is_quoted(cell):
    assert spreadsheet_safe(cell) == f"'{cell}"
