"""Chambers: a doctor sees patients at one or more chambers, each with its own sessions.
The chamber keys start empty; 0008 fills them from each doctor's profile and 0009 makes
them required."""

import django.core.validators
import django.db.models.deletion
import django.utils.timezone
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0003_audit_entry"),
        ("locations", "0002_thana_spellings"),
        ("scheduling", "0006_appointment_unique_serial"),
    ]

    operations = [
        migrations.CreateModel(
            name="Chamber",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("name", models.CharField(max_length=150, verbose_name="chamber name")),
                ("address", models.CharField(max_length=300, verbose_name="address")),
                (
                    "phone",
                    models.CharField(blank=True, max_length=16, verbose_name="phone for serials"),
                ),
                (
                    "map_url",
                    models.URLField(
                        blank=True,
                        max_length=500,
                        validators=[django.core.validators.URLValidator(["http", "https"])],
                        verbose_name="map link",
                    ),
                ),
                (
                    "fee",
                    models.DecimalField(
                        blank=True,
                        decimal_places=2,
                        help_text="Leave empty to charge your usual consultation fee.",
                        max_digits=8,
                        null=True,
                        validators=[
                            django.core.validators.MinValueValidator(0),
                            django.core.validators.MaxValueValidator(100000),
                        ],
                        verbose_name="fee at this chamber (৳)",
                    ),
                ),
                ("position", models.PositiveSmallIntegerField(default=0, verbose_name="position")),
                (
                    "created_at",
                    models.DateTimeField(
                        default=django.utils.timezone.now, verbose_name="created"
                    ),
                ),
                (
                    "doctor",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="chambers",
                        to="accounts.doctorprofile",
                        verbose_name="doctor",
                    ),
                ),
                (
                    "thana",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="chambers",
                        to="locations.thana",
                        verbose_name="thana / upazila",
                    ),
                ),
            ],
            options={
                "verbose_name": "chamber",
                "verbose_name_plural": "chambers",
                "ordering": ["doctor", "position", "pk"],
                "constraints": [
                    models.CheckConstraint(
                        condition=models.Q(
                            ("fee__isnull", True),
                            models.Q(("fee__gte", 0), ("fee__lte", 100000)),
                            _connector="OR",
                        ),
                        name="scheduling_chamber_fee_in_range",
                    ),
                    models.UniqueConstraint(
                        fields=("doctor", "name"),
                        name="scheduling_chamber_unique_name",
                        violation_error_message="You already have a chamber with this name.",
                    ),
                ],
            },
        ),
        migrations.AddField(
            model_name="chamberhours",
            name="chamber",
            field=models.ForeignKey(
                null=True,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="hours",
                to="scheduling.chamber",
                verbose_name="chamber",
            ),
        ),
        migrations.AddField(
            model_name="timeoff",
            name="chamber",
            field=models.ForeignKey(
                blank=True,
                help_text="Leave empty when you are away from all your chambers.",
                null=True,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="time_off",
                to="scheduling.chamber",
                verbose_name="chamber",
            ),
        ),
        migrations.AddField(
            model_name="appointment",
            name="chamber",
            field=models.ForeignKey(
                db_index=False,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="appointments",
                to="scheduling.chamber",
                verbose_name="chamber",
            ),
        ),
    ]
