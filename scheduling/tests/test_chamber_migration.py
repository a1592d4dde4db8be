"""Migrations 0007-0009: each doctor's chamber as their profile held it, with their
hours and appointments, becomes their first Chamber; nothing is lost."""

from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from locations.tests.factories import ThanaFactory
from scheduling.tests.test_serials import historical_doctor, historical_user

DHAKA = ZoneInfo("Asia/Dhaka")
DAY = datetime(2026, 6, 2, tzinfo=DHAKA).date()
BEFORE = [("scheduling", "0006_appointment_unique_serial"), ("accounts", "0003_audit_entry")]
AFTER = [("scheduling", "0009_chamber_required"), ("accounts", "0004_remove_doctor_chamber_fields")]


def at(hour):
    return datetime.combine(DAY, time(hour), tzinfo=DHAKA)


@pytest.mark.django_db(transaction=True)
def test_each_doctors_chamber_hours_and_appointments_become_their_first_chamber():
    executor = MigrationExecutor(connection)
    executor.migrate(BEFORE)
    try:
        apps = executor.loader.project_state(BEFORE).apps
        Hours = apps.get_model("scheduling", "ChamberHours")
        Appointment = apps.get_model("scheduling", "Appointment")
        thana = ThanaFactory()
        named = historical_doctor(
            apps, chamber_name="Popular", chamber_address="Road 2", chamber_thana_id=thana.pk
        )
        unnamed = historical_doctor(apps)  # no chamber details at all
        for doctor in (named, unnamed):
            Hours.objects.create(doctor_id=doctor.pk, weekday=5, start=time(9), end=time(12))
            Hours.objects.create(doctor_id=doctor.pk, weekday=5, start=time(14), end=time(17))
        booked = [
            Appointment.objects.create(
                doctor_id=doctor.pk,
                patient_id=historical_user(apps).pk,
                start=at(hour),
                end=at(hour) + timedelta(hours=1),
                date=DAY,
                serial=serial,
                status=status,
                fee=500,
            ).pk
            for doctor, hour, serial, status in (
                (named, 9, 1, "confirmed"),
                (named, 10, 2, "cancelled"),
                (unnamed, 9, 1, "completed"),
            )
        ]

        executor = MigrationExecutor(connection)
        executor.migrate(AFTER)
        apps = executor.loader.project_state(AFTER).apps
        Chamber = apps.get_model("scheduling", "Chamber")
        Hours = apps.get_model("scheduling", "ChamberHours")
        Appointment = apps.get_model("scheduling", "Appointment")

        chambers = {c.doctor_id: c for c in Chamber.objects.all()}
        assert len(chambers) == 2
        first = chambers[named.pk]
        assert (first.name, first.address, first.thana_id, first.position) == (
            "Popular",
            "Road 2",
            thana.pk,
            0,
        )
        assert (chambers[unnamed.pk].name, chambers[unnamed.pk].thana_id) == ("Chamber", None)
        assert Hours.objects.count() == 4
        for hours in Hours.objects.all():
            assert hours.chamber_id == chambers[hours.doctor_id].pk
        rows = Appointment.objects.filter(pk__in=booked).order_by("pk")
        assert [(a.doctor_id, a.chamber_id, a.serial, a.status) for a in rows] == [
            (named.pk, first.pk, 1, "confirmed"),
            (named.pk, first.pk, 2, "cancelled"),
            (unnamed.pk, chambers[unnamed.pk].pk, 1, "completed"),
        ]
        DoctorProfile = apps.get_model("accounts", "DoctorProfile")
        names = {f.name for f in DoctorProfile._meta.get_fields()}
        assert not names & {"chamber_name", "chamber_address", "chamber_thana"}
    finally:
        executor = MigrationExecutor(connection)
        executor.migrate(executor.loader.graph.leaf_nodes())
