import pytest

from accounts.models import User
from accounts.tests.factories import SpecializationFactory
from accounts.tests.test_registration import doctor_data
from locations.tests.factories import ThanaFactory
from scheduling.models import ChamberHours

pytestmark = pytest.mark.django_db

URL = "/accounts/register/doctor/"


def test_registration_sets_chamber_hours_saturday_to_thursday(client):
    SpecializationFactory(name="Cardiology")
    response = client.post(
        URL, doctor_data(ThanaFactory(), chamber_hours="10:00-13:00,15:00-18:00")
    )

    assert response.status_code == 302
    hours = ChamberHours.objects.filter(doctor__user__email="kamal@example.com")
    assert sorted({h.weekday for h in hours}) == [0, 1, 2, 3, 5, 6]
    assert {(h.start.hour, h.end.hour) for h in hours} == {(10, 13), (15, 18)}


def test_the_form_offers_a_sensible_default(client):
    assert 'value="09:00-12:00,14:00-17:00"' in client.get(URL).content.decode()


def test_bad_chamber_hours_keep_the_doctor_from_registering(client):
    SpecializationFactory(name="Cardiology")
    response = client.post(URL, doctor_data(ThanaFactory(), chamber_hours="17:00-09:00"))

    assert "chamber_hours" in response.context["form"].errors
    assert not User.objects.exists()
