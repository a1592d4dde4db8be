"""Real image files made in tests."""

import io

from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image


def image_bytes(image_format="JPEG", size=(800, 600), mode="RGB", **save_kwargs):
    buffer = io.BytesIO()
    Image.new(mode, size, color=(200, 30, 30) if mode == "RGB" else 128).save(
        buffer, format=image_format, **save_kwargs
    )
    return buffer.getvalue()


def upload(data, name="photo.jpg", content_type="image/jpeg"):
    return SimpleUploadedFile(name, data, content_type=content_type)


def jpeg_with_gps():
    image = Image.new("RGB", (640, 480), color=(10, 120, 200))
    exif = image.getexif()
    exif[0x010F] = "PhoneMaker"  # Make
    gps = exif.get_ifd(0x8825)
    gps[1] = "N"
    gps[2] = (23.0, 44.0, 30.0)
    gps[3] = "E"
    gps[4] = (90.0, 24.0, 10.0)
    buffer = io.BytesIO()
    image.save(buffer, format="JPEG", exif=exif)
    return buffer.getvalue()
