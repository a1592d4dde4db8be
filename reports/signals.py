"""Mark report days dirty when the appointments behind them change (see reports.summary).

Every change to an appointment goes through Appointment.save() and records an
AppointmentEvent; a doctor who changes specialization or chamber area moves all their
days to another row of those figures; a bulk load that goes around save() says so with
scheduling's appointments_bulk_loaded."""

from django.db.models.signals import post_delete, post_save, pre_save
from django.dispatch import receiver

from accounts.models import DoctorProfile
from appion import clinic_calendar
from reports import figures
from reports.summary import mark_all_dirty, mark_dirty
from scheduling.models import Appointment, AppointmentEvent
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


@receiver(pre_save, sender=DoctorProfile)
def _doctor_moving(sender, instance, update_fields=None, **kwargs):
    if not instance.pk or (
        update_fields is not None and not {"specialization", "chamber_thana"} & set(update_fields)
    ):
        return
    old = (
        DoctorProfile.objects.filter(pk=instance.pk)
        .values_list("specialization_id", "chamber_thana__district_id")
        .first()
    )
    district = instance.chamber_thana.district_id if instance.chamber_thana_id else None
    if old is not None and old != (instance.specialization_id, district):
        days = (
            Appointment.objects.filter(doctor_id=instance.pk)
            .annotate(day=figures.day_of("start"))
            .values_list("day", flat=True)
            .distinct()
        )
        mark_dirty(days.order_by())


@receiver(appointments_bulk_loaded)
def _appointments_bulk_loaded(sender, **kwargs):
    mark_all_dirty()
