"""Identifiers: time-ordered, URL-safe, 26 characters of Crockford base32 (the ULID layout).

>>> work_id = new_id()
>>> len(work_id), work_id == work_id.upper()
(26, True)
"""

from __future__ import annotations

import os
import time

_CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"


def new_id(now_ms: int | None = None) -> str:
    """48 bits of milliseconds since the epoch, then 80 random bits."""
    millis = int(time.time() * 1000) if now_ms is None else now_ms
    value = (millis << 80) | int.from_bytes(os.urandom(10), "big")
    return "".join(_CROCKFORD[(value >> shift) & 31] for shift in range(125, -1, -5))


def is_id(text: str) -> bool:
    return len(text) == 26 and all(c in _CROCKFORD for c in text)
