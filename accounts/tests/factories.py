from decimal import Decimal

import factory
from django.utils import timezone

from accounts.models import DoctorProfile, PatientProfile, Specialization, User

DEFAULT_PASSWORD = "Appion#2026"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"user{n}@example.com")
    full_name = factory.Faker("name")
    mobile = factory.Sequence(lambda n: f"+8801711{n:06d}")
    role = User.Role.PATIENT
    password = factory.PostGenerationMethodCall("set_password", DEFAULT_PASSWORD)

    @factory.post_generation
    def _save_password(obj, create, extracted, **kwargs):
        if create:
            obj.save(update_fields=["password"])


class PatientFactory(UserFactory):
    role = User.Role.PATIENT
    profile = factory.RelatedFactory(
        "accounts.tests.factories.PatientProfileFactory", factory_related_name="user"
    )


class PatientProfileFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = PatientProfile

    user = factory.SubFactory(UserFactory, role=User.Role.PATIENT)


class StaffFactory(UserFactory):
    role = User.Role.ADMIN
    is_staff = True
    is_superuser = True


class SpecializationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Specialization
        django_get_or_create = ("name",)

    name = factory.Sequence(lambda n: f"Speciality {n}")
    name_bn = factory.Sequence(lambda n: f"বিশেষত্ব {n}")


class DoctorProfileFactory(factory.django.DjangoModelFactory):
    """A verified doctor with one chamber (scheduling.Chamber, named by the chamber_*
    parameters); pass verified_at=None for one awaiting verification."""

    class Meta:
        model = DoctorProfile
        skip_postgeneration_save = True

    class Params:
        chamber_name = "Popular Diagnostic Centre"
        chamber_address = "House 16, Road 2, Dhanmondi, Dhaka"
        chamber_thana = None

    user = factory.SubFactory(UserFactory, role=User.Role.DOCTOR)
    licence_number = factory.Sequence(lambda n: f"A-{10000 + n}")
    specialization = factory.SubFactory(SpecializationFactory)
    qualifications = "MBBS, FCPS (Medicine)"
    experience_years = 10
    consultation_fee = Decimal("800.00")
    verified_at = factory.LazyFunction(timezone.now)
    # By its path: accounts does not import scheduling (the chamber belongs to it).
    first_chamber = factory.RelatedFactory(
        "scheduling.tests.factories.ChamberFactory",
        factory_related_name="doctor",
        name=factory.SelfAttribute("..chamber_name"),
        address=factory.SelfAttribute("..chamber_address"),
        thana=factory.SelfAttribute("..chamber_thana"),
    )
