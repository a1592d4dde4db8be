"""Each appointment stores its day in Asia/Dhaka (`date`), and no two active appointments
of a doctor share a serial on a day (the constraint comes in 0006: on PostgreSQL a table
with updates pending in this transaction cannot be altered).

Appointments booked before this rule may share one: a doctor who changed the slot length
from 60 to 30 minutes has a 10:00 and a 09:30 appointment both numbered 2. Before the
constraint is added, the first of each such group (by id, the order of booking) keeps its
serial and the others get the next numbers after the day's highest, the same rule as new
bookings follow. Cancelled and no-show appointments keep theirs: they hold no serial.
"""

from django.db import migrations, models
from django.db.models import Count, Max
from django.db.models.functions import TruncDate
from django.utils import timezone

ACTIVE = ["pending", "confirmed", "completed"]


def fill_dates_and_renumber(apps, schema_editor):
    Appointment = apps.get_model("scheduling", "Appointment")
    # One UPDATE, also for a million rows.
    Appointment.objects.update(
        date=TruncDate("start", tzinfo=timezone.get_default_timezone())
    )
    active = Appointment.objects.filter(status__in=ACTIVE)
    repeated = (
        active.values("doctor_id", "date", "serial")
        .annotate(n=Count("id"))
        .filter(n__gt=1)
        .values_list("doctor_id", "date")
        .order_by("doctor_id", "date")
        .distinct()
    )
    for doctor_id, day in repeated:
        on_day = active.filter(doctor_id=doctor_id, date=day)
        highest = on_day.aggregate(highest=Max("serial"))["highest"]
        seen = set()
        for appointment in on_day.order_by("pk"):
            if appointment.serial in seen:
                highest += 1
                appointment.serial = highest
                appointment.save(update_fields=["serial"])
            seen.add(appointment.serial)


class Migration(migrations.Migration):
    dependencies = [
        ("scheduling", "0004_visit_notes_and_reminders"),
    ]

    operations = [
        migrations.AddField(
            model_name="appointment",
            name="date",
            field=models.DateField(editable=False, null=True, verbose_name="date"),
        ),
        migrations.RunPython(
            fill_dates_and_renumber, migrations.RunPython.noop, elidable=False
        ),
    ]
