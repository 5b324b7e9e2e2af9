"""A logo upload, checked by its bytes: PNG, JPEG or WebP, at most 512 KB and 2048 px a side.

The type comes from the magic bytes, never from the file name or the browser's word; SVG is
refused (it can carry script). The dimensions are read from the image header.
"""

from __future__ import annotations

import struct

from portal.errors import Invalid

MAX_BYTES = 512 * 1024
MAX_SIDE = 2048
PNG, JPEG, WEBP = "image/png", "image/jpeg", "image/webp"
REFUSED_TYPE = "Upload a PNG, JPEG or WebP image."
NO_SVG = "SVG logos are refused (they can carry script): upload a PNG, JPEG or WebP image."


def _png(data: bytes) -> tuple[int, int] | None:
    if len(data) < 24 or data[12:16] != b"IHDR":
        return None
    width, height = struct.unpack(">II", data[16:24])
    return int(width), int(height)


def _jpeg(data: bytes) -> tuple[int, int] | None:
    i = 2
    while i + 9 < len(data):
        if data[i] != 0xFF:
            return None
        marker = data[i + 1]
        if marker in (0xD8, 0x01) or 0xD0 <= marker <= 0xD7:
            i += 2
            continue
        length = struct.unpack(">H", data[i + 2 : i + 4])[0]
        if 0xC0 <= marker <= 0xCF and marker not in (0xC4, 0xC8, 0xCC):
            height, width = struct.unpack(">HH", data[i + 5 : i + 9])
            return int(width), int(height)
        i += 2 + length
    return None


def _webp(data: bytes) -> tuple[int, int] | None:
    chunk = data[12:16]
    if chunk == b"VP8 " and len(data) >= 30 and data[23:26] == b"\x9d\x01\x2a":
        width, height = struct.unpack("<HH", data[26:30])
        return width & 0x3FFF, height & 0x3FFF
    if chunk == b"VP8L" and len(data) >= 25 and data[20] == 0x2F:
        bits = int.from_bytes(data[21:25], "little")
        return (bits & 0x3FFF) + 1, ((bits >> 14) & 0x3FFF) + 1
    if chunk == b"VP8X" and len(data) >= 30:
        return int.from_bytes(data[24:27], "little") + 1, int.from_bytes(data[27:30], "little") + 1
    return None


def _looks_like_svg(data: bytes) -> bool:
    head = data[:1024].lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    return head.startswith((b"<?xml", b"<svg", b"<!doctype svg")) or b"<svg" in head


def check(data: bytes) -> str:
    """The content type of an acceptable logo; Invalid at the ``logo`` field otherwise."""
    if not data:
        raise Invalid({"logo": "Choose an image file."})
    if len(data) > MAX_BYTES:
        raise Invalid({"logo": f"The logo is {len(data) // 1024} KB: at most {MAX_BYTES // 1024} KB, please."})
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        kind, size = PNG, _png(data)
    elif data.startswith(b"\xff\xd8\xff"):
        kind, size = JPEG, _jpeg(data)
    elif data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        kind, size = WEBP, _webp(data)
    else:
        raise Invalid({"logo": NO_SVG if _looks_like_svg(data) else REFUSED_TYPE})
    if size is None:
        raise Invalid({"logo": "This image is damaged or incomplete: its size cannot be read."})
    width, height = size
    if not (1 <= width <= MAX_SIDE and 1 <= height <= MAX_SIDE):
        raise Invalid({"logo": f"The logo is {width}×{height} px: at most {MAX_SIDE} px a side, please."})
    return kind
