"""The dependent selects in a real browser: htmx reloads the children of a changed parent
and empties the thana select when the division changes."""

import pytest

from locations.tests.factories import DistrictFactory, DivisionFactory, ThanaFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def page(chromium):
    return chromium.new_page()


@pytest.fixture
def places():
    dhaka = DivisionFactory(name="Dhaka")
    sylhet = DivisionFactory(name="Sylhet")
    dhaka_district = DistrictFactory(division=dhaka, name="Dhaka")
    DistrictFactory(division=dhaka, name="Gazipur")
    DistrictFactory(division=sylhet, name="Sylhet")
    ThanaFactory(district=dhaka_district, name="Dhanmondi", metro=True)
    ThanaFactory(district=dhaka_district, name="Savar")
    return dhaka, sylhet


def option_labels(page, select_id):
    return page.locator(f"#{select_id} option").all_inner_texts()


def choose_and_wait(page, select_id, label, wait_for_id, expected):
    page.select_option(f"#{select_id}", label=label)
    page.wait_for_function(
        "([id, n]) => document.getElementById(id).options.length === n",
        arg=[wait_for_id, expected],
    )


@pytest.mark.parametrize(
    "path, prefix, blank",
    [("/", "search-", "Any"), ("/accounts/register/patient/", "id_", "Choose a")],
)
def test_choosing_a_division_then_a_district_offers_their_children(
    places, live_server, page, path, prefix, blank
):
    # `places` comes first: the database is set up before Playwright starts its event loop.
    page.goto(live_server.url + path)

    choose_and_wait(page, f"{prefix}division", "Dhaka", f"{prefix}district", 3)
    assert option_labels(page, f"{prefix}district")[1:] == ["Dhaka", "Gazipur"]
    choose_and_wait(page, f"{prefix}district", "Dhaka", f"{prefix}thana", 3)
    assert option_labels(page, f"{prefix}thana")[1:] == ["Dhanmondi", "Savar"]
    page.select_option(f"#{prefix}thana", label="Savar")

    choose_and_wait(page, f"{prefix}division", "Sylhet", f"{prefix}district", 2)
    page.wait_for_function(
        "id => document.getElementById(id).options.length === 1", arg=f"{prefix}thana"
    )
    assert option_labels(page, f"{prefix}district")[0].startswith(blank)
    assert option_labels(page, f"{prefix}thana")[0].startswith(blank)
    assert page.input_value(f"#{prefix}thana") == ""
