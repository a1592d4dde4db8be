"""A small clinic for the bad-input tests: one user of each role and an object of every
kind a URL can name, so that generated input reaches each form and query parameter."""

from dataclasses import dataclass
from datetime import datetime, time, timedelta

from django.contrib.auth.tokens import default_token_generator
from django.utils import timezone
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from accounts.services import new_calendar_feed
from accounts.tests.factories import (
    DoctorProfileFactory,
    PatientFactory,
    SpecializationFactory,
    StaffFactory,
)
from appion.messaging.services import add_notification
from locations.tests.factories import DistrictFactory, ThanaFactory
from scheduling import selectors
from scheduling.models import Appointment, AppointmentEvent, LateNotice
from scheduling.tests.factories import (
    AppointmentFactory,
    ChamberFactory,
    ChamberHoursFactory,
    ScheduleSettingsFactory,
    TimeOffFactory,
    open_every_day,
)

# Markup that must come back escaped wherever it is shown.
XSS = (
    '<script>alert("appion")</script>',
    "<img src=x onerror=alert(1)>",
    '"><svg onload=alert(1)>',
)
ROLES = ("anonymous", "patient", "doctor", "unverified_doctor", "staff")


@dataclass
class World:
    patient: object
    other_patient: object
    doctor: object
    unverified_doctor: object
    staff: object
    division: object
    district: object
    thana: object
    specialization: object
    pending: object
    completed: object
    other_appointment: object
    # Today's, for the queue's pages (issue #17): the patient's, arrived at the chamber.
    today: object
    time_off: object
    free_start: str
    calendar_feed: object
    reset_uid: str
    reset_token: str

    def user(self, role):
        return {
            "anonymous": None,
            "patient": self.patient,
            "doctor": self.doctor.user,
            "unverified_doctor": self.unverified_doctor.user,
            "staff": self.staff,
        }[role]


def _at(day, hour):
    return datetime.combine(day, time(hour), tzinfo=timezone.get_default_timezone())


def _book(doctor, patient, start, status):
    appointment = AppointmentFactory(doctor=doctor, patient=patient, start=start, status=status)
    AppointmentEvent.objects.create(
        appointment=appointment, actor=patient, from_status="", to_status=status
    )
    return appointment


def build_world():
    """Every stored name carries markup, so that each page showing it checks escaping."""
    thana = ThanaFactory(name=XSS[0], district=DistrictFactory(name=XSS[1]))
    district = thana.district
    specialization = SpecializationFactory(name=f"Medicine {XSS[2]}")
    patient = PatientFactory(full_name=f"Rahima {XSS[0]}", thana=thana)
    other_patient = PatientFactory()
    doctor = open_every_day(
        DoctorProfileFactory(
            specialization=specialization,
            chamber_thana=thana,
            bio=XSS[1],
            user__full_name=f"Karim {XSS[2]}",
        ),
        min_notice_minutes=0,
    )
    unverified = DoctorProfileFactory(verified_at=None, specialization=specialization)
    ScheduleSettingsFactory(doctor=unverified)
    today = timezone.localdate()
    pending = _book(doctor, patient, _at(today + timedelta(days=3), 9), Appointment.Status.PENDING)
    pending.symptoms = XSS[1]
    pending.save(update_fields=["symptoms"])
    completed = _book(
        doctor, patient, _at(today - timedelta(days=1), 10), Appointment.Status.COMPLETED
    )
    other = _book(
        doctor, other_patient, _at(today + timedelta(days=4), 9), Appointment.Status.CONFIRMED
    )
    today_visit = _book(doctor, patient, _at(today, 9), Appointment.Status.CONFIRMED)
    Appointment.objects.filter(pk=today_visit.pk).update(arrived_at=timezone.now())
    # A late notice whose reason carries markup, for the queue's pages and the screen.
    LateNotice.objects.create(chamber=doctor.chambers.get(), date=today, minutes=15, reason=XSS[2])
    # An online chamber in the evenings, and a video consultation booked there.
    online = ChamberFactory(doctor=doctor, name=f"Video {XSS[1]}", address="", is_online=True)
    for weekday in range(7):
        ChamberHoursFactory(chamber=online, weekday=weekday, start=time(17), end=time(18))
    consultation = _book(
        doctor, patient, _at(today + timedelta(days=5), 17), Appointment.Status.CONFIRMED
    )
    consultation.chamber, consultation.video_room = online, "Appion-WorldRoom0123456789"
    consultation.save(update_fields=["chamber", "video_room"])
    time_off = TimeOffFactory(
        doctor=doctor,
        start_date=today + timedelta(days=20),
        end_date=today + timedelta(days=21),
        reason=XSS[0],
    )
    # Unread notifications carrying markup, for the bell and /notifications/.
    for user in (patient, doctor.user):
        add_notification(
            recipient=user, text=f"Booked with {XSS[2]}", link=f"/appointments/{pending.pk}/"
        )
    slots = selectors.free_slots(doctor, today + timedelta(days=2), today + timedelta(days=6))
    free_start = next(slot for day in sorted(slots) for slot in slots[day]).start
    return World(
        patient=patient,
        other_patient=other_patient,
        doctor=doctor,
        unverified_doctor=unverified,
        staff=StaffFactory(),
        division=district.division,
        district=district,
        thana=thana,
        specialization=specialization,
        pending=pending,
        completed=completed,
        other_appointment=other,
        today=today_visit,
        time_off=time_off,
        free_start=free_start.isoformat(),
        calendar_feed=new_calendar_feed(user=patient),
        reset_uid=urlsafe_base64_encode(force_bytes(patient.pk)),
        reset_token=default_token_generator.make_token(patient),
    )
