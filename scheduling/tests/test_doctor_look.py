"""How a doctor looks in the directory and on their page: a photo or initials on a
coloured circle, the "BMDC verified" badge, and the booking block before the chambers'
hours."""

import pytest

from accounts.tests.factories import DoctorProfileFactory
from scheduling.tests.factories import open_every_day

pytestmark = pytest.mark.django_db


def listed(name, **kwargs):
    return open_every_day(DoctorProfileFactory(user__full_name=name, **kwargs))


def test_a_card_without_a_photo_shows_the_initials_without_the_title(client):
    doctor = listed("Dr. Abdul Karim")

    page = client.get("/doctors/").content.decode()

    assert (
        f'<span class="avatar-initials avatar-tone-{doctor.pk % 6}" aria-hidden="true">AK</span>'
        in page
    )
    assert "img/avatar.svg" not in page


def test_a_card_with_a_photo_shows_it_instead_of_initials(client):
    doctor = listed("Dr. Abdul Karim")
    doctor.user.photo.name = "avatars/karim.png"
    doctor.user.save(update_fields=["photo"])

    page = client.get("/doctors/").content.decode()

    assert 'src="/media/avatars/karim.png"' in page
    assert "avatar-initials" not in page


def test_initials_of_a_bengali_name(client):
    listed("ডা. ফারহানা মোল্লা")

    page = client.get("/doctors/").content.decode()

    assert 'aria-hidden="true">ফম</span>' in page


def test_a_name_with_markup_is_escaped_on_the_card_and_the_page(client):
    doctor = listed("Dr. <b>Bold</b> Rahman")

    for url in ("/doctors/", f"/doctors/{doctor.pk}/"):
        page = client.get(url).content.decode()
        assert "<b>Bold</b>" not in page
        assert "Dr. &lt;b&gt;Bold&lt;/b&gt; Rahman" in page
        assert 'aria-hidden="true">BR</span>' in page


def test_the_colour_of_the_initials_follows_the_doctors_id(client):
    doctors = [listed(f"Dr. Number {n}") for n in range(7)]

    tones = {d.pk: d.avatar_tone for d in doctors}
    page = client.get(f"/doctors/{doctors[3].pk}/").content.decode()

    assert len(set(tones.values())) == 6
    assert f"avatar-initials avatar-lg avatar-tone-{doctors[3].pk % 6}" in page


def test_listed_doctors_carry_the_bmdc_verified_badge(client):
    doctor = listed("Dr. Verified")

    for url in ("/doctors/", f"/doctors/{doctor.pk}/"):
        page = client.get(url).content.decode()
        assert '<span class="badge-verified">BMDC verified</span>' in page


def test_the_doctor_page_shows_the_booking_block_before_the_chambers_hours(client):
    doctor = listed("Dr. Abdul Karim")

    page = client.get(f"/doctors/{doctor.pk}/").content.decode()

    profile = page.index("doctor-layout-profile")
    booking = page.index("doctor-layout-booking")
    chambers = page.index("doctor-layout-chambers")
    assert profile < booking < chambers
    assert page.index("Book a visit") < page.index("Weekly sessions")


def test_the_cards_free_times_are_tappable_chips(client):
    listed("Dr. Abdul Karim")

    page = client.get("/doctors/").content.decode()

    assert 'class="btn btn-sm btn-outline-primary time-chip" href="/appointments/book/' in page
