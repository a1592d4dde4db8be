from io import StringIO

import pytest
from django.core.management import call_command

from locations.models import District, Division, Thana

pytestmark = pytest.mark.django_db


def seed():
    out = StringIO()
    call_command("seed_locations", stdout=out)
    return out.getvalue()


def test_seed_loads_the_whole_country_with_bengali_names():
    output = seed()

    assert Division.objects.count() == 8
    assert District.objects.count() == 64
    assert Thana.objects.filter(kind=Thana.Kind.UPAZILA).count() >= 494
    assert Thana.objects.filter(kind=Thana.Kind.METROPOLITAN).count() >= 80
    for model in (Division, District, Thana):
        assert not model.objects.filter(name_bn="").exists()
    dhanmondi = Thana.objects.get(name="Dhanmondi")
    assert dhanmondi.name_bn == "ধানমন্ডি"
    assert dhanmondi.district.name == "Dhaka"
    assert Thana.objects.filter(name="Panchlaish", district__name="Chattogram").exists()
    assert "Divisions: 8 created" in output


def test_second_run_creates_nothing():
    seed()
    before = Thana.objects.count()

    output = seed()

    assert Thana.objects.count() == before
    assert "Divisions: 0 created, 0 updated" in output
    assert "Districts: 0 created, 0 updated" in output
    assert "metropolitan): 0 created, 0 updated" in output


def test_changed_bengali_name_is_updated_in_place():
    seed()
    dhanmondi = Thana.objects.get(name="Dhanmondi")
    Thana.objects.filter(pk=dhanmondi.pk).update(name_bn="পুরনো নাম")

    output = seed()

    dhanmondi.refresh_from_db()
    assert dhanmondi.name_bn == "ধানমন্ডি"
    assert "metropolitan): 0 created, 1 updated" in output
