import pytest
from django.utils import translation

from locations.tests.factories import DistrictFactory, DivisionFactory, ThanaFactory

pytestmark = pytest.mark.django_db


def option_texts(response):
    import re

    return re.findall(r"<option value=\"\d+\">([^<]+)</option>", response.content.decode())


def test_district_options_are_ordered_by_name():
    division = DivisionFactory()
    DistrictFactory(division=division, name="Tangail", name_bn="টাঙ্গাইল")
    DistrictFactory(division=division, name="Dhaka", name_bn="ঢাকা")
    DistrictFactory(name="Elsewhere")

    response = (
        __import__("django.test").test.Client().get(f"/locations/districts/?division={division.pk}")
    )

    assert response.status_code == 200
    assert option_texts(response) == ["Dhaka", "Tangail"]


def test_options_are_in_bengali_when_bengali_is_active(client):
    district = DistrictFactory()
    ThanaFactory(district=district, name="Mirpur", name_bn="মিরপুর")
    ThanaFactory(district=district, name="Dhanmondi", name_bn="ধানমন্ডি")

    with translation.override("bn"):
        response = client.get(
            f"/locations/thanas/?district={district.pk}", HTTP_ACCEPT_LANGUAGE="bn"
        )

    assert option_texts(response) == ["ধানমন্ডি", "মিরপুর"]


def test_htmx_district_request_also_empties_the_thana_select(client):
    division = DivisionFactory()
    response = client.get(f"/locations/districts/?division={division.pk}", HTTP_HX_REQUEST="true")
    assert 'hx-swap-oob="innerHTML:[data-location=thana]"' in response.content.decode()


@pytest.mark.parametrize("url", ["/locations/districts/", "/locations/thanas/"])
def test_missing_parent_gives_only_the_blank_option(client, url):
    response = client.get(url)
    assert response.status_code == 200
    assert option_texts(response) == []


@pytest.mark.parametrize("value", ["abc", "-1", "1.5", "0", "99999999999999999999", "1;DROP"])
@pytest.mark.parametrize(
    "url, param", [("/locations/districts/", "division"), ("/locations/thanas/", "district")]
)
def test_bad_ids_give_400_and_no_options(client, url, param, value):
    response = client.get(url, {param: value})
    assert response.status_code == 400
    assert option_texts(response) == []


def test_unknown_id_gives_an_empty_list(client):
    response = client.get("/locations/thanas/", {"district": "424242"})
    assert response.status_code == 200
    assert option_texts(response) == []


def test_option_endpoint_query_count_does_not_grow(client, django_assert_num_queries):
    district = DistrictFactory()
    ThanaFactory.create_batch(30, district=district)
    with django_assert_num_queries(1):
        client.get(f"/locations/thanas/?district={district.pk}")
