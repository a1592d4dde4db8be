"""Walk-ins (issue #17) count in the reports: as appointments in every figure, with
their fees, and as patients, one per mobile number."""

import csv
import io
from datetime import time, timedelta
from decimal import Decimal

import pytest

from appion import clinic_calendar
from reports.selectors import DateRange, doctor_report, overview
from scheduling import services

pytestmark = pytest.mark.django_db


@pytest.fixture
def seen_today(chamber_day):
    """A booked visit and three walk-ins today (two of them the same person), all seen,
    and one walk-in who left: four completed visits at the chamber's fee."""
    doctor = chamber_day.doctor.user
    chamber_day.chamber.fee = Decimal("500")
    chamber_day.chamber.save()
    booked = chamber_day.book(1, fee=Decimal("500"))
    services.mark_arrived(appointment=booked, by=doctor)
    for name, mobile in (
        ("Rahim", "+8801712345678"),
        ("Rahim again", "+8801712345678"),
        ("Karima", "+8801812345678"),
    ):
        services.add_walk_in(chamber=chamber_day.chamber, by=doctor, name=name, mobile=mobile)
    left = services.add_walk_in(
        chamber=chamber_day.chamber, by=doctor, name="Left", mobile="+8801912345678"
    )
    services.cancel_appointment(appointment=left, by=doctor, reason="Could not wait")
    for _visit in range(5):
        services.call_next(chamber=chamber_day.chamber, by=doctor)
    return DateRange(chamber_day.day - timedelta(days=6), chamber_day.day)


def test_walk_ins_count_in_the_doctors_report(chamber_day, seen_today):
    report = doctor_report(chamber_day.doctor, seen_today)

    totals = report["totals"]
    assert (totals["total"], totals["completed"], totals["cancelled"]) == (5, 4, 1)
    assert totals["revenue"] == Decimal("2000")
    assert report["cancelled_by"] == {"doctor": 1}
    # The booked patient and three walk-in mobiles (Rahim came twice).
    assert report["patients"] == 4
    assert (report["new_patients"], report["returning_patients"]) == (4, 0)
    hours = sum(report["week_hours"].values())
    assert hours == 5


def test_a_walk_in_who_came_before_is_a_returning_patient(ten_oclock, chamber_day, seen_today):
    tomorrow = chamber_day.day + timedelta(days=1)
    ten_oclock.move_to(clinic_calendar.at(tomorrow, time(10)))
    for name, mobile in (("Rahim", "+8801712345678"), ("Someone new", "+8801612345678")):
        services.add_walk_in(
            chamber=chamber_day.chamber, by=chamber_day.doctor.user, name=name, mobile=mobile
        )

    report = doctor_report(chamber_day.doctor, DateRange(tomorrow, tomorrow))

    assert report["patients"] == 2
    assert (report["new_patients"], report["returning_patients"]) == (1, 1)


def test_walk_ins_count_in_the_staff_overview(chamber_day, seen_today):
    figures = overview(seen_today)

    assert figures["totals"]["total"] == 5
    assert figures["totals"]["completed"] == 4
    assert figures["totals"]["revenue"] == Decimal("2000")
    assert figures["cancelled_by"] == {"doctor": 1}
    assert figures["top_doctors"][0]["n"] == 4


def test_walk_ins_are_named_in_the_report_csv(client, chamber_day, seen_today):
    client.force_login(chamber_day.doctor.user)

    response = client.get(
        "/portal/report/",
        {
            "start_date": seen_today.start.isoformat(),
            "end_date": seen_today.end.isoformat(),
            "format": "csv",
        },
    )

    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode("utf-8-sig"))))
    walk_ins = [row for row in rows[1:] if row[3] in ("Rahim", "Rahim again", "Karima", "Left")]
    assert len(walk_ins) == 4
    assert {row[4] for row in walk_ins} >= {"+8801712345678", "+8801812345678"}
