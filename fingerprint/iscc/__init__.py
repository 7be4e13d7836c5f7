"""ISCC-CODEs (ISO 24138, International Standard Content Code) of articles, images and videos, made
with iscc-lib (the ISCC Foundation's Rust implementation; the same codes as iscc-core) from the
inputs iscc-sdk 0.9.7 would hash, so a work's code here equals the one the ISCC tools give its file.

An ISCC-CODE joins four 64-bit units: **Meta** (the title), **Content** (Text-Code of the article's
text, Image-Code of the picture, Video-Code of the MPEG-7 frame signatures), **Data** (content-defined
chunks of the bytes) and **Instance** (BLAKE3 of the bytes). Similar content gives similar Content
and Data units (few differing bits); identical bytes give the same Instance unit. A video's
Video-Code needs an FFmpeg with the ``signature`` filter (`has_signature_filter`); without one its
code has Meta, Data and Instance units only (``ISCC-NONE-V0-MDI``), which `IsccCode.content` says.

>>> code = article_iscc("Harbour Authority Approves New Ferry Terminal\\n\\nThe harbour board voted.",
...                     title="Harbour Authority Approves New Ferry Terminal")
>>> code.code.startswith("ISCC:KA"), code.content.startswith("ISCC:EA")
(True, True)
>>> units_of(code.code) == code.units
True
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import iscc_lib

from ..errors import FingerprintError
from ._image import image_code, image_pixels
from ._text import text_code, text_for_iscc
from ._video import VideoSignatureError, VideoSignatures, has_signature_filter, start_signatures, video_code

__all__ = ["ISCC_ALG", "IsccCode", "IsccError", "VideoSignatureError", "VideoSignatures", "article_iscc",
           "file_iscc", "has_signature_filter", "image_iscc", "image_pixels", "is_iscc", "start_signatures",
           "text_for_iscc", "units_of", "video_iscc"]

ISCC_ALG = "io.iscc.v0"
"""The ISCC's name on the C2PA soft binding algorithm list (entry 3, a fingerprint)."""
UNIT_KINDS = ("meta", "content", "data", "instance")
_MAIN_TYPE_KIND = {"META": "meta", "SEMANTIC": "content", "CONTENT": "content", "DATA": "data",
                   "INSTANCE": "instance"}
_ISCC_TEXT = re.compile(r"ISCC:[A-Z2-7]{10,}", re.IGNORECASE)


class IsccError(FingerprintError):
    """Not an ISCC code (or unit), or one that cannot be composed."""


@dataclass(frozen=True)
class IsccCode:
    """A work's ISCC-CODE and its units (``content`` None: no Content-Code could be made)."""

    code: str
    meta: str
    content: str | None
    data: str
    instance: str

    @property
    def units(self) -> dict[str, str | None]:
        return {"meta": self.meta, "content": self.content, "data": self.data, "instance": self.instance}

    def to_dict(self) -> dict:
        return {"code": self.code, "units": self.units}


def _composed(meta: str, content: str | None, data: str, instance: str) -> IsccCode:
    units = [meta, content, data, instance] if content else [meta, data, instance]
    return IsccCode(iscc_lib.gen_iscc_code_v0(units)["iscc"], meta, content, data, instance)


def _meta(title: str) -> str:
    return iscc_lib.gen_meta_code_v0(title.strip() or "untitled", bits=64)["iscc"]


def article_iscc(text: str, *, title: str, memory_mb: int | None = None) -> IsccCode:
    """The ISCC-CODE of an article registered as `text` (its bytes: ``text`` in UTF-8); a text of
    over a million characters is coded in a child process within `memory_mb` (`_text`)."""
    content = text.encode("utf-8")
    return _composed(_meta(title), text_code(text, memory_mb=memory_mb),
                     iscc_lib.gen_data_code_v0(content, bits=64)["iscc"],
                     iscc_lib.gen_instance_code_v0(content, bits=64)["iscc"])


def _file_units(path: Path) -> tuple[str, str]:
    data, instance = iscc_lib.gen_sum_code_v0(str(path), bits=64, add_units=True)["units"]
    return data, instance


def file_iscc(source: Path | bytes, *, title: str) -> IsccCode:
    """The ISCC-CODE of a file (or bytes) whose content has no Content-Code here: Meta, Data and
    Instance units (``ISCC-NONE-V0-MDI``)."""
    if isinstance(source, bytes):
        return _composed(_meta(title), None, iscc_lib.gen_data_code_v0(source, bits=64)["iscc"],
                         iscc_lib.gen_instance_code_v0(source, bits=64)["iscc"])
    return _composed(_meta(title), None, *_file_units(source))


def image_iscc(path: Path, *, title: str) -> IsccCode:
    """The ISCC-CODE of the image file at `path` (IsccError if Pillow cannot read it)."""
    try:
        content = image_code(path)
    except (OSError, ValueError) as e:
        raise IsccError(f"{path.name}: cannot make an Image-Code: {e}") from e
    return _composed(_meta(title), content, *_file_units(path))


def video_iscc(path: Path, *, title: str, frames: list[tuple[int, ...]] | None) -> IsccCode:
    """The ISCC-CODE of the video file at `path`, from its MPEG-7 frame signatures (`start_signatures`;
    None: no Video-Code, Meta, Data and Instance only)."""
    return _composed(_meta(title), video_code(frames) if frames else None, *_file_units(path))


def is_iscc(text: str) -> bool:
    """Whether `text` is an ISCC-CODE or unit in its canonical form (``ISCC:`` and base32, any case)."""
    if not _ISCC_TEXT.fullmatch(text.strip()):
        return False
    try:
        units_of(text)
    except IsccError:
        return False
    return True


def units_of(text: str) -> dict[str, str | None]:
    """The units of an ISCC-CODE, or the one unit given: {"meta", "content", "data", "instance"}."""
    value = text.strip().upper()
    value = value if value.startswith("ISCC:") else "ISCC:" + value
    try:
        parts = iscc_lib.iscc_decompose(value)
        units: dict[str, str | None] = dict.fromkeys(UNIT_KINDS)
        for part in parts:
            main_type = iscc_lib.iscc_decode("ISCC:" + part)[0].name
            if main_type not in _MAIN_TYPE_KIND:
                raise IsccError(f"expected an ISCC-CODE or a Meta, Content, Data or Instance unit, got {main_type}")
            units[_MAIN_TYPE_KIND[main_type]] = "ISCC:" + part
    except (ValueError, KeyError) as e:
        raise IsccError(f"not an ISCC code: {text[:80]!r} ({e})") from e
    return units
