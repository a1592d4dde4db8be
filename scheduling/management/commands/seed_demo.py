"""Demo data: the documented demo logins plus generated doctors and patients.

Sized by options, so that the same command makes benchmark-sized data. Generated rows
are written with bulk inserts and one pre-computed password hash."""

import random
import time as time_module
from collections import defaultdict, deque
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager, nullcontext
from datetime import time, timedelta
from decimal import Decimal
from itertools import islice

from django.contrib.auth.hashers import make_password
from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction
from django.db.models import Max
from django.utils import timezone

from accounts.models import DoctorProfile, PatientProfile, Specialization, User
from appion import clinic_calendar
from locations.models import Thana
from scheduling.models import (
    Appointment,
    AppointmentEvent,
    Chamber,
    ChamberHours,
    ScheduleSettings,
)
from scheduling.selectors import doctor_day_grid, next_serial
from scheduling.services import refresh_next_free
from scheduling.signals import appointments_bulk_loaded

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
QUALIFICATIONS = ["MBBS", "MBBS, FCPS", "MBBS, MD", "MBBS, MS", "BDS", "MBBS, FRCS"]
CHAMBERS = [
    "Popular Diagnostic Centre",
    "Ibn Sina Diagnostic",
    "Labaid Specialized Hospital",
    "Square Hospital Chamber",
    "Medinova Medical Services",
    "City Hospital",
    "Health Care Clinic",
]
# Every account has a mobile number, as the profile form requires one: the documented
# logins these (never 01712345678, the example the forms show), generated people 013
# followed by their user id, so that no two accounts share one.
DEMO_MOBILES = {
    "admin@appion.test": "+8801911000001",
    "doctor@appion.test": "+8801911000002",
    "newdoctor@appion.test": "+8801911000003",
    "patient@appion.test": "+8801911000004",
}
# The status path that leads to each final status (every step is recorded as an event),
# worked out once rather than for each of a million appointments.
HISTORY = {status: Appointment.path_to(status) for status in Appointment.Status}
# Mornings and afternoons of the working week (Saturday to Thursday): a typical chamber.
HOURS = [(time(9), time(12)), (time(14), time(17))]
# A doctor with two chambers: a morning session at a hospital and an afternoon one
# elsewhere, both inside the default business hours (08:00-18:00).
MORNING = [(time(9), time(12))]
AFTERNOON = [(time(15), time(18))]
HOSPITALS = ["Dhaka Medical College Hospital", "BSMMU Hospital", "Square Hospital"]
# One generated doctor in this many has a second chamber.
TWO_CHAMBERS_EVERY = 4


class Command(BaseCommand):
    help = "Create the demo logins and generated doctors and patients."

    def add_arguments(self, parser):
        parser.add_argument("--doctors", type=int, default=24, help="generated doctors")
        parser.add_argument("--patients", type=int, default=40, help="generated patients")
        parser.add_argument("--appointments", type=int, default=300, help="generated appointments")
        parser.add_argument(
            "--no-history",
            action="store_false",
            dest="history",
            help="skip the status history of generated appointments (faster)",
        )
        parser.add_argument("--seed", type=int, default=2026, help="random seed")
        parser.add_argument(
            "--once", action="store_true", help="do nothing when the demo logins exist"
        )

    def handle(self, *args, **options):
        if options["once"] and User.objects.filter(email="admin@appion.test").exists():
            self.stdout.write("Demo data already present.")
            return
        self.random = random.Random(options["seed"])
        self.verbosity = options.get("verbosity", 1)
        self.history = options.get("history", True)
        # Hashing is slow on purpose: hash once, share the hash among all demo users.
        self.password_hash = make_password(DEMO_PASSWORD)
        self.db_now = User._meta.get_field("created_at").get_db_prep_save(
            timezone.now(), connection
        )
        self.thanas = list(Thana.objects.select_related("district"))
        self.specializations = list(Specialization.objects.all())
        with transaction.atomic():
            doctors = self.create_demo_logins()
            doctors += self.create_doctors(options["doctors"])
            self.create_patients(options["patients"])
            self.create_schedules(doctors)
        started = time_module.monotonic()
        made = self.create_appointments(options["appointments"])
        seconds = time_module.monotonic() - started
        rate = f" ({made / seconds:,.0f} a second)" if made and seconds else ""
        # The directory sorts by each doctor's stored next free slot.
        refresh_next_free()
        self.stdout.write(
            f"Demo logins ready; generated doctors: {options['doctors']}, patients: "
            f"{options['patients']}, appointments: {made}{rate}."
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
        """The documented logins (see DEMO_LOGINS), created or reset to their documented
        state. Returns the two demo doctors' profiles."""
        self.admin = self._login(
            "admin@appion.test",
            full_name="Appion Administrator",
            mobile=DEMO_MOBILES["admin@appion.test"],
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
                email,
                full_name=name,
                role=User.Role.DOCTOR,
                mobile=DEMO_MOBILES[email],
                thana=thana,
            )
            profile, _created = DoctorProfile.objects.update_or_create(
                user=user,
                defaults={
                    "licence_number": licence,
                    "specialization": medicine,
                    "qualifications": "MBBS, FCPS (Medicine)",
                    "experience_years": 12,
                    "consultation_fee": Decimal("800"),
                },
            )
            Chamber.objects.get_or_create(
                doctor=profile,
                name="Popular Diagnostic Centre",
                defaults={"address": "House 16, Road 2", "thana": thana, "position": 0},
            )
            if email == "doctor@appion.test":
                # The demo doctor with two chambers: mornings at a hospital in Shahbagh
                # (its own fee), afternoons at Popular in Dhanmondi.
                Chamber.objects.get_or_create(
                    doctor=profile,
                    name="Dhaka Medical College Hospital",
                    defaults={
                        "address": "Secretariat Road",
                        "thana": self._thana("Shahbagh"),
                        "phone": "+8801711000000",
                        "fee": Decimal("500"),
                        "position": 1,
                    },
                )
            if verified != profile.is_verified:
                profile.verified_at = timezone.now() if verified else None
                profile.verified_by = self.admin if verified else None
                profile.save(update_fields=["verified_at", "verified_by"])
            doctors.append(profile)
        patient = self._login(
            "patient@appion.test",
            full_name="Rahim Uddin",
            role=User.Role.PATIENT,
            mobile=DEMO_MOBILES["patient@appion.test"],
            thana=self._thana("Mohammadpur"),
        )
        PatientProfile.objects.get_or_create(
            user=patient, defaults={"gender": PatientProfile.Gender.MALE, "blood_group": "B+"}
        )
        if patient.mobile_verified_at is None:
            # The demo patient's number counts as verified, so that `make run` shows the
            # SMS path (printed by the notification worker's console backend).
            patient.mobile_verified_at = timezone.now()
            patient.save(update_fields=["mobile_verified_at"])
        return doctors

    def _name(self):
        return f"{self.random.choice(FIRST_NAMES)} {self.random.choice(LAST_NAMES)}"

    def _new_users(self, count, role, prefix):
        """Insert `count` users named like `prefix`N@appion.test, numbered on from the ones
        made by earlier runs, each in a random thana and with the mobile number made of
        their id (_mobile). Returns (id, thana) pairs."""
        start = User.objects.filter(email__startswith=prefix).count()
        ids = self._reserve_ids(User, count)
        title = "Dr. " if role == User.Role.DOCTOR else ""
        thanas = [self._thana() for _n in range(count)]
        self._insert(
            User,
            ["id", "email", "full_name", "mobile", "role", "password", "thana_id"]
            + ["district_id", "division_id", "created_at"],
            (
                (
                    pk,
                    f"{prefix}{n}@appion.test",
                    title + self._name(),
                    _mobile(pk),
                    role,
                    self.password_hash,
                    thana.pk if thana else None,
                    thana.district_id if thana else None,
                    thana.district.division_id if thana else None,
                    self.db_now,
                )
                for pk, n, thana in zip(ids, range(start, start + count), thanas, strict=True)
            ),
        )
        return list(zip(ids, thanas, strict=True))

    def create_doctors(self, count):
        """Generated doctors: random specialization, fee ৳300–2000 and a chamber in a
        random thana, one in TWO_CHAMBERS_EVERY with a second (a hospital) in another;
        nine in ten verified by the demo administrator."""
        if count <= 0 or not self.specializations:
            return []
        users = self._new_users(count, User.Role.DOCTOR, "doctor-")
        ids = self._reserve_ids(DoctorProfile, count)
        rnd = self.random
        self._insert(
            DoctorProfile,
            ["id", "user_id", "licence_number", "specialization_id", "qualifications"]
            + ["experience_years", "consultation_fee", "verified_at", "verified_by_id"],
            (
                (
                    pk,
                    user_id,
                    f"D-{user_id:06d}",
                    rnd.choice(self.specializations).pk,
                    rnd.choice(QUALIFICATIONS),
                    rnd.randint(1, 35),
                    Decimal(rnd.randrange(300, 2001, 50)),
                    *((self.db_now, self.admin.pk) if rnd.random() < 0.9 else (None, None)),
                )
                for pk, (user_id, _thana) in zip(ids, users, strict=True)
            ),
        )
        chambers = []
        for n, (pk, (_user_id, thana)) in enumerate(zip(ids, users, strict=True)):
            address = f"House {rnd.randint(1, 99)}, Road {rnd.randint(1, 30)}"
            chambers.append((pk, rnd.choice(CHAMBERS), address, thana, 0))
            if n % TWO_CHAMBERS_EVERY == 0:
                other = self._thana()
                chambers.append((pk, rnd.choice(HOSPITALS), "Hospital Road", other, 1))
        chamber_ids = self._reserve_ids(Chamber, len(chambers))
        self._insert(
            Chamber,
            ["id", "doctor_id", "name", "address", "thana_id", "position", "created_at"],
            (
                (chamber_id, doctor_id, name, address, thana.pk if thana else None, position)
                + (self.db_now,)
                for chamber_id, (doctor_id, name, address, thana, position) in zip(
                    chamber_ids, chambers, strict=True
                )
            ),
        )
        return [
            profile
            for chunk in _chunks(ids, 5000)
            for profile in DoctorProfile.objects.filter(pk__in=chunk)
        ]

    def create_patients(self, count):
        """Generated patients, each with an (empty) patient profile. Returns how many."""
        if count <= 0:
            return 0
        users = self._new_users(count, User.Role.PATIENT, "patient-")
        ids = self._reserve_ids(PatientProfile, count)
        self._insert(
            PatientProfile,
            ["id", "user_id"],
            ((pk, user_id) for pk, (user_id, _thana) in zip(ids, users, strict=True)),
        )
        return count

    def _reserve_ids(self, model, count):
        """`count` primary keys that no row of `model` has, for rows written by _insert."""
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute(
                    "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
                    [model._meta.db_table, model._meta.pk.column, count],
                )
                return [row[0] for row in cursor.fetchall()]
        last = model.objects.aggregate(last=Max("pk"))["last"] or 0
        return list(range(last + 1, last + 1 + count))

    def _insert(self, model, names, rows):
        """Insert `rows`, tuples of database-ready values for the fields `names` (attnames),
        every other field taking its default. Skips the ORM's per-value work, which makes
        tens of thousands of rows take seconds: COPY on PostgreSQL, executemany elsewhere."""
        fields = [model._meta.get_field(name) for name in names]
        rest = [field for field in model._meta.concrete_fields if field not in fields]
        defaults = tuple(
            field.get_db_prep_save(
                timezone.now() if getattr(field, "auto_now", False) else field.get_default(),
                connection,
            )
            for field in rest
        )
        quote = connection.ops.quote_name
        columns = ", ".join(quote(field.column) for field in fields + rest)
        table = quote(model._meta.db_table)
        with connection.cursor() as cursor:
            if connection.vendor == "postgresql":
                with cursor.cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
                    for row in rows:
                        copy.write_row(row + defaults)
                return
            placeholders = ", ".join(["%s"] * (len(fields) + len(rest)))
            sql = f"INSERT INTO {table} ({columns}) VALUES ({placeholders})"
            for chunk in _chunks(rows, 5000):
                cursor.executemany(sql, [row + defaults for row in chunk])

    def create_schedules(self, doctors):
        """Sessions Saturday to Thursday and default rules for doctors without any: HOURS
        at a doctor's only chamber; with two, the MORNING at the hospital and the
        AFTERNOON at the other."""
        with_hours = set(
            ChamberHours.objects.filter(doctor__in=doctors).values_list("doctor_id", flat=True)
        )
        new = [doctor for doctor in doctors if doctor.pk not in with_hours]
        chambers = defaultdict(list)
        for chamber in Chamber.objects.filter(doctor__in=new).order_by("position", "pk"):
            chambers[chamber.doctor_id].append(chamber)
        sessions = []
        for doctor in new:
            mine = chambers[doctor.pk]
            if len(mine) == 1:
                sessions += [(mine[0], HOURS)]
            elif mine:
                hospital = next((c for c in mine if "Hospital" in c.name), mine[-1])
                other = next(c for c in mine if c is not hospital)
                sessions += [(hospital, MORNING), (other, AFTERNOON)]
        ChamberHours.objects.bulk_create(
            [
                ChamberHours(
                    doctor_id=chamber.doctor_id,
                    chamber=chamber,
                    weekday=day,
                    start=start,
                    end=end,
                )
                for chamber, ranges in sessions
                for day in clinic_calendar.WORKING_WEEK
                for start, end in ranges
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

    def create_appointments(self, count, *, past_days=180, batch=20_000):
        """`count` appointments of listed doctors with working hours, from `past_days` ago
        to the end of their booking windows, obeying every booking rule: on the slot
        grid of chamber hours, no two active ones overlapping for a doctor (one
        appointment a slot) or for a patient (at most one a day), the fee copied, the
        serial of the slot (or the next free one, as a booking gets it). Past ones are
        completed, no-show or cancelled; future ones pending, confirmed or cancelled.
        Each gets its creation event. Written in bulk batches, each in its own
        transaction."""
        if count <= 0:
            return 0
        doctors = list(
            DoctorProfile.objects.listed()
            .select_related("schedule_settings")
            .prefetch_related("chamber_hours")
        )
        patient_ids = list(
            User.objects.filter(role=User.Role.PATIENT, is_active=True).values_list("pk", flat=True)
        )
        doctors = [d for d in doctors if d.chamber_hours.all()]
        if not doctors or not patient_ids:
            return 0
        taken = set(
            Appointment.objects.filter(doctor__in=doctors).values_list("doctor_id", "start")
        )
        # Appointments from earlier runs may lie on another grid (the doctor changed the
        # slot length or hours since): new ones must not overlap them, nor repeat the
        # serial of an active one on its day (see selectors.next_serial). Only such days
        # are tracked: on the others, each start of the one grid has its own serial.
        booked, held = {}, {}
        for doctor_id, chamber_id, day, start, end, serial in (
            Appointment.objects.active()
            .filter(doctor__in=doctors)
            .values_list("doctor_id", "chamber_id", "date", "start", "end", "serial")
        ):
            booked.setdefault((doctor_id, day), []).append((start, end))
            held.setdefault((chamber_id, day), set()).add(serial)
        busy_patient_days = {
            (patient_id, clinic_calendar.local_day(start))
            for patient_id, start in Appointment.objects.active().values_list("patient_id", "start")
        }
        now = timezone.now()
        today = clinic_calendar.today()
        first_day = today - timedelta(days=past_days)
        rnd = self.random
        # Each doctor's slot grid per weekday, computed once: (time, serial, chamber id)
        # triples, each serial numbered in its chamber's sessions.
        grids = {}
        for doctor in doctors:
            by_weekday = defaultdict(dict)
            for hour_range in doctor.chamber_hours.all():
                sessions = by_weekday[hour_range.weekday]
                sessions.setdefault(hour_range.chamber_id, ("", []))[1].append(
                    (hour_range.start, hour_range.end)
                )
            slot_minutes = doctor.schedule_settings.slot_minutes
            grids[doctor.pk] = {
                weekday: [
                    (slot.start.time(), slot.serial, slot.chamber_id)
                    for slot in doctor_day_grid(sessions, today, slot_minutes)
                ]
                for weekday, sessions in by_weekday.items()
            }
        # The fee a booking copies: the chamber's own, else the doctor's.
        fees = {
            chamber_id: fee if fee is not None else doctor_fee
            for chamber_id, fee, doctor_fee in Chamber.objects.filter(
                doctor__in=doctors
            ).values_list("pk", "fee", "doctor__consultation_fee")
        }
        span = (today + timedelta(days=30) - first_day).days
        made = 0
        appointments = []
        # Large loads on PostgreSQL write each batch in a second thread (with its own
        # connection) while the next batch is generated.
        large = count >= 50_000 and connection.vendor == "postgresql"
        writer = _Writer(self._write_appointments, threaded=large)
        loading = _without_secondary_indexes(LOADED_TABLES) if large else nullcontext()
        phase = time_module.monotonic()
        # The indexes come back even when the load fails part-way.
        with loading:
            attempts = 0
            generated = 0
            while generated < count and attempts < count * 20:
                attempts += 1
                doctor = rnd.choice(doctors)
                day = first_day + timedelta(days=rnd.randrange(span))
                grid = grids[doctor.pk].get(day.weekday())
                if not grid:
                    continue
                start_time, serial, chamber_id = rnd.choice(grid)
                start = clinic_calendar.at(day, start_time)
                end = start + timedelta(minutes=doctor.schedule_settings.slot_minutes)
                if (doctor.pk, start) in taken:
                    continue
                if any(
                    other_start < end and start < other_end
                    for other_start, other_end in booked.get((doctor.pk, day), ())
                ):
                    continue
                patient_id = rnd.choice(patient_ids)
                if (patient_id, day) in busy_patient_days:
                    continue
                taken.add((doctor.pk, start))
                busy_patient_days.add((patient_id, day))
                status = _final_status(rnd.random(), past=start < now)
                serials = held.get((chamber_id, day))
                if serials is not None and status in Appointment.ACTIVE_STATUSES:
                    serial = next_serial(serial, serials)
                    serials.add(serial)
                booked_at = start - timedelta(days=rnd.randint(0, 20), hours=rnd.randint(1, 12))
                appointments.append(
                    (
                        doctor.pk,
                        patient_id,
                        start,
                        end,
                        serial,
                        status,
                        fees[chamber_id],
                        booked_at,
                        chamber_id,
                    )
                )
                generated += 1
                if len(appointments) >= batch:
                    made += writer.write(appointments)
                    appointments = []
            self._phase("generated and written", phase)
            made += writer.write(appointments)
            made += writer.finish()
            self._phase("last batch written", phase)
        self._phase("indexes and constraints in place", phase)
        # Written around the model signals: whatever summarises appointments (the reports'
        # daily roll-ups) must redo every day.
        appointments_bulk_loaded.send(sender=Appointment)
        return made

    def _phase(self, what, since):
        if self.verbosity >= 2:
            self.stdout.write(f"  {what} after {time_module.monotonic() - since:.1f} s")

    def _write_appointments(self, rows):
        """Insert appointments given as (doctor_id, patient_id, start, end, serial, status,
        fee, created_at, chamber_id) with their history: COPY on PostgreSQL, bulk_create elsewhere.
        The starts are in the site's time zone, so that start.date() is the `date` that
        Appointment.save() would fill."""
        if not rows:
            return 0
        if connection.vendor == "postgresql":
            with transaction.atomic(), connection.cursor() as cursor:
                cursor.execute(
                    "SELECT nextval(pg_get_serial_sequence('scheduling_appointment', 'id')) "
                    "FROM generate_series(1, %s)",
                    [len(rows)],
                )
                ids = [row[0] for row in cursor.fetchall()]
                raw = cursor.cursor
                # COPY in text format, the lines built here: several times faster than
                # handing psycopg one tuple at a time.
                with raw.copy(
                    'COPY scheduling_appointment (id, doctor_id, patient_id, start, "end", '
                    "date, serial, status, fee, symptoms, notes, created_at, updated_at, "
                    "chamber_id) FROM STDIN"
                ) as copy:
                    copy.write(
                        "".join(
                            f"{pk}\t{d}\t{p}\t{start.isoformat()}\t{end.isoformat()}\t"
                            f"{start.date().isoformat()}\t"
                            f"{serial}\t{status}\t{fee}\t\t\t{booked.isoformat()}\t"
                            f"{booked.isoformat()}\t{chamber}\n"
                            for pk, (d, p, start, end, serial, status, fee, booked, chamber) in zip(
                                ids, rows, strict=True
                            )
                        )
                    )
                if self.history:
                    # The history of the rows just written, made by the database from
                    # HISTORY_STEPS: much faster than formatting ~2.6 events a row here.
                    cursor.execute(HISTORY_SQL, [ids])
            return len(rows)
        with transaction.atomic():
            return self._bulk_create_appointments(rows)

    def _bulk_create_appointments(self, rows):
        created = Appointment.objects.bulk_create(
            Appointment(
                doctor_id=d,
                chamber_id=chamber,
                patient_id=p,
                start=start,
                end=end,
                date=start.date(),
                serial=serial,
                status=status,
                fee=fee,
                created_at=booked_at,
            )
            for d, p, start, end, serial, status, fee, booked_at, chamber in rows
        )
        if not self.history:
            return len(created)
        AppointmentEvent.objects.bulk_create(
            AppointmentEvent(
                appointment_id=pk,
                actor_id=actor,
                from_status=previous,
                to_status=status,
                reason=reason,
                created_at=moment,
            )
            for appointment, row in zip(created, rows, strict=True)
            for pk, actor, previous, status, reason, moment in _history(appointment.pk, row)
        )
        return len(created)


# Each status's path as rows (final status, step, from, to, at the appointment's end):
# the events _history yields, for HISTORY_SQL.
HISTORY_STEPS = [
    (final, step, path[step - 1] if step else "", status, status in ("completed", "no_show"))
    for final, path in HISTORY.items()
    for step, status in enumerate(path)
]
HISTORY_SQL = (
    "INSERT INTO scheduling_appointmentevent"
    " (appointment_id, actor_id, from_status, to_status, reason, created_at)"
    " SELECT a.id, CASE WHEN p.step = 0 THEN a.patient_id END, p.from_status, p.to_status, '',"
    " CASE WHEN p.at_end THEN a.\"end\" ELSE a.created_at + p.step * interval '1 hour' END"
    " FROM scheduling_appointment a"
    " JOIN unnest(%s::bigint[]) AS written(id) ON written.id = a.id"
    " JOIN (VALUES "
    + ", ".join(
        f"('{final}', {step}, '{previous}', '{status}', {str(at_end).lower()})"
        for final, step, previous, status, at_end in HISTORY_STEPS
    )
    + ") AS p(final, step, from_status, to_status, at_end) ON p.final = a.status"
    " ORDER BY a.id, p.step"
)


def _history(pk, row):
    """The events of a generated appointment: its creation by the patient, then each
    step of HISTORY to its final status."""
    _doctor, patient_id, _start, end, _serial, final, _fee, booked_at, _chamber = row
    moment, previous = booked_at, ""
    for status in HISTORY[final]:
        if status in (Appointment.Status.COMPLETED, Appointment.Status.NO_SHOW):
            moment = end
        yield (pk, patient_id if not previous else None, previous, status, "", moment)
        previous = status
        moment += timedelta(hours=1)


def _final_status(roll, *, past):
    """A generated appointment's status for a random `roll` in [0, 1): a past one was
    completed (72 %), missed (10 %) or cancelled; a future one is confirmed (50 %),
    pending (40 %) or cancelled."""
    status = Appointment.Status
    if past:
        if roll < 0.72:
            return status.COMPLETED
        return status.NO_SHOW if roll < 0.82 else status.CANCELLED
    return status.CONFIRMED if roll < 0.5 else status.PENDING if roll < 0.9 else status.CANCELLED


LOADED_TABLES = ("scheduling_appointment", "scheduling_appointmentevent")


@contextmanager
def _without_secondary_indexes(tables):
    """For a large load on PostgreSQL: drop the tables' secondary b-tree indexes and
    foreign keys, and create them again afterwards — in bulk, which is much faster than
    maintaining them row by row. Re-adding the foreign keys checks every row, and so
    does re-creating the partial unique index on serials (a repeated serial fails the
    load there). The exclusion constraints stay in place throughout (building them
    afresh is slower than keeping them), so no overlapping active appointment can be
    loaded."""
    saved = []
    with connection.cursor() as cursor:
        for table in tables:
            cursor.execute(
                "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint"
                " WHERE conrelid = %s::regclass AND contype = 'f'",
                [table],
            )
            constraints = cursor.fetchall()
            cursor.execute(
                "SELECT indexname, indexdef FROM pg_indexes WHERE tablename = %s"
                " AND indexname NOT IN"
                " (SELECT conname FROM pg_constraint WHERE conrelid = %s::regclass)"
                " AND indexdef LIKE '%% USING btree %%'",
                [table, table],
            )
            saved.append((table, constraints, cursor.fetchall()))
        for table, constraints, indexes in saved:
            for name, _definition in constraints:
                cursor.execute(f'ALTER TABLE {table} DROP CONSTRAINT "{name}"')
            for name, _definition in indexes:
                cursor.execute(f'DROP INDEX "{name}"')
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            # Enough memory to sort each index in one go.
            cursor.execute("SET maintenance_work_mem = '1GB'")
            for table, constraints, indexes in saved:
                for _name, definition in indexes:
                    cursor.execute(definition)
                for name, definition in constraints:
                    cursor.execute(f'ALTER TABLE {table} ADD CONSTRAINT "{name}" {definition}')
                # Fresh statistics, or the planner misjudges every report on the new rows.
                cursor.execute(f"ANALYZE {table}")


class _Writer:
    """Writes batches now, or in WRITERS background threads (each with its own database
    connection) so that generating the next batch overlaps with the database's work,
    which is mostly maintaining the exclusion constraints' GiST indexes and so spreads
    over the cores. At most WRITERS batches wait."""

    WRITERS = 2

    def __init__(self, write, *, threaded):
        self.write_batch = write
        self.pool = ThreadPoolExecutor(max_workers=self.WRITERS) if threaded else None
        self.pending = deque()

    def write(self, rows):
        if self.pool is None:
            return self.write_batch(rows)
        done = self._collect(keep=self.WRITERS - 1)
        self.pending.append(self.pool.submit(self._in_thread, rows))
        return done

    def finish(self):
        done = self._collect(keep=0)
        if self.pool is not None:
            self.pool.shutdown()
        return done

    def _collect(self, *, keep):
        done = 0
        while len(self.pending) > keep:
            done += self.pending.popleft().result()
        return done

    def _in_thread(self, rows):
        try:
            return self.write_batch(rows)
        finally:
            connection.close()


def _mobile(user_id):
    """A valid Bangladeshi mobile number that no other seeded account has: 013 and the
    user's id in eight digits (the documented logins' numbers are in the 019 block)."""
    if not 0 < user_id < 10**8:
        raise CommandError(f"User id {user_id} does not fit in a demo mobile number.")
    return f"+88013{user_id:08d}"


def _chunks(items, size):
    """The items in lists of at most `size`."""
    iterator = iter(items)
    while chunk := list(islice(iterator, size)):
        yield chunk
