from datetime import datetime, timedelta
from io import StringIO

import pytest
import time_machine
from django.core.management import call_command
from django.utils import timezone

from accounts.models import DoctorProfile, Specialization, User
from scheduling.models import Chamber, ChamberHours

pytestmark = pytest.mark.django_db


def seed(**options):
    out = StringIO()
    call_command("seed_demo", stdout=out, **options)
    return out.getvalue()


def test_demo_logins_exist_with_the_documented_password():
    call_command("seed_locations", stdout=StringIO())
    seed(doctors=3, patients=3)

    for email in (
        "admin@appion.test",
        "doctor@appion.test",
        "newdoctor@appion.test",
        "patient@appion.test",
    ):
        assert User.objects.get(email=email).check_password("Appion#2026")
    assert User.objects.get(email="admin@appion.test").is_staff
    assert DoctorProfile.objects.get(user__email="doctor@appion.test").is_verified
    assert not DoctorProfile.objects.get(user__email="newdoctor@appion.test").is_verified
    assert Chamber.objects.get(
        doctor__user__email="doctor@appion.test", name="Popular Diagnostic Centre"
    ).thana.name == ("Dhanmondi")
    assert DoctorProfile.objects.count() == 5
    assert User.objects.filter(role=User.Role.PATIENT).count() == 4
    assert ChamberHours.objects.filter(doctor__user__email="doctor@appion.test").exists()


def test_demo_login_works_through_the_login_page(client):
    seed(doctors=0, patients=0)
    response = client.post(
        "/accounts/login/", {"username": "doctor@appion.test", "password": "Appion#2026"}
    )
    assert response.status_code == 302


def test_specializations_come_with_bengali_names():
    assert Specialization.objects.count() >= 18
    assert not Specialization.objects.filter(name_bn="").exists()
    assert Specialization.objects.get(name="Cardiology").name_bn.startswith("কার্ডিওলজি")


def test_once_does_nothing_the_second_time_and_reruns_do_not_duplicate_logins():
    seed(doctors=2, patients=2)
    assert "already present" in seed(once=True, doctors=2, patients=2)
    assert User.objects.count() == 8

    seed(doctors=0, patients=0)
    assert User.objects.filter(email="doctor@appion.test").count() == 1
    assert ChamberHours.objects.filter(doctor__user__email="doctor@appion.test").count() == 12


def test_generated_appointments_obey_the_booking_rules():
    from collections import Counter

    from scheduling.models import Appointment, AppointmentEvent

    seed(doctors=6, patients=30, appointments=400)

    appointments = list(Appointment.objects.select_related("doctor", "chamber"))
    assert len(appointments) == 400
    active = [a for a in appointments if a.is_active]
    for key in ("doctor_id", "patient_id"):
        by_owner = {}
        for a in sorted(active, key=lambda a: a.start):
            previous = by_owner.get(getattr(a, key))
            assert previous is None or previous.end <= a.start, (key, previous, a)
            by_owner[getattr(a, key)] = a
    assert set(Counter(a.status for a in appointments)) == {
        "pending",
        "confirmed",
        "completed",
        "no_show",
        "cancelled",
    }
    assert all(a.chamber.doctor_id == a.doctor_id for a in appointments)
    assert all(a.fee == a.chamber.effective_fee for a in appointments)
    assert all(a.date == timezone.localtime(a.start).date() for a in appointments)
    # Serials are per chamber (each chamber's sessions of a day share one list).
    assert max(Counter((a.chamber_id, a.date, a.serial) for a in active).values()) == 1
    last_events = {
        e.appointment_id: e.to_status for e in AppointmentEvent.objects.order_by("created_at", "pk")
    }
    assert all(last_events[a.pk] == a.status for a in appointments)
    # The whole history: each step of the status's path, booked by the patient, an hour
    # apart, the visit's outcome at its end.
    history = {}
    for event in AppointmentEvent.objects.order_by("pk"):
        history.setdefault(event.appointment_id, []).append(event)
    for a in appointments:
        events = history[a.pk]
        path = Appointment.path_to(a.status)
        assert [(e.from_status, e.to_status) for e in events] == list(
            zip(["", *path[:-1]], path, strict=True)
        )
        assert [e.actor_id for e in events] == [a.patient_id] + [None] * (len(path) - 1)
        for step, event in enumerate(events):
            at_end = event.to_status in ("completed", "no_show")
            assert event.created_at == (a.end if at_end else a.created_at + timedelta(hours=step))


def test_seeding_again_after_a_new_slot_length_keeps_serials_distinct():
    from collections import Counter

    from scheduling.models import Appointment
    from scheduling.services import save_schedule

    tz = timezone.get_default_timezone()
    with time_machine.travel(datetime(2026, 6, 10, 8, tzinfo=tz), tick=False):
        seed(doctors=0, patients=40, appointments=300)
        doctor = DoctorProfile.objects.get(user__email="doctor@appion.test")
        minutes = doctor.schedule_settings.slot_minutes
        save_schedule(doctor=doctor, slot_minutes=20 if minutes == 30 else 30)
        seed(doctors=0, patients=0, appointments=300, seed=7)

    active = Appointment.objects.filter(status__in=Appointment.ACTIVE_STATUSES)
    assert active.count() > 300
    held = Counter(active.values_list("chamber_id", "date", "serial"))
    assert max(held.values()) == 1


def test_the_demo_doctor_and_some_generated_ones_have_two_chambers():
    from datetime import time

    call_command("seed_locations", stdout=StringIO())
    seed(doctors=8, patients=2)

    chambers = list(
        Chamber.objects.filter(doctor__user__email="doctor@appion.test").select_related("thana")
    )
    sessions = {
        chamber.name: sorted({(h.start, h.end) for h in chamber.hours.all()})
        for chamber in chambers
    }
    assert sessions == {
        "Dhaka Medical College Hospital": [(time(9), time(12))],
        "Popular Diagnostic Centre": [(time(15), time(18))],
    }
    assert {chamber.thana.name for chamber in chambers} == {"Shahbagh", "Dhanmondi"}
    generated = DoctorProfile.objects.filter(user__email__startswith="doctor-")
    counts = [doctor.chambers.count() for doctor in generated]
    assert set(counts) == {1, 2}
    # Every session of a generated doctor with two chambers lies in the default business
    # hours, and the two never overlap (morning and afternoon).
    assert not ChamberHours.objects.filter(end__gt=time(18)).exists()
    assert not ChamberHours.objects.filter(start__lt=time(8)).exists()
