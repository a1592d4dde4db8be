"""The common specialities of Bangladeshi practice, with their Bengali names."""

from django.db import migrations

SPECIALIZATIONS = [
    ("Medicine", "মেডিসিন"),
    ("Cardiology", "কার্ডিওলজি (হৃদরোগ)"),
    ("Gynaecology & Obstetrics", "গাইনি ও প্রসূতি"),
    ("Paediatrics", "শিশু রোগ"),
    ("Orthopaedics", "অর্থোপেডিক্স (হাড় ও জোড়া)"),
    ("Dermatology", "চর্ম ও যৌন রোগ"),
    ("ENT", "নাক, কান ও গলা"),
    ("Ophthalmology", "চক্ষু রোগ"),
    ("Neurology", "নিউরোলজি (স্নায়ু রোগ)"),
    ("Psychiatry", "মানসিক রোগ"),
    ("Dentistry", "দন্ত রোগ"),
    ("General Surgery", "জেনারেল সার্জারি"),
    ("Urology", "ইউরোলজি (মূত্র রোগ)"),
    ("Nephrology", "নেফ্রোলজি (কিডনি রোগ)"),
    ("Gastroenterology", "গ্যাস্ট্রোএন্টারোলজি (পরিপাকতন্ত্র)"),
    ("Oncology", "অনকোলজি (ক্যান্সার)"),
    ("Endocrinology", "এন্ডোক্রাইনোলজি (ডায়াবেটিস ও হরমোন)"),
    ("Chest & Respiratory", "বক্ষব্যাধি ও শ্বাসতন্ত্র"),
    ("Rheumatology", "বাত রোগ"),
    ("Physical Medicine", "ফিজিক্যাল মেডিসিন"),
    ("Neurosurgery", "নিউরোসার্জারি"),
    ("Haematology", "রক্ত রোগ"),
    ("Hepatology", "লিভার রোগ"),
    ("Plastic Surgery", "প্লাস্টিক সার্জারি"),
    ("Nutrition", "পুষ্টি"),
]


def create(apps, schema_editor):
    Specialization = apps.get_model("accounts", "Specialization")
    for name, name_bn in SPECIALIZATIONS:
        Specialization.objects.get_or_create(name=name, defaults={"name_bn": name_bn})


class Migration(migrations.Migration):
    dependencies = [("accounts", "0001_initial")]

    operations = [migrations.RunPython(create, migrations.RunPython.noop)]
