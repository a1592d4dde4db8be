"""Each doctor's chamber as their profile held it (name, address, thana) becomes their
first Chamber, with all their chamber hours and appointments. A blank name becomes
"Chamber": a migration cannot pick the doctor's language, so the default is neutral
English, and the doctor renames it in the portal. Reversed, the first chamber goes back
onto the profile (accounts 0004 re-creates the columns first)."""

from django.db import migrations

DEFAULT_NAME = "Chamber"


def chambers_from_profiles(apps, schema_editor):
    DoctorProfile = apps.get_model("accounts", "DoctorProfile")
    Chamber = apps.get_model("scheduling", "Chamber")
    ChamberHours = apps.get_model("scheduling", "ChamberHours")
    Appointment = apps.get_model("scheduling", "Appointment")
    profiles = DoctorProfile.objects.order_by("pk").values_list(
        "pk", "chamber_name", "chamber_address", "chamber_thana_id"
    )
    for doctor_id, name, address, thana_id in profiles.iterator():
        chamber = Chamber.objects.create(
            doctor_id=doctor_id,
            name=(name or "").strip() or DEFAULT_NAME,
            address=address or "",
            thana_id=thana_id,
            position=0,
        )
        ChamberHours.objects.filter(doctor_id=doctor_id).update(chamber=chamber)
        Appointment.objects.filter(doctor_id=doctor_id).update(chamber=chamber)


def profiles_from_chambers(apps, schema_editor):
    DoctorProfile = apps.get_model("accounts", "DoctorProfile")
    Chamber = apps.get_model("scheduling", "Chamber")
    first = {}
    for chamber in Chamber.objects.order_by("doctor_id", "position", "pk"):
        first.setdefault(chamber.doctor_id, chamber)
    for doctor_id, chamber in first.items():
        name = "" if chamber.name == DEFAULT_NAME else chamber.name
        DoctorProfile.objects.filter(pk=doctor_id).update(
            chamber_name=name, chamber_address=chamber.address, chamber_thana=chamber.thana_id
        )


class Migration(migrations.Migration):
    dependencies = [
        ("scheduling", "0007_chambers"),
    ]

    operations = [
        migrations.RunPython(chambers_from_profiles, profiles_from_chambers, elidable=False),
    ]
