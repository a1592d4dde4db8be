"""The overview reads daily roll-ups: every change to the appointments must reach the
next report, and the roll-ups must always add up to what the appointments say."""

import threading
from datetime import datetime, time, timedelta
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.db import connection, connections
from django.db.models import Count, Sum
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from accounts.models import Specialization
from accounts.tests.factories import DoctorProfileFactory, PatientFactory
from reports.selectors import DateRange, overview
from scheduling import services
from scheduling.models import Appointment
from scheduling.tests.factories import AppointmentFactory, open_every_day

TZ = timezone.get_default_timezone()
TODAY = timezone.localdate()


def at(day, hour=10):
    return datetime.combine(day, time(hour), tzinfo=TZ)


@pytest.fixture
def booked(db):
    doctor = open_every_day(DoctorProfileFactory(consultation_fee=Decimal("700")))
    return doctor, PatientFactory()


@pytest.mark.django_db
def test_bookings_and_changes_reach_the_next_report(booked, django_capture_on_commit_callbacks):
    doctor, patient = booked
    soon = DateRange(TODAY, TODAY + timedelta(days=10))
    assert overview(soon)["totals"]["total"] == 0  # the range is now summarised

    with django_capture_on_commit_callbacks(execute=True):
        first = services.book_appointment(
            patient=patient, doctor=doctor, start=at(TODAY + timedelta(days=2))
        )
    figures = overview(soon)
    assert figures["totals"]["pending"] == 1
    assert dict(figures["per_day"])[TODAY + timedelta(days=2)] == 1

    with django_capture_on_commit_callbacks(execute=True):
        moved = services.reschedule_appointment(
            appointment=first, start=at(TODAY + timedelta(days=5), 15), by=patient
        )
    figures = overview(soon)
    per_day = dict(figures["per_day"])
    assert (per_day[TODAY + timedelta(days=2)], per_day[TODAY + timedelta(days=5)]) == (1, 1)
    assert (figures["totals"]["cancelled"], figures["totals"]["pending"]) == (1, 1)
    assert figures["cancelled_by"] == {"patient": 1}
    assert figures["week_hours"][(at(TODAY + timedelta(days=5)).isoweekday(), 15)] == 1

    with django_capture_on_commit_callbacks(execute=True):
        services.change_status(appointment=moved, to="cancelled", by=doctor.user)
    figures = overview(soon)
    assert figures["totals"]["cancelled"] == 2
    assert figures["cancelled_by"] == {"patient": 1, "doctor": 1}


@pytest.mark.django_db
def test_a_doctor_who_changes_specialization_moves_their_past_figures(
    django_capture_on_commit_callbacks,
):
    doctor = DoctorProfileFactory()
    AppointmentFactory(doctor=doctor, start=at(TODAY - timedelta(days=3)), status="completed")
    rng = DateRange(TODAY - timedelta(days=7), TODAY)
    [before] = overview(rng)["by_specialization"]
    assert before["doctor__specialization_id"] == str(doctor.specialization_id)

    other = Specialization.objects.create(name="Tropical medicine", name_bn="ট্রপিক্যাল মেডিসিন")
    with django_capture_on_commit_callbacks(execute=True):
        doctor.specialization = other
        doctor.save()
    [after] = overview(rng)["by_specialization"]
    assert (after["doctor__specialization__name_bn"], after["n"]) == ("ট্রপিক্যাল মেডিসিন", 1)


@pytest.mark.django_db
def test_a_chamber_moved_to_another_district_moves_its_figures(
    django_capture_on_commit_callbacks,
):
    from locations.tests.factories import ThanaFactory

    doctor = DoctorProfileFactory(chamber_thana=ThanaFactory())
    AppointmentFactory(doctor=doctor, start=at(TODAY - timedelta(days=3)), status="completed")
    rng = DateRange(TODAY - timedelta(days=7), TODAY)
    chamber = doctor.chambers.get()
    [before] = overview(rng)["by_district"]
    assert before["chamber__thana__district__name"] == chamber.thana.district.name

    elsewhere = ThanaFactory()
    with django_capture_on_commit_callbacks(execute=True):
        chamber.thana = elsewhere
        chamber.save()
    [after] = overview(rng)["by_district"]
    assert (after["chamber__thana__district__name"], after["n"]) == (elsewhere.district.name, 1)


def _live(rng):
    """The same figures straight from the appointments, for comparison."""
    since, until = rng.window
    appointments = Appointment.objects.filter(start__gte=since, start__lt=until)
    statuses = dict(appointments.values_list("status").annotate(n=Count("pk")))
    revenue = appointments.filter(status="completed").aggregate(s=Sum("fee"))["s"] or 0
    top = (
        appointments.filter(status="completed")
        .values("doctor_id")
        .annotate(n=Count("pk"))
        .order_by("-n", "doctor_id")
    )
    return statuses, revenue, {row["doctor_id"]: row["n"] for row in top}


@pytest.mark.django_db
@settings(max_examples=12, deadline=None, suppress_health_check=list(HealthCheck))
@given(
    visits=st.lists(
        st.tuples(
            st.integers(0, 2),  # which doctor
            st.integers(-80, 20),  # day, from today
            st.integers(8, 17),  # hour
            st.sampled_from(["completed", "no_show", "cancelled", "pending", "confirmed"]),
            st.sampled_from([Decimal("300"), Decimal("550.50")]),
        ),
        max_size=25,
        unique_by=lambda visit: visit[:3],  # one appointment a slot of a doctor
    ),
    start=st.integers(-90, 0),
    length=st.integers(1, 120),
)
def test_the_roll_ups_always_add_up_to_the_appointments(visits, start, length):
    from reports.models import DailyFigure, ReportDay, ReportMonth

    Appointment.objects.all().delete()
    for model in (DailyFigure, ReportDay, ReportMonth):
        model.objects.all().delete()
    doctors = [DoctorProfileFactory() for _ in range(3)]
    for doctor_index, day, hour, status, fee in visits:
        AppointmentFactory(
            doctor=doctors[doctor_index],
            start=at(TODAY + timedelta(days=day), hour),
            status=status,
            fee=fee,
        )
    rng = DateRange(TODAY + timedelta(days=start), TODAY + timedelta(days=start + length))
    # A narrower report first, so that the wide one finds some days and months done.
    overview(DateRange(rng.start, rng.start + timedelta(days=length // 3)))

    figures = overview(rng)

    statuses, revenue, top = _live(rng)
    totals = figures["totals"]
    assert {status: totals[status] for status in statuses} == statuses
    assert totals["total"] == sum(statuses.values())
    assert totals["revenue"] == revenue
    assert sum(n for _day, n in figures["per_day"]) == totals["total"]
    assert sum(figures["week_hours"].values()) == totals["total"]
    assert sum(row["n"] for row in figures["by_specialization"]) == totals["total"]
    assert {row["doctor_id"]: row["n"] for row in figures["top_doctors"]} == top


@pytest.mark.django_db
def test_summarise_reports_after_a_bulk_load():
    call_command("seed_locations", verbosity=0)
    call_command("seed_demo", doctors=4, patients=10, appointments=60, verbosity=0)
    out = __import__("io").StringIO()
    call_command("summarise_reports", stdout=out)
    assert "Summarised" in out.getvalue()
    rng = DateRange(TODAY - timedelta(days=200), TODAY + timedelta(days=60))
    statuses, revenue, _top = _live(rng)
    totals = overview(rng)["totals"]
    assert totals["total"] == sum(statuses.values()) == Appointment.objects.count()
    assert totals["revenue"] == revenue


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(
    connection.vendor != "postgresql", reason="real concurrent connections need PostgreSQL"
)
def test_reports_racing_with_bookings_lose_no_change():
    """Patients book while staff reload the overview; afterwards the report still counts
    every booking: no change slips between a recompute and its claim."""
    doctor = open_every_day(DoctorProfileFactory())
    patients = [PatientFactory() for _ in range(12)]
    days = [TODAY + timedelta(days=n) for n in (1, 2, 3)]
    rng = DateRange(TODAY, TODAY + timedelta(days=5))
    overview(rng)
    errors = []

    def book(patient, n):
        try:
            services.book_appointment(
                patient=patient, doctor=doctor, start=at(days[n % 3], (9, 10, 11, 14)[n // 3])
            )
        except Exception as error:  # noqa: BLE001 - reported below
            errors.append(error)
        finally:
            connections.close_all()

    def report():
        try:
            for _ in range(6):
                overview(rng)
        except Exception as error:  # noqa: BLE001
            errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=book, args=(p, n)) for n, p in enumerate(patients)]
    threads += [threading.Thread(target=report) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert errors == []
    assert overview(rng)["totals"]["total"] == Appointment.objects.count() == 12


@pytest.mark.django_db
def test_a_bulk_load_by_seed_demo_reaches_the_reports():
    """seed_demo writes around the signals; it tells reports (scheduling.signals) so that
    the roll-ups already computed for its days are recomputed."""
    today = timezone.localdate()
    rng = DateRange(today - timedelta(days=200), today + timedelta(days=60))
    call_command("seed_demo", doctors=2, patients=5, appointments=0, verbosity=0)
    assert overview(rng)["totals"]["total"] == 0
    call_command("seed_demo", doctors=0, patients=0, appointments=40, verbosity=0)
    assert Appointment.objects.count() == 40
    assert overview(rng)["totals"]["total"] == 40
