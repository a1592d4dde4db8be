"""Every session and appointment has its chamber (0008 filled them); a serial is unique
per chamber and day instead of per doctor and day (with one chamber per doctor so far,
the same rows)."""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("scheduling", "0008_chambers_from_profiles"),
    ]

    operations = [
        migrations.AlterField(
            model_name="chamberhours",
            name="chamber",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.CASCADE,
                related_name="hours",
                to="scheduling.chamber",
                verbose_name="chamber",
            ),
        ),
        migrations.AlterField(
            model_name="appointment",
            name="chamber",
            field=models.ForeignKey(
                db_index=False,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="appointments",
                to="scheduling.chamber",
                verbose_name="chamber",
            ),
        ),
        migrations.AlterField(
            model_name="appointment",
            name="fee",
            field=models.DecimalField(
                decimal_places=2,
                help_text="The chamber's fee (else the doctor's) when the appointment was booked.",
                max_digits=8,
                verbose_name="fee (৳)",
            ),
        ),
        migrations.AlterField(
            model_name="appointment",
            name="serial",
            field=models.PositiveSmallIntegerField(
                help_text=(
                    "The patient's number in the day's queue at the chamber: the slot's "
                    "position in that chamber's sessions of the day (1 is first), or the one "
                    "after the day's highest when another appointment held that number."
                ),
                verbose_name="serial",
            ),
        ),
        migrations.RemoveConstraint(
            model_name="appointment",
            name="scheduling_appointment_unique_serial",
        ),
        migrations.AddConstraint(
            model_name="appointment",
            constraint=models.UniqueConstraint(
                condition=models.Q(status__in=["pending", "confirmed", "completed"]),
                fields=("chamber", "date", "serial"),
                name="scheduling_appointment_unique_serial",
                violation_error_message=(
                    "Another appointment at this chamber on this day has this serial."
                ),
            ),
        ),
    ]
