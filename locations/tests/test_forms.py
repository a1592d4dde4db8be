import pytest
from django import forms
from django.contrib.auth import get_user_model
from django.utils import translation

from locations.forms import LocationFieldsMixin
from locations.tests.factories import DistrictFactory, DivisionFactory, ThanaFactory

pytestmark = pytest.mark.django_db


class PlaceForm(LocationFieldsMixin, forms.Form):
    pass


class RequiredPlaceForm(LocationFieldsMixin, forms.Form):
    location_required = True


class UserLocationForm(LocationFieldsMixin, forms.ModelForm):
    class Meta:
        model = get_user_model()
        fields = ["full_name", "division", "district", "thana"]


def data_for(place, **overrides):
    data = {
        "division": place.district.division_id,
        "district": place.district_id,
        "thana": place.pk,
    }
    data.update(overrides)
    return data


def offered(form, name):
    return [value for value, _label in form.fields[name].widget.choices if value != ""]


def test_consistent_choice_is_valid():
    thana = ThanaFactory()
    form = PlaceForm(data_for(thana))
    assert form.is_valid(), form.errors
    assert form.cleaned_data == {
        "division": thana.district.division,
        "district": thana.district,
        "thana": thana,
    }


def test_thana_not_in_the_district_is_an_error_naming_its_district():
    thana = ThanaFactory()
    elsewhere = ThanaFactory(district=DistrictFactory(division=thana.district.division))

    form = PlaceForm(data_for(thana, thana=elsewhere.pk))

    assert not form.is_valid()
    assert form.errors["thana"] == [
        f"{elsewhere.name} is in {elsewhere.district.name} district, not in {thana.district.name}."
    ]
    assert set(form.errors) == {"thana"}


def test_district_not_in_the_division_is_an_error():
    thana = ThanaFactory()
    elsewhere = DistrictFactory()

    form = PlaceForm(data_for(thana, district=elsewhere.pk, thana=""))

    assert not form.is_valid()
    assert form.errors["district"] == [
        f"{elsewhere.name} is in {elsewhere.division.name} division, "
        f"not in {thana.district.division.name}."
    ]


def test_division_and_district_are_filled_in_from_the_thana():
    thana = ThanaFactory()
    form = PlaceForm({"thana": thana.pk})
    assert form.is_valid(), form.errors
    assert form.cleaned_data["district"] == thana.district
    assert form.cleaned_data["division"] == thana.district.division


def test_thana_alone_outside_the_chosen_division_is_an_error_on_the_thana():
    thana = ThanaFactory()
    form = PlaceForm({"division": DivisionFactory().pk, "thana": thana.pk})
    assert not form.is_valid()
    assert set(form.errors) == {"thana"}


def test_no_location_is_valid_unless_required():
    assert PlaceForm({}).is_valid()
    form = RequiredPlaceForm({})
    assert not form.is_valid()
    assert set(form.errors) == {"division", "district", "thana"}


def test_required_location_accepts_a_consistent_choice():
    assert RequiredPlaceForm(data_for(ThanaFactory())).is_valid()


@pytest.mark.parametrize(
    "value", ["abc", "-5", "0", "1e9", "1.5", "²", "9" * 19, "9" * 40, "1\x00", " "]
)
@pytest.mark.parametrize("name", ["division", "district", "thana"])
def test_nonsense_values_are_field_errors_not_crashes(name, value):
    thana = ThanaFactory()
    form = PlaceForm(data_for(thana, **{name: value}))
    assert not form.is_valid()
    assert name in form.errors
    form.as_div()


def test_choices_are_narrowed_to_the_submitted_parents():
    thana = ThanaFactory()
    sibling_district = DistrictFactory(division=thana.district.division)
    ThanaFactory(district=sibling_district)
    ThanaFactory()  # in another division

    form = PlaceForm(data_for(thana))

    assert offered(form, "district") == sorted([thana.district_id, sibling_district.pk])
    assert offered(form, "thana") == [thana.pk]
    assert list(form.fields["thana"].queryset) == [thana]


def test_choices_are_narrowed_to_the_initial_parents():
    thana = ThanaFactory()
    ThanaFactory()
    as_instances = {"division": thana.district.division, "district": thana.district}
    for initial in (data_for(thana), as_instances):
        form = PlaceForm(initial=initial)
        assert offered(form, "district") == [thana.district_id]
        assert offered(form, "thana") == [thana.pk]


def test_unbound_form_offers_divisions_only(django_assert_num_queries):
    DivisionFactory.create_batch(3)
    form = PlaceForm()
    with django_assert_num_queries(1):
        form.as_div()
    assert len(offered(form, "division")) == 3
    assert offered(form, "district") == offered(form, "thana") == []


def test_choices_are_labelled_and_ordered_in_bengali_when_bengali_is_active():
    division = DivisionFactory()
    DistrictFactory(division=division, name="Zinzira", name_bn="আগানগর")
    DistrictFactory(division=division, name="Adabor", name_bn="মোহাম্মদপুর")
    with translation.override("bn"):
        form = PlaceForm({"division": division.pk})
        labels = [str(label) for value, label in form.fields["district"].widget.choices if value]
    assert labels == ["আগানগর", "মোহাম্মদপুর"]


def test_selects_reload_their_children_with_htmx():
    html = PlaceForm().as_div()
    attrs = PlaceForm().fields
    assert attrs["division"].widget.attrs["hx-get"] == "/locations/districts/?blank=choose"
    assert attrs["division"].widget.attrs["hx-target"] == "#id_district"
    assert attrs["district"].widget.attrs["hx-get"] == "/locations/thanas/?blank=choose"
    assert attrs["district"].widget.attrs["hx-target"] == "#id_thana"
    assert attrs["division"].widget.attrs["hx-trigger"] == "change"
    assert 'id="id_thana"' in html and 'data-location="thana"' in html


def test_prefixed_form_targets_its_own_selects():
    form = PlaceForm(prefix="doctor")
    assert form.fields["division"].widget.attrs["hx-target"] == "#id_doctor-district"
    assert form.fields["district"].widget.attrs["hx-target"] == "#id_doctor-thana"


def test_form_without_ids_targets_the_next_select():
    form = PlaceForm(auto_id=False)
    assert form.fields["division"].widget.attrs["hx-target"] == "next [data-location=district]"


def test_location_fields_lists_the_three_bound_fields():
    assert [field.name for field in PlaceForm().location_fields] == [
        "division",
        "district",
        "thana",
    ]


def test_model_form_saves_a_consistent_location():
    user = get_user_model().objects.create_user(email="rahima@example.com", password="x")
    thana = ThanaFactory()

    form = UserLocationForm(data_for(thana, full_name="Rahima Begum"), instance=user)

    assert form.is_valid(), form.errors
    form.save()
    user.refresh_from_db()
    assert (user.division, user.district, user.thana) == (
        thana.district.division,
        thana.district,
        thana,
    )


def test_model_form_refuses_an_inconsistent_location():
    thana = ThanaFactory()
    form = UserLocationForm(data_for(thana, full_name="Rahima", district=DistrictFactory().pk))
    assert not form.is_valid()
    assert "district" in form.errors


def test_model_form_narrows_choices_to_the_instances_location():
    thana = ThanaFactory()
    ThanaFactory()
    user = get_user_model()(
        email="karim@example.com",
        division=thana.district.division,
        district=thana.district,
        thana=thana,
    )

    form = UserLocationForm(instance=user)

    assert offered(form, "district") == [thana.district_id]
    assert offered(form, "thana") == [thana.pk]
    assert f'<option value="{thana.pk}" selected>' in form.as_div()
