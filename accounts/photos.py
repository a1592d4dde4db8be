"""Profile photos, handled safely: the content decides what a file is, never its name."""

import io
import struct
import uuid

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.utils.translation import gettext as _
from PIL import Image, ImageOps, UnidentifiedImageError
from PIL.JpegImagePlugin import JpegImageFile
from PIL.PngImagePlugin import PngImageFile

MAX_BYTES = 5 * 1024 * 1024
# Every pixel is decoded before the photo is shrunk to MAX_SIDE, and a PNG of a few KB
# can declare 25 megapixels (1.7 s of a busy worker). 16 megapixels takes the photos of
# phone cameras at their usual settings (4032 × 3024, 4080 × 3072, 4608 × 3456).
MAX_PIXELS = 16_000_000
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
                raise _too_large(width, height)
            if _has_trailing_data(data, probe.format):
                raise not_an_image
            probe.verify()
        # verify() leaves the image unusable; open again to decode every pixel (of a
        # JPEG, only as many as the thumbnail needs: draft() decodes it scaled down).
        with Image.open(io.BytesIO(data)) as image:
            image.draft(None, (MAX_SIDE, MAX_SIDE))
            image.load()
            image = ImageOps.exif_transpose(image)
            image = image.convert("RGB")
            image.thumbnail((MAX_SIDE, MAX_SIDE))
            output = io.BytesIO()
            image.save(output, format="JPEG", quality=85, optimize=True)
    except ValidationError:
        raise
    except Image.DecompressionBombError:
        # Pillow refuses a header of more than ~179 megapixels without saying its size.
        size = _declared_size(data)
        raise (_too_large(*size) if size else not_an_image) from None
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError):
        raise not_an_image from None
    return ContentFile(output.getvalue(), name=f"{uuid.uuid4().hex}.jpg")


def _too_large(width: int, height: int) -> ValidationError:
    return ValidationError(
        _(
            "The photo is too large: %(width)s × %(height)s pixels. Upload one of at most "
            "%(megapixels)s megapixels, for example 4000 × 3000 pixels."
        ),
        code="too_many_pixels",
        params={"width": width, "height": height, "megapixels": MAX_PIXELS // 1_000_000},
    )


def _declared_size(data: bytes) -> tuple[int, int] | None:
    """The width and height that a JPEG, PNG or WebP file's header declares, read without
    decoding a pixel and without Pillow's decompression-bomb check; None when the header
    is not one of these."""
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return _webp_size(data)
    for reader in (JpegImageFile, PngImageFile):  # these two read the header only
        try:
            with reader(io.BytesIO(data)) as image:
                return image.size
        except (SyntaxError, OSError, ValueError, EOFError, IndexError, struct.error):
            continue
    return None


def _webp_size(data: bytes) -> tuple[int, int] | None:
    """The canvas size in a WebP header (RFC 9649: a lossy VP8, lossless VP8L or extended
    VP8X first chunk), which Pillow's WebP reader checks against its bomb limit before
    it can be asked."""
    chunk = data[12:16]
    if chunk == b"VP8 " and data[23:26] == b"\x9d\x01\x2a" and len(data) >= 30:
        width, height = struct.unpack_from("<HH", data, 26)
        return width & 0x3FFF, height & 0x3FFF
    if chunk == b"VP8L" and data[20:21] == b"\x2f" and len(data) >= 25:
        (bits,) = struct.unpack_from("<I", data, 21)
        return (bits & 0x3FFF) + 1, ((bits >> 14) & 0x3FFF) + 1
    if chunk == b"VP8X" and len(data) >= 30:
        width = int.from_bytes(data[24:27], "little") + 1
        height = int.from_bytes(data[27:30], "little") + 1
        return width, height
    return None


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
