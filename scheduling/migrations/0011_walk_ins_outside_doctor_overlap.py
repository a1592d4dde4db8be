"""Walk-ins (issue #17) hold a serial but no slot: they are seen between the booked
patients of a session, so the doctor's exclusion constraint (0003) leaves them out.
Booked appointments still never overlap for a doctor or a patient; a walk-in has no
patient account, so the patient's constraint never compares it."""

from django.db import migrations

ACTIVE = "('pending', 'confirmed', 'completed')"
RANGE = "tstzrange(start, \"end\", '[)') WITH &&"


def _replace(schema_editor, condition):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(
        "ALTER TABLE scheduling_appointment DROP CONSTRAINT appointment_doctor_no_overlap"
    )
    schema_editor.execute(
        "ALTER TABLE scheduling_appointment ADD CONSTRAINT appointment_doctor_no_overlap "
        f"EXCLUDE USING gist (doctor_id WITH =, {RANGE}) WHERE ({condition})"
    )


def booked_only(apps, schema_editor):
    _replace(schema_editor, f"status IN {ACTIVE} AND patient_id IS NOT NULL")


def every_active(apps, schema_editor):
    _replace(schema_editor, f"status IN {ACTIVE}")


class Migration(migrations.Migration):
    dependencies = [
        ("scheduling", "0010_queue"),
    ]

    operations = [migrations.RunPython(booked_only, every_active, elidable=False)]
