"""No two active appointments of one doctor, or of one patient, overlap in time.

PostgreSQL enforces this itself with exclusion constraints over tstzrange (btree_gist
gives GiST the `=` operator on the ids). SQLite has no such constraint: there the same
rule is kept by the booking service, with bookings serialised by IMMEDIATE transactions.
"""

from django.db import migrations

ACTIVE = "('pending', 'confirmed', 'completed')"
CONSTRAINTS = {
    "appointment_doctor_no_overlap": "doctor_id",
    "appointment_patient_no_overlap": "patient_id",
}


def add_constraints(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name, column in CONSTRAINTS.items():
        schema_editor.execute(
            f"ALTER TABLE scheduling_appointment ADD CONSTRAINT {name} "
            f"EXCLUDE USING gist ({column} WITH =, tstzrange(start, \"end\", '[)') WITH &&) "
            f"WHERE (status IN {ACTIVE})"
        )


def drop_constraints(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name in CONSTRAINTS:
        schema_editor.execute(f"ALTER TABLE scheduling_appointment DROP CONSTRAINT {name}")


class Migration(migrations.Migration):
    dependencies = [
        ("scheduling", "0002_schedule_and_appointments"),
    ]

    operations = [migrations.RunPython(add_constraints, drop_constraints, elidable=False)]
