import csv
import io
import re
from datetime import datetime, time, timedelta
from decimal import Decimal

import pytest
import time_machine
from django.utils import timezone

from accounts.tests.factories import DoctorProfileFactory, PatientFactory, StaffFactory
from appion.clinic_calendar import whole_months
from reports.selectors import DateRange, doctor_report, overview, parse_range
from scheduling import services
from scheduling.models import AppointmentEvent
from scheduling.tests.factories import AppointmentFactory

pytestmark = pytest.mark.django_db

TZ = timezone.get_default_timezone()
TODAY = timezone.localdate()


def at(days_ago, hour=10):
    return datetime.combine(TODAY - timedelta(days=days_ago), time(hour), tzinfo=TZ)


@pytest.fixture
def doctor():
    return DoctorProfileFactory(consultation_fee=Decimal("500"))


@pytest.fixture
def known(doctor):
    """3 completed at 500 ৳ and 1 at 800 ৳, 1 no-show, 2 cancelled (one by the patient,
    one by the doctor), 1 pending: revenue 2,300 ৳."""
    for day in (1, 2, 3):
        AppointmentFactory(doctor=doctor, start=at(day), status="completed", fee=Decimal("500"))
    AppointmentFactory(doctor=doctor, start=at(4), status="completed", fee=Decimal("800"))
    AppointmentFactory(doctor=doctor, start=at(5), status="no_show")
    for who in ("patient", "doctor"):
        appointment = AppointmentFactory(doctor=doctor, start=at(6), status="cancelled")
        AppointmentEvent.objects.create(
            appointment=appointment,
            actor=appointment.patient if who == "patient" else doctor.user,
            from_status="pending",
            to_status="cancelled",
        )
    AppointmentFactory(doctor=doctor, start=at(0, 23), status="pending")
    # Outside the range: ignored.
    AppointmentFactory(doctor=doctor, start=at(40), status="completed", fee=Decimal("999"))
    # A fee changed after booking changes no report.
    doctor.consultation_fee = Decimal("2000")
    doctor.save()
    return DateRange(TODAY - timedelta(days=29), TODAY)


def test_overview_figures_on_known_data(known):
    figures = overview(known)
    totals = figures["totals"]

    assert totals["total"] == 8
    assert (totals["completed"], totals["no_show"], totals["cancelled"], totals["pending"]) == (
        4,
        1,
        2,
        1,
    )
    assert totals["revenue"] == Decimal("2300")
    assert totals["completion_rate"] == pytest.approx(4 / 5)
    assert totals["no_show_rate"] == pytest.approx(1 / 5)
    assert figures["cancelled_by"] == {"patient": 1, "doctor": 1}
    assert sum(n for _day, n in figures["per_day"]) == 8
    assert dict(figures["per_day"])[TODAY] == 1  # 23:00 in Dhaka is still today
    assert figures["top_doctors"][0]["n"] == 4


def test_doctor_report_new_and_returning_patients(known, doctor):
    regular = PatientFactory()
    AppointmentFactory(doctor=doctor, patient=regular, start=at(100), status="completed")
    AppointmentFactory(
        doctor=doctor, patient=regular, start=at(2, 15), status="completed", fee=Decimal("500")
    )

    figures = doctor_report(doctor, known)

    assert figures["returning_patients"] == 1
    assert figures["new_patients"] == figures["patients"] - 1
    assert figures["totals"]["revenue"] == Decimal("2300") + Decimal("500")


@pytest.mark.parametrize(
    "params, error",
    [
        ({"start_date": "2026-02-30"}, "Dates must look like"),
        ({"start_date": "yesterday"}, "Dates must look like"),
        (
            {"start_date": TODAY - timedelta(days=1), "end_date": TODAY - timedelta(days=9)},
            "before the start",
        ),
        ({"start_date": TODAY - timedelta(days=6 * 365), "end_date": TODAY}, "at most three years"),
        ({"start_date": TODAY - timedelta(days=11 * 366)}, "within ten years"),
    ],
)
def test_bad_ranges_fall_back_with_a_message(params, error):
    params = {name: str(value) for name, value in params.items()}
    rng, errors = parse_range(params, today=TODAY)
    assert rng == DateRange(TODAY - timedelta(days=29), TODAY)
    assert error in errors[0]


def test_quick_picks_and_explicit_ranges():
    rng, errors = parse_range({"range": "this_month"}, today=TODAY)
    assert (rng.start, rng.end, errors) == (TODAY.replace(day=1), TODAY, [])
    january = TODAY.replace(month=1, day=1)
    rng, _ = parse_range({"start_date": str(january), "end_date": str(january.replace(day=31))})
    assert rng.days == 31


def test_overview_page_for_staff_only_with_fixed_queries(
    client, known, django_assert_max_num_queries, django_assert_num_queries
):
    client.force_login(PatientFactory())
    assert client.get("/reports/").status_code == 403
    client.force_login(StaffFactory())
    # 11 for the page, and 1 for the navbar's unread-notifications bell. The first view
    # brings the range's daily roll-ups up to date, and the monthly totals of any whole
    # month in it (the last 30 days hold one on the 30th or 31st): a fixed number more.
    page = 11 + BELL_QUERIES
    with django_assert_max_num_queries(page + REFRESH_QUERIES + MONTH_REFRESH_QUERIES):
        assert client.get("/reports/").status_code == 200
    # One more when the range holds a whole month, whose totals are checked for freshness.
    start, after = whole_months(TODAY - timedelta(days=29), TODAY)
    with django_assert_num_queries(page + (start != after)):
        response = client.get("/reports/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "<svg" in html and "2,300" in html
    assert "by the patient: 1" in html and "by the doctor: 1" in html
    assert "cdn" not in html.lower()
    bad = client.get("/reports/", {"start_date": "2026-13-01"})
    assert bad.status_code == 200 and "Dates must look like" in bad.content.decode()


# Recomputing dirty days: ensure rows, lock, claim, delete, six aggregates, insert, months.
REFRESH_QUERIES = 15
# Recomputing the doctor totals of whole months: count, ensure rows, lock, claim, delete,
# sum, insert (and the savepoint pair): the same for one month or thirty-six.
MONTH_REFRESH_QUERIES = 9
# The navbar's bell on every page of a logged-in user: one count of unread notifications.
BELL_QUERIES = 1


def test_report_query_count_does_not_grow_with_data(
    client, doctor, django_capture_on_commit_callbacks
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.force_login(StaffFactory())

    def count():
        with CaptureQueriesContext(connection) as captured:
            client.get(f"/reports/doctor/{doctor.pk}/")
            client.get("/reports/", {"range": "this_year"})
        return len(captured)

    AppointmentFactory(doctor=doctor, start=at(1), status="completed")
    count()  # the roll-ups of the range are computed once
    few = count()
    with django_capture_on_commit_callbacks(execute=True):
        for day in range(2, 25):
            AppointmentFactory(doctor=doctor, start=at(day), status="completed")
            AppointmentFactory(doctor=DoctorProfileFactory(), start=at(day), status="cancelled")
    # The changed days are recomputed in bulk, and so are the whole months they fall in.
    assert count() <= few + REFRESH_QUERIES + MONTH_REFRESH_QUERIES
    assert count() == few


def _refresh_queries(client, django_capture_on_commit_callbacks, doctor, first, last):
    """The queries of the overview of first…last after a change on its first, middle and
    last day (the same amount of data whatever the length: only the range varies)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    params = {"start_date": first.isoformat(), "end_date": last.isoformat()}
    client.get("/reports/", params)
    with django_capture_on_commit_callbacks(execute=True):
        for day in (first, first + (last - first) / 2, last):
            AppointmentFactory(
                doctor=doctor,
                start=datetime.combine(day, time(10), tzinfo=TZ),
                status="completed",
            )
    with CaptureQueriesContext(connection) as captured:
        assert client.get("/reports/", params).status_code == 200
    return len(captured)


def test_refreshing_a_range_costs_the_same_for_one_month_or_three_years(
    client, doctor, django_capture_on_commit_callbacks
):
    """The extra queries of a range that holds whole months do not grow with the number
    of months (or of the weeks charted): recomputing is done in bulk."""
    client.force_login(StaffFactory())
    month_end = TODAY.replace(day=1) - timedelta(days=1)
    one_month = _refresh_queries(
        client, django_capture_on_commit_callbacks, doctor, month_end.replace(day=1), month_end
    )
    three_years = _refresh_queries(
        client,
        django_capture_on_commit_callbacks,
        doctor,
        TODAY - timedelta(days=3 * 365),
        TODAY,
    )
    assert one_month == three_years


def test_doctor_report_access(client, doctor):
    url = f"/reports/doctor/{doctor.pk}/"
    assert client.get(url).status_code == 302
    client.force_login(PatientFactory())
    assert client.get(url).status_code == 404
    client.force_login(DoctorProfileFactory().user)
    assert client.get(url).status_code == 404
    assert client.get("/reports/doctor/999999/").status_code == 404
    client.force_login(doctor.user)
    assert client.get(url).status_code == 200
    assert client.get("/portal/report/").status_code == 200
    client.force_login(StaffFactory())
    assert client.get(url).status_code == 200


def test_csv_keeps_bengali_names_and_has_one_row_per_appointment(client, doctor):
    patient = PatientFactory(full_name="রহিম উদ্দিন")
    AppointmentFactory(doctor=doctor, patient=patient, start=at(3), status="completed")
    AppointmentFactory(doctor=doctor, start=at(2), status="cancelled")
    client.force_login(doctor.user)

    response = client.get("/portal/report/", {"format": "csv"})

    content = b"".join(response.streaming_content).decode("utf-8")
    assert content.startswith("\ufeff")
    rows = list(csv.reader(io.StringIO(content.lstrip("\ufeff"))))
    assert rows[0][:4] == ["date", "time", "serial", "patient"]
    assert len(rows) == 3
    assert rows[1][3] == "রহিম উদ্দিন"
    assert rows[1][5] == "completed"


def test_booked_fee_is_what_counts(doctor):
    patient = PatientFactory()
    start = timezone.now() - timedelta(hours=5)
    appointment = AppointmentFactory(
        doctor=doctor, patient=patient, start=start, status="confirmed"
    )
    services.change_status(appointment=appointment, to="completed", by=doctor.user)
    doctor.consultation_fee = Decimal("9999")
    doctor.save()
    figures = overview(DateRange(TODAY - timedelta(days=1), TODAY))
    assert figures["totals"]["revenue"] == Decimal("500")


def test_charts_carry_no_script(client, known):
    client.force_login(StaffFactory())
    html = client.get("/reports/").content.decode()
    assert "<svg" in html
    assert "<script" not in html.split("<main", 1)[1].split("</main>", 1)[0]


def test_long_ranges_chart_weeks_and_keep_every_appointment(client, known):
    client.force_login(StaffFactory())
    start = TODAY - timedelta(days=99)
    response = client.get("/reports/", {"start_date": start, "end_date": TODAY})
    assert response.context["per_period_weekly"] is True
    assert "Appointments per week" in response.content.decode()
    weeks = response.context["per_period"]
    assert len(weeks) == 15  # 100 days from the first: 14 whole weeks and 2 days
    assert weeks[0][0] == start and weeks[1][0] == start + timedelta(days=7)
    assert sum(n for _week, n in weeks) == 9  # the 8 of the last 30 days and 1 at 40 days
    short = client.get("/reports/")
    assert short.context["per_period_weekly"] is False
    assert len(short.context["per_period"]) == 30


def test_bengali_reports_write_bengali_digits(client, known):
    client.force_login(StaffFactory())
    client.get("/language/bn/")
    html = client.get("/reports/").content.decode()
    main = html.split("<main", 1)[1].split("</main>", 1)[0]
    assert "৳২,৩০০" in main  # revenue
    assert "৮০%" in main  # completion rate, 4 of 5
    assert "রোগী: ১" in main  # cancelled by the patient: 1
    # The first chart (the status badges above it carry small icons of their own).
    svg = main.split("<figure", 1)[1].split("<svg", 1)[1].split("</svg>", 1)[0]
    assert "০" in svg  # the chart's axis


def test_overview_figures_open_the_admin_list_behind_them(client, known, doctor):
    client.force_login(StaffFactory())
    response = client.get("/reports/")
    completed = response.context["admin_links"]["completed"]
    assert f'href="{completed.replace("&", "&amp;")}"' in response.content.decode()
    listed = client.get(completed)
    assert listed.status_code == 200
    assert sorted(a.fee for a in listed.context["cl"].result_list) == [500, 500, 500, 800]
    [(_name, n, link)] = response.context["specialization_rows"]
    assert n == 8
    assert len(client.get(link).context["cl"].result_list) == 8


def test_the_heat_map_starts_on_saturday_in_both_reports(client, doctor):
    """The Bangladeshi week: Saturday first, Friday last, in the staff overview and in a
    doctor's report alike."""
    week = ["Sat", "Sun", "Mon", "Tue", "Wed", "Thu", "Fri"]
    with time_machine.travel(datetime(2026, 11, 30, 12, tzinfo=TZ), tick=False):  # a Monday
        saturday = datetime(2026, 11, 28, 10, tzinfo=TZ)
        AppointmentFactory(doctor=doctor, start=saturday, status="completed")
        client.force_login(StaffFactory())
        for url in ("/reports/", f"/reports/doctor/{doctor.pk}/"):
            html = client.get(url, {"range": "this_week"}).content.decode()
            heat_map = html.split("heat-map", 1)[1].split("</table>", 1)[0]
            rows = re.findall(r'<th scope="row">(\w+)</th>(.*?)</tr>', heat_map, re.DOTALL)
            assert [label for label, _cells in rows] == week, url
            assert re.findall(r">(\d+)</td>", rows[0][1]) == ["1"], url  # Saturday, 10:00


def test_charts_of_small_counts_mark_whole_numbers_once(client, known):
    import re

    client.force_login(StaffFactory())
    html = client.get("/reports/").content.decode()
    svg = html.split("<figure", 1)[1].split("<svg", 1)[1].split("</svg>", 1)[0]
    axis = re.search(r'<g class="axis y[^"]*">(.*?)</g></g>', svg, re.S).group(1)
    marks = re.findall(r"<text[^>]*>([^<]*)</text>", axis)
    assert marks == [str(n) for n in range(len(marks))]  # 0, 1, 2: no 0, 0, 0, 1, 1
