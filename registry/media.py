"""What kind of file this is, judged by its first bytes (never by its name or a declared type).

>>> sniff(b"\\xff\\xd8\\xff\\xe0" + bytes(20))
Media(kind='image', media_type='image/jpeg')
>>> sniff(b"\\x00\\x00\\x00\\x18ftypmp42" + bytes(8))
Media(kind='video', media_type='video/mp4')
>>> sniff("Plain words.".encode())
Media(kind='article', media_type='text/plain; charset=utf-8')
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

from .errors import UnsupportedMediaError

SNIFF_BYTES = 64


@dataclass(frozen=True)
class Media:
    kind: str  # article, video or image
    media_type: str


_QUICKTIME_BRANDS = (b"qt  ",)


def sniff(head: bytes) -> Media | None:
    """The kind and media type of a file from its first ``SNIFF_BYTES``, or None if unknown."""
    if head.startswith(b"\xff\xd8\xff"):
        return Media("image", "image/jpeg")
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return Media("image", "image/png")
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return Media("image", "image/webp")
    if head[:4] == b"RIFF" and head[8:12] == b"AVI ":
        return Media("video", "video/x-msvideo")
    if head[4:8] == b"ftyp":
        brand = head[8:12]
        if brand in _QUICKTIME_BRANDS:
            return Media("video", "video/quicktime")
        if brand.startswith((b"avif", b"heic", b"heix", b"mif1")):
            return None  # still-image containers on ISO BMFF: not decodable here
        return Media("video", "video/mp4")
    if head.startswith(b"\x1a\x45\xdf\xa3"):
        return Media("video", "video/webm")  # WebM and Matroska: matched, not registered (no C2PA)
    if head and b"\x00" not in head:
        try:
            head.decode("utf-8")
        except UnicodeDecodeError as e:
            if e.start < len(head) - 3:  # not just a character cut at the end of the sample
                return None
        return Media("article", "text/plain; charset=utf-8")
    return None


def sniff_file(path: Path) -> Media | None:
    with open(path, "rb") as handle:
        return sniff(handle.read(SNIFF_BYTES))


def require_kind(media: Media | None, declared: str | None, name: str) -> Media:
    """The sniffed media, refusing unknown bytes and bytes that are not the declared kind."""
    if media is None:
        raise UnsupportedMediaError(
            f"{name}: expected an article (UTF-8 text), a video (MP4, MOV, AVI) or an image (JPEG, PNG, "
            "WebP), got bytes of another kind")
    if declared is not None and declared != media.kind:
        raise UnsupportedMediaError(f"{name}: declared as {declared}, but the bytes are {media.kind} "
                                    f"({media.media_type})")
    return media


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        while chunk := handle.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()
