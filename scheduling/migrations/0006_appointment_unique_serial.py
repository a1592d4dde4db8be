"""No two active appointments of a doctor share a serial on a day; see 0005, which
filled `date` and renumbered the repeats."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("scheduling", "0005_appointment_date"),
    ]

    operations = [
        migrations.AlterField(
            model_name="appointment",
            name="date",
            field=models.DateField(editable=False, verbose_name="date"),
        ),
        migrations.AlterField(
            model_name="appointment",
            name="serial",
            field=models.PositiveSmallIntegerField(
                help_text=(
                    "The patient's number in the day's queue: the slot's position in that "
                    "day's chamber hours (1 is first), or the one after the day's highest "
                    "when another appointment held that number."
                ),
                verbose_name="serial",
            ),
        ),
        migrations.AddConstraint(
            model_name="appointment",
            constraint=models.UniqueConstraint(
                condition=models.Q(status__in=["pending", "confirmed", "completed"]),
                fields=("doctor", "date", "serial"),
                name="scheduling_appointment_unique_serial",
                violation_error_message=(
                    "Another appointment of this doctor on this day has this serial."
                ),
            ),
        ),
    ]
