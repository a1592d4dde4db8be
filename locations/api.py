"""The API's location tree: divisions, and the districts and thanas under one, in the
order and language of the request (locations.selectors)."""

from ninja import Router, Schema

from appion.api_params import DatabaseInt
from locations import selectors

router = Router(tags=["locations"])


class PlaceOut(Schema):
    id: int
    name: str
    name_bn: str


@router.get("/divisions", response=list[PlaceOut])
def divisions(request):
    return selectors.divisions()


@router.get("/districts", response=list[PlaceOut])
def districts(request, division_id: DatabaseInt):
    return selectors.districts_of(division_id)


@router.get("/thanas", response=list[PlaceOut])
def thanas(request, district_id: DatabaseInt):
    return selectors.thanas_of(district_id)
