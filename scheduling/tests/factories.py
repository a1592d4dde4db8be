from datetime import time, timedelta

import factory
from django.utils import timezone

from accounts.tests.factories import DoctorProfileFactory, PatientFactory
from scheduling.models import Appointment, Chamber, ChamberHours, ScheduleSettings, TimeOff


class ScheduleSettingsFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ScheduleSettings
        django_get_or_create = ("doctor",)

    doctor = factory.SubFactory(DoctorProfileFactory)
    slot_minutes = 60
    booking_window_days = 30
    min_notice_minutes = 120
    cancellation_cutoff_minutes = 180


class ChamberFactory(factory.django.DjangoModelFactory):
    """A chamber; DoctorProfileFactory makes each doctor's first one, pass `doctor` for
    another."""

    class Meta:
        model = Chamber

    doctor = factory.SubFactory(DoctorProfileFactory)
    name = factory.Sequence(lambda n: f"Chamber {n}")
    address = "House 1, Road 1"
    position = factory.LazyAttribute(lambda c: c.doctor.chambers.count() if c.doctor.pk else 0)


def first_chamber(doctor):
    return doctor.chambers.order_by("position", "pk").first()


class _AtChamberFactory(factory.django.DjangoModelFactory):
    """Rows that belong to a doctor and one of their chambers: give either; without a
    chamber, the doctor's first."""

    class Meta:
        abstract = True

    chamber = None
    doctor = factory.Maybe(
        "chamber",
        yes_declaration=factory.SelfAttribute("chamber.doctor"),
        no_declaration=factory.SubFactory(DoctorProfileFactory),
    )

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        if kwargs.get("chamber") is None and cls._chamber_required:
            kwargs["chamber"] = first_chamber(kwargs["doctor"])
        return super()._create(model_class, *args, **kwargs)

    _chamber_required = True


class ChamberHoursFactory(_AtChamberFactory):
    class Meta:
        model = ChamberHours

    weekday = 0
    start = time(9)
    end = time(12)


def open_every_day(
    doctor, ranges=((time(9), time(12)), (time(14), time(17))), chamber=None, **rules
):
    """Give a doctor the same chamber hours on all seven weekdays at `chamber` (their
    first by default), so that tests do not depend on which weekday today is."""
    ScheduleSettingsFactory(doctor=doctor, **rules)
    chamber = chamber or first_chamber(doctor)
    for weekday in range(7):
        for start, end in ranges:
            ChamberHoursFactory(
                doctor=doctor, chamber=chamber, weekday=weekday, start=start, end=end
            )
    return doctor


class TimeOffFactory(_AtChamberFactory):
    class Meta:
        model = TimeOff

    # Time off without a chamber covers all of them.
    _chamber_required = False


def _minute_of_day(moment):
    local = timezone.localtime(moment)
    return local.hour * 60 + local.minute


class AppointmentFactory(_AtChamberFactory):
    class Meta:
        model = Appointment

    patient = factory.SubFactory(PatientFactory)
    # Distinct for appointments that start at different minutes of a day, in time order,
    # so that a doctor's active appointments never share one (the database refuses
    # that); tests that care about the serial give it.
    serial = factory.LazyAttribute(lambda a: _minute_of_day(a.start) + 1)
    fee = factory.LazyAttribute(lambda a: a.doctor.consultation_fee)
    end = factory.LazyAttribute(lambda a: a.start + timedelta(hours=1))
