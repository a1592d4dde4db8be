import io
from pathlib import Path

import pytest
from django.conf import settings
from PIL import Image

from accounts.tests.factories import PatientFactory
from accounts.tests.images import image_bytes, jpeg_with_gps, upload, with_declared_size

pytestmark = pytest.mark.django_db

PROFILE_URL = "/accounts/profile/"


def post_photo(client, user, photo):
    return client.post(
        PROFILE_URL, {"full_name": user.full_name, "mobile": user.mobile, "photo": photo}
    )


def stored_files():
    avatars = Path(settings.MEDIA_ROOT) / "avatars"
    return sorted(avatars.iterdir()) if avatars.exists() else []


@pytest.fixture
def patient(client):
    user = PatientFactory()
    client.force_login(user)
    return user


@pytest.mark.parametrize("image_format", ["JPEG", "PNG", "WEBP"])
def test_real_images_are_stored_re_encoded_and_scaled(client, patient, image_format):
    data = image_bytes(image_format, size=(1600, 1200))
    response = post_photo(client, patient, upload(data, name=f"me.{image_format.lower()}"))

    assert response.status_code == 302
    patient.refresh_from_db()
    assert patient.photo.name.startswith("avatars/")
    assert "me." not in patient.photo.name  # a random name, not the uploaded one
    with Image.open(patient.photo.path) as stored:
        assert stored.format == "JPEG"
        assert max(stored.size) == 512


def test_gps_position_is_stripped(client, patient):
    data = jpeg_with_gps()
    with Image.open(io.BytesIO(data)) as original:
        assert original.getexif().get_ifd(0x8825)  # the upload really carries a position

    post_photo(client, patient, upload(data))

    patient.refresh_from_db()
    with Image.open(patient.photo.path) as stored:
        assert not stored.getexif()
        assert "exif" not in stored.info


@pytest.mark.parametrize(
    "name, data",
    [
        ("report.jpg", b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\n%%EOF"),
        ("logo.png", b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'),
        ("page.jpg", b"<html><body><script>alert(1)</script></body></html>"),
        ("anim.gif", image_bytes("GIF", mode="L")),
        ("half.jpg", image_bytes("JPEG")[:2000]),
        ("polyglot.jpg", image_bytes("JPEG") + b"<script>alert(1)</script>"),
        ("polyglot.png", image_bytes("PNG") + b"PK\x03\x04zipdata"),
    ],
)
def test_anything_but_a_whole_image_is_refused_and_nothing_stored(client, patient, name, data):
    response = post_photo(client, patient, upload(data, name=name))

    assert response.status_code == 200
    assert "photo" in response.context["form"].errors
    patient.refresh_from_db()
    assert not patient.photo
    assert stored_files() == []


def test_file_over_5_mb_is_refused(client, patient):
    big = image_bytes("PNG", size=(300, 300)) + b"\0" * (5 * 1024 * 1024)
    response = post_photo(client, patient, upload(big, name="big.png"))

    assert "5 MB" in " ".join(response.context["form"].errors["photo"])
    assert stored_files() == []


def photo_errors(response):
    assert response.status_code == 200
    return " ".join(response.context["form"].errors["photo"])


def test_decompression_bomb_dimensions_are_refused(client, patient):
    bomb = image_bytes("PNG", size=(6000, 5000), mode="L")  # 30 megapixels, small file
    assert len(bomb) < 5 * 1024 * 1024
    response = post_photo(client, patient, upload(bomb, name="bomb.png"))

    assert "The photo is too large: 6000 × 5000 pixels." in photo_errors(response)
    assert "at most 16 megapixels" in photo_errors(response)
    assert stored_files() == []


def test_a_25_megapixel_png_of_a_few_kilobytes_is_refused_as_too_large(client, patient):
    png = image_bytes("PNG", size=(5000, 5000), mode="L")
    assert len(png) < 100 * 1024

    response = post_photo(client, patient, upload(png, name="flat.png"))

    assert "The photo is too large: 5000 × 5000 pixels." in photo_errors(response)
    patient.refresh_from_db()
    assert not patient.photo
    assert stored_files() == []


@pytest.mark.parametrize(
    "name, image_format, options",
    [
        ("bomb.png", "PNG", {}),
        ("bomb.jpg", "JPEG", {}),
        ("lossy.webp", "WEBP", {}),
        ("lossless.webp", "WEBP", {"lossless": True}),
        ("alpha.webp", "WEBP", {"mode": "RGBA"}),
    ],
)
def test_a_decompression_bomb_is_refused_as_too_large_not_as_damaged(
    client, patient, name, image_format, options
):
    # 256 megapixels: beyond even Pillow's own limit, which refuses to open the file.
    bomb = with_declared_size(image_bytes(image_format, size=(64, 48), **options), 16_000, 16_000)

    response = post_photo(client, patient, upload(bomb, name=name))

    errors = photo_errors(response)
    assert "The photo is too large: 16000 × 16000 pixels." in errors
    assert "damaged" not in errors
    assert stored_files() == []


def test_a_phone_cameras_usual_photo_is_accepted(client, patient):
    photo = image_bytes("JPEG", size=(4080, 3072))  # 12.5 megapixels

    response = post_photo(client, patient, upload(photo))

    assert response.status_code == 302
    patient.refresh_from_db()
    with Image.open(patient.photo.path) as stored:
        assert stored.width == 512


def test_a_damaged_image_keeps_the_damaged_wording(client, patient):
    response = post_photo(client, patient, upload(image_bytes("PNG")[:300], name="half.png"))

    assert "This file is not one, or it is damaged." in photo_errors(response)
    assert "too large" not in photo_errors(response)


def test_replacing_a_photo_removes_the_old_file(
    client, patient, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        post_photo(client, patient, upload(image_bytes("JPEG")))
    patient.refresh_from_db()
    first = Path(patient.photo.path)

    with django_capture_on_commit_callbacks(execute=True):
        post_photo(client, patient, upload(image_bytes("PNG"), name="new.png"))

    patient.refresh_from_db()
    assert not first.exists()
    assert stored_files() == [Path(patient.photo.path)]


def test_default_avatar_when_there_is_no_photo(client, patient):
    response = client.get(PROFILE_URL)
    assert "img/avatar.svg" in response.content.decode()
