import pytest
from django import forms

from locations.forms import LocationFieldsMixin
from locations.tests.factories import DistrictFactory, ThanaFactory

pytestmark = pytest.mark.django_db


class PlaceForm(LocationFieldsMixin, forms.Form):
    pass


class RequiredPlaceForm(LocationFieldsMixin, forms.Form):
    location_required = True


def data_for(place, **overrides):
    data = {
        "division": place.district.division_id,
        "district": place.district_id,
        "thana": place.pk,
    }
    data.update(overrides)
    return data


def test_consistent_choice_is_valid():
    thana = ThanaFactory()
    form = PlaceForm(data_for(thana))
    assert form.is_valid(), form.errors
    assert form.cleaned_data["thana"] == thana


def test_thana_not_in_district_is_an_error():
    thana = ThanaFactory()
    other = ThanaFactory(district=DistrictFactory(division=thana.district.division))
    form = PlaceForm(data_for(thana, thana=other.pk))
    assert not form.is_valid()
    assert "thana" in form.errors


def test_district_not_in_division_is_an_error():
    thana = ThanaFactory()
    elsewhere = DistrictFactory()
    form = PlaceForm(data_for(thana, district=elsewhere.pk, thana=""))
    assert not form.is_valid()
    assert "district" in form.errors


def test_division_and_district_are_filled_in_from_the_thana():
    thana = ThanaFactory()
    form = PlaceForm({"thana": thana.pk})
    assert form.is_valid()
    assert form.cleaned_data["district"] == thana.district
    assert form.cleaned_data["division"] == thana.district.division


def test_required_location_needs_all_three():
    form = RequiredPlaceForm({})
    assert not form.is_valid()
    assert set(form.errors) == {"division", "district", "thana"}


def test_choices_are_narrowed_to_the_chosen_parent():
    thana = ThanaFactory()
    ThanaFactory()  # in another district
    form = PlaceForm(data_for(thana))
    district_values = [value for value, _ in form.fields["district"].widget.choices if value]
    thana_values = [value for value, _ in form.fields["thana"].widget.choices if value]
    assert district_values == [thana.district_id]
    assert thana_values == [thana.pk]


def test_unbound_form_without_initial_offers_no_districts():
    form = PlaceForm()
    assert [v for v, _ in form.fields["district"].widget.choices if v] == []


def test_nonsense_values_are_errors_not_crashes():
    form = PlaceForm({"division": "abc", "district": "-5", "thana": "1e9"})
    assert not form.is_valid()
