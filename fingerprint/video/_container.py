"""What an MP4/MOV container declares of its own length (ISO/IEC 14496-12 `mvhd`), read from the box
headers without decoding, so a file whose declared duration disagrees with its stream is caught.

>>> mvhd = struct.pack(">I4sB3xIIII", 28, b"mvhd", 0, 0, 0, 1000, 5000)  # version 0, timescale 1000
>>> declared_seconds(struct.pack(">I4s", 8 + len(mvhd), b"moov") + mvhd)
5.0
"""

from __future__ import annotations

import struct
from pathlib import Path

_CONTAINERS = {b"moov"}
_MAX_BOXES = 4096


def declared_seconds(data: bytes) -> float | None:
    """The movie's duration as `mvhd` declares it (seconds), or None when there is none to read."""
    offset, end, boxes = 0, len(data), 0
    while offset + 8 <= end and boxes < _MAX_BOXES:
        boxes += 1
        size, kind = struct.unpack_from(">I4s", data, offset)
        header = 8
        if size == 1 and offset + 16 <= end:
            size, header = struct.unpack_from(">Q", data, offset + 8)[0], 16
        elif size == 0:
            size = end - offset
        if size < header:
            return None
        if kind in _CONTAINERS:
            end, offset = min(end, offset + size), offset + header  # descend into moov
            continue
        if kind == b"mvhd":
            body = offset + header
            if body + 4 > len(data):
                return None
            version = data[body]
            if version == 1 and body + 32 <= len(data):
                timescale, duration = struct.unpack_from(">IQ", data, body + 20)
            elif body + 20 <= len(data):
                timescale, duration = struct.unpack_from(">II", data, body + 12)
            else:
                return None
            return duration / timescale if timescale else None
        offset += size
    return None


def declared_seconds_of(path: Path, head_bytes: int = 64 << 20) -> float | None:
    """`declared_seconds` of an MP4/MOV file (one that starts with `ftyp`): its top-level boxes are
    walked with seeks, `moov` read whole (up to `head_bytes`); None for other files."""
    with open(path, "rb") as handle:
        if handle.read(8)[4:8] != b"ftyp":
            return None
        handle.seek(0)
        while True:
            header = handle.read(8)
            if len(header) < 8:
                return None
            size, kind = struct.unpack(">I4s", header)
            extra = b""
            if size == 1:
                extra = handle.read(8)
                if len(extra) < 8:
                    return None
                size = struct.unpack(">Q", extra)[0]
            if kind == b"moov":
                length = (size - 8 - len(extra)) if size else head_bytes
                if length > head_bytes or length < 0:
                    return None
                return declared_seconds(header + extra + handle.read(length))
            if size == 0 or size < 8 + len(extra):
                return None
            handle.seek(size - 8 - len(extra), 1)
