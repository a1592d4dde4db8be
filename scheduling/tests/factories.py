from datetime import time, timedelta

import factory
from django.utils import timezone

from accounts.tests.factories import DoctorProfileFactory, PatientFactory
from scheduling.models import Appointment, ChamberHours, ScheduleSettings, TimeOff


class ScheduleSettingsFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ScheduleSettings
        django_get_or_create = ("doctor",)

    doctor = factory.SubFactory(DoctorProfileFactory)
    slot_minutes = 60
    booking_window_days = 30
    min_notice_minutes = 120
    cancellation_cutoff_minutes = 180


class ChamberHoursFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ChamberHours

    doctor = factory.SubFactory(DoctorProfileFactory)
    weekday = 0
    start = time(9)
    end = time(12)


def open_every_day(doctor, ranges=((time(9), time(12)), (time(14), time(17))), **rules):
    """Give a doctor the same chamber hours on all seven weekdays, so that tests do not
    depend on which weekday today is."""
    ScheduleSettingsFactory(doctor=doctor, **rules)
    for weekday in range(7):
        for start, end in ranges:
            ChamberHoursFactory(doctor=doctor, weekday=weekday, start=start, end=end)
    return doctor


class TimeOffFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = TimeOff

    doctor = factory.SubFactory(DoctorProfileFactory)


def _minute_of_day(moment):
    local = timezone.localtime(moment)
    return local.hour * 60 + local.minute


class AppointmentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Appointment

    doctor = factory.SubFactory(DoctorProfileFactory)
    patient = factory.SubFactory(PatientFactory)
    # Distinct for appointments that start at different minutes of a day, in time order,
    # so that a doctor's active appointments never share one (the database refuses
    # that); tests that care about the serial give it.
    serial = factory.LazyAttribute(lambda a: _minute_of_day(a.start) + 1)
    fee = factory.LazyAttribute(lambda a: a.doctor.consultation_fee)
    end = factory.LazyAttribute(lambda a: a.start + timedelta(hours=1))
