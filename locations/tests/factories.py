"""Factories for the location tree; other apps' tests import them."""

import factory

from locations.models import District, Division, Thana


class DivisionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Division
        django_get_or_create = ("name",)

    name = factory.Sequence(lambda n: f"Division {n}")
    name_bn = factory.Sequence(lambda n: f"বিভাগ {n}")


class DistrictFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = District

    division = factory.SubFactory(DivisionFactory)
    name = factory.Sequence(lambda n: f"District {n}")
    name_bn = factory.Sequence(lambda n: f"জেলা {n}")


class ThanaFactory(factory.django.DjangoModelFactory):
    """An upazila; `ThanaFactory(metro=True)` makes a metropolitan thana."""

    class Meta:
        model = Thana

    class Params:
        metro = factory.Trait(kind=Thana.Kind.METROPOLITAN)

    district = factory.SubFactory(DistrictFactory)
    name = factory.Sequence(lambda n: f"Thana {n}")
    name_bn = factory.Sequence(lambda n: f"থানা {n}")
    kind = Thana.Kind.UPAZILA
