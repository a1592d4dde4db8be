"""A doctor's chamber lives in scheduling.Chamber now (scheduling 0008 copied it there)."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0003_audit_entry"),
        ("scheduling", "0008_chambers_from_profiles"),
    ]

    operations = [
        migrations.RemoveField(model_name="doctorprofile", name="chamber_name"),
        migrations.RemoveField(model_name="doctorprofile", name="chamber_address"),
        migrations.RemoveField(model_name="doctorprofile", name="chamber_thana"),
    ]
