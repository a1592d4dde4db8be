"""Mark report days dirty when the appointments behind them change (see reports.summary).

Every change to an appointment goes through Appointment.save() and records an
AppointmentEvent; a doctor who changes specialization moves all their days, and a
chamber moved to another district all its days, to another row of those figures; a
bulk load that goes around save() says so with scheduling's appointments_bulk_loaded."""

from django.db.models.signals import post_delete, post_save, pre_save
from django.dispatch import receiver

from accounts.models import DoctorProfile
from appion import clinic_calendar
from reports import figures
from reports.summary import mark_all_dirty, mark_dirty
from scheduling.models import Appointment, AppointmentEvent, Chamber
from scheduling.signals import appointments_bulk_loaded


@receiver(pre_save, sender=Appointment)
def _appointment_moving(sender, instance, update_fields=None, **kwargs):
    """A save that may change the start (not the services' status updates) also dirties
    the day the appointment leaves."""
    if instance.pk and (update_fields is None or "start" in update_fields):
        old = Appointment.objects.filter(pk=instance.pk).values_list("start", flat=True).first()
        day = clinic_calendar.local_day(old) if old is not None else None
        if day is not None and day != clinic_calendar.local_day(instance.start):
            mark_dirty([day])


@receiver(post_save, sender=Appointment)
@receiver(post_delete, sender=Appointment)
def _appointment_changed(sender, instance, **kwargs):
    mark_dirty([clinic_calendar.local_day(instance.start)])


@receiver(post_save, sender=AppointmentEvent)
def _history_changed(sender, instance, created, **kwargs):
    if instance.to_status == Appointment.Status.CANCELLED:
        mark_dirty([clinic_calendar.local_day(instance.appointment.start)])


def _mark_days_of(appointments):
    days = appointments.annotate(day=figures.day_of("start")).values_list("day", flat=True)
    mark_dirty(days.distinct().order_by())


@receiver(pre_save, sender=DoctorProfile)
def _doctor_moving(sender, instance, update_fields=None, **kwargs):
    if not instance.pk or (update_fields is not None and "specialization" not in update_fields):
        return
    old = (
        DoctorProfile.objects.filter(pk=instance.pk)
        .values_list("specialization_id", flat=True)
        .first()
    )
    if old is not None and old != instance.specialization_id:
        _mark_days_of(Appointment.objects.filter(doctor_id=instance.pk))


@receiver(pre_save, sender=Chamber)
def _chamber_moving(sender, instance, update_fields=None, **kwargs):
    """The district figures count a chamber's appointments in its district."""
    if not instance.pk or (update_fields is not None and "thana" not in update_fields):
        return
    old = Chamber.objects.filter(pk=instance.pk).values_list("thana__district_id").first()
    district = instance.thana.district_id if instance.thana_id else None
    if old is not None and old[0] != district:
        _mark_days_of(Appointment.objects.filter(chamber_id=instance.pk))


@receiver(appointments_bulk_loaded)
def _appointments_bulk_loaded(sender, **kwargs):
    mark_all_dirty()
