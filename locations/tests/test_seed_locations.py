import json
from importlib import import_module
from io import StringIO

import pytest
from django.apps import apps as django_apps
from django.core.management import CommandError, call_command
from django.db.models import Count

from accounts.tests.factories import PatientFactory
from locations.management.commands import seed_locations
from locations.models import District, Division, Thana

pytestmark = pytest.mark.django_db

CITY_THANAS = [
    ("Dhanmondi", "ধানমন্ডি", "Dhaka"),
    ("Panchlaish", "পাঁচলাইশ", "Chattogram"),
    ("Sonadanga", "সোনাডাঙ্গা", "Khulna"),
    ("Boalia", "বোয়ালিয়া", "Rajshahi"),
    ("Jalalabad", "জালালাবাদ", "Sylhet"),
    ("Kawnia", "কাউনিয়া", "Barishal"),
    ("Tajhat", "তাজহাট", "Rangpur"),
    ("Tongi East", "টঙ্গী পূর্ব", "Gazipur"),
]


def seed():
    out = StringIO()
    call_command("seed_locations", stdout=out, stderr=StringIO())
    return out.getvalue()


def test_seed_loads_the_whole_country_with_bengali_names():
    output = seed()

    assert Division.objects.count() == 8
    assert District.objects.count() == 64
    assert Thana.objects.filter(kind=Thana.Kind.UPAZILA).count() >= 494
    assert Thana.objects.filter(kind=Thana.Kind.METROPOLITAN).count() >= 90
    for model in (Division, District, Thana):
        assert not model.objects.filter(name_bn="").exists()
        assert not model.objects.filter(name_bn__contains="\t").exists()
    assert "Divisions: 8 created, 0 updated, 0 unchanged" in output
    assert "Districts: 64 created" in output


@pytest.mark.parametrize("name, name_bn, district", CITY_THANAS)
def test_metropolitan_thanas_lie_in_their_city_district(name, name_bn, district):
    seed()
    thana = Thana.objects.get(name=name, district__name=district)
    assert thana.name_bn == name_bn
    assert thana.kind == Thana.Kind.METROPOLITAN


def test_districts_sit_in_their_divisions_with_official_spellings():
    seed()
    assert District.objects.get(name="Chattogram").division.name == "Chattogram"
    assert District.objects.get(name="Barishal").division.name == "Barishal"
    assert District.objects.get(name="Cox's Bazar").division.name == "Chattogram"
    assert District.objects.get(name="Gazipur").division.name == "Dhaka"
    assert District.objects.get(name="Mymensingh").division.name_bn == "ময়মনসিংহ"


def test_no_two_places_of_one_parent_share_a_bengali_name():
    seed()
    assert not Thana.objects.values("district", "name_bn").annotate(n=Count("id")).filter(n__gt=1)
    assert not District.objects.values("name_bn").annotate(n=Count("id")).filter(n__gt=1)


def test_second_run_creates_nothing():
    seed()
    before = Thana.objects.count()

    output = seed()

    assert Thana.objects.count() == before
    assert "Divisions: 0 created, 0 updated, 8 unchanged" in output
    assert "Districts: 0 created, 0 updated, 64 unchanged" in output
    assert "Upazilas: 0 created, 0 updated" in output
    assert "Metropolitan thanas: 0 created, 0 updated" in output


def test_changed_bengali_name_is_updated_in_place():
    seed()
    dhanmondi = Thana.objects.get(name="Dhanmondi")
    Thana.objects.filter(pk=dhanmondi.pk).update(name_bn="পুরনো নাম")
    Division.objects.filter(name="Sylhet").update(name_bn="")

    output = seed()

    dhanmondi.refresh_from_db()
    assert dhanmondi.name_bn == "ধানমন্ডি"
    assert Division.objects.get(name="Sylhet").name_bn == "সিলেট"
    assert "Metropolitan thanas: 0 created, 1 updated" in output
    assert "Divisions: 0 created, 1 updated, 7 unchanged" in output


def test_places_the_sources_do_not_name_are_kept():
    seed()
    dhaka = District.objects.get(name="Dhaka")
    extra = Thana.objects.create(district=dhaka, name="Purbachal", name_bn="পূর্বাচল")

    seed()

    assert Thana.objects.filter(pk=extra.pk).exists()


def test_seed_uses_bulk_queries(django_assert_max_num_queries):
    with django_assert_max_num_queries(30):
        seed()


def test_metropolitan_thana_named_like_an_upazila_is_skipped(tmp_path, monkeypatch):
    data = tmp_path / "metro.json"
    thanas = [
        {"name": "Savar", "name_bn": "সাভার"},
        {"name": "Dhanmondi", "name_bn": "ধানমন্ডি"},
    ]
    data.write_text(json.dumps({"thanas": {"Dhaka": thanas}}), encoding="utf-8")
    monkeypatch.setattr(seed_locations, "METROPOLITAN_THANAS", data)

    output = seed()

    assert Thana.objects.get(name="Savar").kind == Thana.Kind.UPAZILA
    assert Thana.objects.get(name="Dhanmondi").kind == Thana.Kind.METROPOLITAN
    assert "Metropolitan thanas: 1 created" in output


def test_unknown_district_in_the_data_file_stops_the_load(tmp_path, monkeypatch):
    data = tmp_path / "metro.json"
    data.write_text(json.dumps({"thanas": {"Atlantis": []}}), encoding="utf-8")
    monkeypatch.setattr(seed_locations, "METROPOLITAN_THANAS", data)

    with pytest.raises(CommandError, match="Atlantis"):
        seed()

    assert not Division.objects.exists()


def test_names_the_package_glues_together_are_spelled_with_their_space():
    seed()
    sadar_south = Thana.objects.get(district__name="Comilla", name="Sadar South")
    assert sadar_south.name_bn == "সদর দক্ষিণ"
    assert not Thana.objects.filter(name="Sadarsouth").exists()


def test_a_database_seeded_with_the_glued_name_is_corrected_in_place():
    """Databases seeded before the correction hold "Sadarsouth", which users and
    chambers may point at: the migration renames that row, and seeding again finds it."""
    seed()
    thana = Thana.objects.get(name="Sadar South")
    Thana.objects.filter(pk=thana.pk).update(name="Sadarsouth")  # as the old seed left it
    patient = PatientFactory(thana=thana)

    fix_spellings = import_module("locations.migrations.0002_thana_spellings").fix_spellings
    fix_spellings(django_apps, None)
    fix_spellings(django_apps, None)  # a second run changes nothing

    thana.refresh_from_db()
    assert thana.name == "Sadar South"
    patient.refresh_from_db()
    assert patient.thana_id == thana.pk
    assert "Upazilas: 0 created, 0 updated" in seed()
    assert Thana.objects.filter(name_bn="সদর দক্ষিণ").count() == 1
