"""Profile photos, handled safely: the content decides what a file is, never its name."""

import io
import uuid

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.utils.translation import gettext as _
from PIL import Image, ImageOps, UnidentifiedImageError

MAX_BYTES = 5 * 1024 * 1024
MAX_PIXELS = 25_000_000
MAX_SIDE = 512
ALLOWED_FORMATS = {"JPEG", "PNG", "WEBP"}


def process_photo(uploaded) -> ContentFile:
    """Validate an uploaded photo and return a re-encoded JPEG, at most 512×512, without
    EXIF (so no GPS position), under a random name. Raises ValidationError for anything
    that is not a real, whole JPEG, PNG or WebP image within the size limits."""
    if uploaded.size > MAX_BYTES:
        raise ValidationError(_("The photo is larger than 5 MB."), code="too_large")
    data = uploaded.read()
    if len(data) > MAX_BYTES:
        raise ValidationError(_("The photo is larger than 5 MB."), code="too_large")
    not_an_image = ValidationError(
        _("Upload a JPEG, PNG or WebP photo. This file is not one, or it is damaged."),
        code="invalid_image",
    )
    try:
        with Image.open(io.BytesIO(data)) as probe:
            if probe.format not in ALLOWED_FORMATS:
                raise not_an_image
            width, height = probe.size
            if width * height > MAX_PIXELS:
                raise ValidationError(
                    _("The photo is too large (more than 25 megapixels)."), code="too_many_pixels"
                )
            if _has_trailing_data(data, probe.format):
                raise not_an_image
            probe.verify()
        # verify() leaves the image unusable; open again to decode every pixel.
        with Image.open(io.BytesIO(data)) as image:
            image.load()
            image = ImageOps.exif_transpose(image)
            image = image.convert("RGB")
            image.thumbnail((MAX_SIDE, MAX_SIDE))
            output = io.BytesIO()
            image.save(output, format="JPEG", quality=85, optimize=True)
    except ValidationError:
        raise
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, Image.DecompressionBombError):
        raise not_an_image from None
    return ContentFile(output.getvalue(), name=f"{uuid.uuid4().hex}.jpg")


def _has_trailing_data(data: bytes, image_format: str) -> bool:
    """True when bytes follow the end of the image: the mark of a polyglot file (an image
    that is also an HTML page, a ZIP or a script)."""
    if image_format == "JPEG":
        return not data.rstrip(b"\x00\r\n ").endswith(b"\xff\xd9")
    if image_format == "PNG":
        return not data.endswith(b"IEND\xaeB`\x82")
    if image_format == "WEBP":
        riff_size = int.from_bytes(data[4:8], "little")
        return len(data) > riff_size + 8 + (riff_size % 2)
    return True
