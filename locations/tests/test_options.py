import re

import pytest
from django.utils import translation

from locations.tests.factories import DistrictFactory, DivisionFactory, ThanaFactory

pytestmark = pytest.mark.django_db

DISTRICTS_URL = "/locations/districts/"
THANAS_URL = "/locations/thanas/"
BAD_IDS = ["abc", "-1", "0", "1.5", "1e3", "²", "١", " 1", "0x1", "9" * 19, "9" * 40, "1\x00"]


def option_texts(response):
    """The labels of the non-blank options of the main list (not the out-of-band one)."""
    main = response.content.decode().split("<template>")[0]
    return re.findall(r'<option value="\d+">([^<]+)</option>', main)


def blank_label(response):
    return re.search(r'<option value="">([^<]+)</option>', response.content.decode())[1]


def test_district_options_are_the_divisions_districts_by_name(client):
    division = DivisionFactory()
    DistrictFactory(division=division, name="Tangail", name_bn="টাঙ্গাইল")
    DistrictFactory(division=division, name="Dhaka", name_bn="ঢাকা")
    DistrictFactory(name="Elsewhere")

    response = client.get(DISTRICTS_URL, {"division": division.pk})

    assert response.status_code == 200
    assert option_texts(response) == ["Dhaka", "Tangail"]
    assert blank_label(response) == "Any district"


def test_thana_options_include_upazilas_and_metropolitan_thanas(client):
    district = DistrictFactory()
    ThanaFactory(district=district, name="Savar")
    ThanaFactory(district=district, name="Dhanmondi", metro=True)
    ThanaFactory(name="Elsewhere")

    response = client.get(THANAS_URL, {"district": district.pk})

    assert response.status_code == 200
    assert option_texts(response) == ["Dhanmondi", "Savar"]
    assert blank_label(response) == "Any thana"


def test_options_are_bengali_names_in_bengali_order_when_bengali_is_active(client):
    district = DistrictFactory()
    # In English the order would be the other way round.
    ThanaFactory(district=district, name="Zinzira", name_bn="আগানগর")
    ThanaFactory(district=district, name="Adabor", name_bn="মোহাম্মদপুর")

    response = client.get(THANAS_URL, {"district": district.pk}, HTTP_ACCEPT_LANGUAGE="bn")

    assert option_texts(response) == ["আগানগর", "মোহাম্মদপুর"]


def test_language_chosen_on_the_site_gives_bengali_district_names(client, settings):
    division = DivisionFactory()
    DistrictFactory(division=division, name="Dhaka", name_bn="ঢাকা")
    DistrictFactory(division=division, name="Gazipur", name_bn="গাজীপুর")
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "bn"

    response = client.get(DISTRICTS_URL, {"division": division.pk})

    assert option_texts(response) == ["গাজীপুর", "ঢাকা"]
    with translation.override("bn"):
        assert blank_label(response) == translation.gettext("Any district")


def test_htmx_district_request_empties_the_matching_thana_select(client):
    division = DivisionFactory()

    response = client.get(
        DISTRICTS_URL,
        {"division": division.pk},
        HTTP_HX_REQUEST="true",
        HTTP_HX_TARGET="search-district",
    )

    assert '<select hx-swap-oob="innerHTML:#search-thana">' in response.content.decode()
    assert "HX-Target" in response["Vary"]


def test_form_style_ids_and_prefixed_names_are_understood(client):
    division = DivisionFactory()
    DistrictFactory(division=division, name="Dhaka")

    response = client.get(
        DISTRICTS_URL,
        {"doctor-division": division.pk, "blank": "choose"},
        HTTP_HX_REQUEST="true",
        HTTP_HX_TARGET="id_doctor-district",
    )

    assert option_texts(response) == ["Dhaka"]
    assert blank_label(response) == "Choose a district"
    assert 'hx-swap-oob="innerHTML:#id_doctor-thana"' in response.content.decode()
    assert '<option value="">Choose a thana</option></select>' in response.content.decode()


@pytest.mark.parametrize("target", ["", "weird target", "id_place", 'x"><script>'])
def test_unusual_target_resets_every_thana_select(client, target):
    response = client.get(
        DISTRICTS_URL, {"division": "1"}, HTTP_HX_REQUEST="true", HTTP_HX_TARGET=target
    )
    content = response.content.decode()
    assert 'hx-swap-oob="innerHTML:select[data-location=thana]"' in content
    assert "<script>" not in content


def test_plain_request_has_no_out_of_band_swap(client):
    response = client.get(DISTRICTS_URL, {"division": "1"})
    assert "hx-swap-oob" not in response.content.decode()


@pytest.mark.parametrize("url", [DISTRICTS_URL, THANAS_URL])
def test_missing_parent_gives_only_the_blank_option(client, url):
    response = client.get(url)
    assert response.status_code == 200
    assert option_texts(response) == []
    assert '<option value="">' in response.content.decode()


@pytest.mark.parametrize("value", BAD_IDS)
@pytest.mark.parametrize("url, param", [(DISTRICTS_URL, "division"), (THANAS_URL, "district")])
def test_bad_ids_give_400_with_the_blank_option(client, url, param, value):
    ThanaFactory(district=DistrictFactory(pk=1, division=DivisionFactory(pk=1)))

    response = client.get(url, {param: value})

    assert response.status_code == 400
    assert option_texts(response) == []
    assert '<option value="">' in response.content.decode()


@pytest.mark.parametrize("value", ["424242", str(2**63 - 1)])
def test_unknown_id_gives_an_empty_list(client, value):
    response = client.get(THANAS_URL, {"district": value})
    assert response.status_code == 200
    assert option_texts(response) == []


def test_options_only_answer_get(client):
    assert client.post(THANAS_URL, {"district": "1"}).status_code == 405


@pytest.mark.parametrize("url, param", [(DISTRICTS_URL, "division"), (THANAS_URL, "district")])
def test_options_take_one_query_however_many(client, django_assert_max_num_queries, url, param):
    district = DistrictFactory()
    ThanaFactory.create_batch(40, district=district)
    DistrictFactory.create_batch(20, division=district.division)
    parent = district.division_id if param == "division" else district.pk

    with django_assert_max_num_queries(1):
        response = client.get(url, {param: parent}, HTTP_HX_REQUEST="true")

    assert len(option_texts(response)) in (21, 40)


def test_missing_or_bad_parent_takes_no_query(client, django_assert_num_queries):
    with django_assert_num_queries(0):
        client.get(THANAS_URL)
        client.get(THANAS_URL, {"district": "abc"})
