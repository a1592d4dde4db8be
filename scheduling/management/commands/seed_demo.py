"""Demo data: the documented demo logins plus generated doctors and patients.

Sized by options, so that the same command makes benchmark-sized data. Generated rows
are written with bulk inserts and one pre-computed password hash."""

import random
from datetime import time
from decimal import Decimal

from django.contrib.auth.hashers import make_password
from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils import timezone

from accounts.models import DoctorProfile, PatientProfile, Specialization, User
from locations.models import Thana
from scheduling.models import ChamberHours, ScheduleSettings

DEMO_PASSWORD = "Appion#2026"
DEMO_LOGINS = [
    ("admin@appion.test", "administrator"),
    ("doctor@appion.test", "doctor, verified"),
    ("newdoctor@appion.test", "doctor, awaiting verification"),
    ("patient@appion.test", "patient"),
]
FIRST_NAMES = [
    "Abdul",
    "Farhana",
    "Rahim",
    "Nusrat",
    "Kamal",
    "Sharmin",
    "Tanvir",
    "Ayesha",
    "Mahmud",
    "Sadia",
    "Arif",
    "Nasrin",
    "Imran",
    "Tahmina",
    "Sabbir",
    "Rokeya",
    "Habib",
    "Laila",
    "Shafiq",
    "Jannat",
    "Rashed",
    "Moushumi",
    "Zahid",
    "Sumaiya",
    "Anwar",
    "Fatema",
]
LAST_NAMES = [
    "Rahman",
    "Hossain",
    "Islam",
    "Ahmed",
    "Chowdhury",
    "Khan",
    "Uddin",
    "Akter",
    "Begum",
    "Sarkar",
    "Talukder",
    "Miah",
    "Bhuiyan",
    "Siddique",
    "Haque",
    "Karim",
    "Mollah",
    "Das",
]
CHAMBERS = [
    "Popular Diagnostic Centre",
    "Ibn Sina Diagnostic",
    "Labaid Specialized Hospital",
    "Square Hospital Chamber",
    "Medinova Medical Services",
    "City Hospital",
    "Health Care Clinic",
]
# Sat–Thu mornings and afternoons: a typical chamber week.
WEEK = [5, 6, 0, 1, 2, 3]
HOURS = [(time(9), time(12)), (time(14), time(17))]


class Command(BaseCommand):
    help = "Create the demo logins and generated doctors and patients."

    def add_arguments(self, parser):
        parser.add_argument("--doctors", type=int, default=24, help="generated doctors")
        parser.add_argument("--patients", type=int, default=40, help="generated patients")
        parser.add_argument("--seed", type=int, default=2026, help="random seed")
        parser.add_argument(
            "--once", action="store_true", help="do nothing when the demo logins exist"
        )

    def handle(self, *args, **options):
        if options["once"] and User.objects.filter(email="admin@appion.test").exists():
            self.stdout.write("Demo data already present.")
            return
        self.random = random.Random(options["seed"])
        self.password_hash = make_password(DEMO_PASSWORD)
        self.thanas = list(Thana.objects.select_related("district"))
        self.specializations = list(Specialization.objects.all())
        with transaction.atomic():
            doctors = self.create_demo_logins()
            doctors += self.create_doctors(options["doctors"])
            self.create_patients(options["patients"])
            self.create_schedules(doctors)
        self.stdout.write(
            f"Demo logins ready; {options['doctors']} doctors and {options['patients']} "
            "patients generated."
        )

    def _thana(self, name=None):
        if name:
            for thana in self.thanas:
                if thana.name == name and thana.district.name == "Dhaka":
                    return thana
        return self.random.choice(self.thanas) if self.thanas else None

    def _login(self, email, **fields):
        thana = fields.pop("thana", None)
        location = (
            {"thana": thana, "district": thana.district, "division_id": thana.district.division_id}
            if thana
            else {}
        )
        user, _created = User.objects.update_or_create(
            email=email, defaults={"password": self.password_hash, **fields, **location}
        )
        return user

    def create_demo_logins(self):
        self._login(
            "admin@appion.test",
            full_name="Appion Administrator",
            role=User.Role.ADMIN,
            is_staff=True,
            is_superuser=True,
        )
        medicine = Specialization.objects.get_or_create(
            name="Medicine", defaults={"name_bn": "মেডিসিন"}
        )[0]
        doctors = []
        for email, name, licence, verified, thana_name in (
            ("doctor@appion.test", "Dr. Farhana Rahman", "A-10001", True, "Dhanmondi"),
            ("newdoctor@appion.test", "Dr. Tanvir Hossain", "A-10002", False, "Mirpur Model"),
        ):
            thana = self._thana(thana_name)
            user = self._login(
                email, full_name=name, role=User.Role.DOCTOR, mobile=None, thana=thana
            )
            profile, _created = DoctorProfile.objects.update_or_create(
                user=user,
                defaults={
                    "licence_number": licence,
                    "specialization": medicine,
                    "qualifications": "MBBS, FCPS (Medicine)",
                    "experience_years": 12,
                    "consultation_fee": Decimal("800"),
                    "chamber_name": "Popular Diagnostic Centre",
                    "chamber_address": "House 16, Road 2",
                    "chamber_thana": thana,
                    "verified_at": timezone.now() if verified else None,
                },
            )
            doctors.append(profile)
        patient = self._login(
            "patient@appion.test",
            full_name="Rahim Uddin",
            role=User.Role.PATIENT,
            mobile="+8801712345678",
            thana=self._thana("Mohammadpur"),
        )
        PatientProfile.objects.get_or_create(
            user=patient, defaults={"gender": PatientProfile.Gender.MALE, "blood_group": "B+"}
        )
        return doctors

    def _name(self):
        return f"{self.random.choice(FIRST_NAMES)} {self.random.choice(LAST_NAMES)}"

    def _new_users(self, count, role, prefix):
        start = User.objects.filter(email__startswith=prefix).count()
        users = []
        for n in range(start, start + count):
            thana = self._thana()
            users.append(
                User(
                    email=f"{prefix}{n}@appion.test",
                    full_name=("Dr. " if role == User.Role.DOCTOR else "") + self._name(),
                    role=role,
                    password=self.password_hash,
                    thana=thana,
                    district=thana.district if thana else None,
                    division_id=thana.district.division_id if thana else None,
                )
            )
        User.objects.bulk_create(users, batch_size=2000)
        # bulk_create returns ids on PostgreSQL but not always on SQLite: read them back.
        return list(User.objects.filter(email__in=[u.email for u in users]).select_related("thana"))

    def create_doctors(self, count):
        if count <= 0 or not self.specializations:
            return []
        users = self._new_users(count, User.Role.DOCTOR, "doctor-")
        now = timezone.now()
        profiles = [
            DoctorProfile(
                user=user,
                licence_number=f"D-{user.pk:06d}",
                specialization=self.random.choice(self.specializations),
                qualifications=self.random.choice(
                    ["MBBS", "MBBS, FCPS", "MBBS, MD", "MBBS, MS", "BDS", "MBBS, FRCS"]
                ),
                experience_years=self.random.randint(1, 35),
                consultation_fee=Decimal(self.random.randrange(300, 2001, 50)),
                chamber_name=self.random.choice(CHAMBERS),
                chamber_address=f"House {self.random.randint(1, 99)}, "
                f"Road {self.random.randint(1, 30)}",
                chamber_thana=user.thana,
                verified_at=now if self.random.random() < 0.9 else None,
            )
            for user in users
        ]
        DoctorProfile.objects.bulk_create(profiles, batch_size=2000)
        return list(DoctorProfile.objects.filter(user__in=users))

    def create_patients(self, count):
        if count <= 0:
            return []
        users = self._new_users(count, User.Role.PATIENT, "patient-")
        PatientProfile.objects.bulk_create(
            [PatientProfile(user=user) for user in users], batch_size=2000
        )
        return users

    def create_schedules(self, doctors):
        """Chamber hours Saturday to Thursday and default rules for doctors without any."""
        with_hours = set(
            ChamberHours.objects.filter(doctor__in=doctors).values_list("doctor_id", flat=True)
        )
        new = [doctor for doctor in doctors if doctor.pk not in with_hours]
        ChamberHours.objects.bulk_create(
            [
                ChamberHours(doctor=doctor, weekday=day, start=start, end=end)
                for doctor in new
                for day in WEEK
                for start, end in HOURS
            ],
            batch_size=5000,
        )
        ScheduleSettings.objects.bulk_create(
            [
                ScheduleSettings(doctor=doctor, slot_minutes=self.random.choice([15, 20, 30, 60]))
                for doctor in new
            ],
            batch_size=5000,
            ignore_conflicts=True,
        )
