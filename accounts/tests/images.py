"""Real image files made in tests."""

import io
import struct
import zlib

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


def with_declared_size(data, width, height):
    """A Pillow-made PNG, JPEG or WebP whose header claims another size (at most 16383 on
    a side for WebP): what a decompression bomb looks like until its pixels are decoded."""
    data = bytearray(data)
    if data.startswith(b"\x89PNG"):
        data[16:24] = struct.pack(">II", width, height)
        data[29:33] = struct.pack(">I", zlib.crc32(data[12:29]))  # IHDR's checksum
    elif data.startswith(b"\xff\xd8"):
        sof = data.index(b"\xff\xc0")
        data[sof + 5 : sof + 9] = struct.pack(">HH", height, width)
    elif data[12:16] == b"VP8X":  # extended WebP (here: with alpha)
        data[24:27] = (width - 1).to_bytes(3, "little")
        data[27:30] = (height - 1).to_bytes(3, "little")
    elif data[12:16] == b"VP8L":  # lossless WebP: 14 bits each, after a 0x2f
        bits = int.from_bytes(data[21:25], "little") & ~0xFFFFFFF
        data[21:25] = (bits | (width - 1) | (height - 1) << 14).to_bytes(4, "little")
    elif data[12:16] == b"VP8 ":  # lossy WebP: 14 bits each, after the frame's start code
        data[26:30] = struct.pack("<HH", width, height)
    else:
        raise ValueError("not a PNG, a baseline JPEG or a WebP")
    return bytes(data)
