"""Standard base64 (RFC 4648 section 4) as the C2SP specs use it, decoded strictly.

Strict means: only the standard alphabet, correct padding, and the canonical encoding (no
stray bits), so every value has exactly one text form and parsed documents round-trip.
"""

from __future__ import annotations

import base64
import binascii


def encode_base64(data: bytes) -> str:
    """Standard base64 with padding."""
    return base64.b64encode(data).decode("ascii")


def decode_base64(text: str) -> bytes:
    """Decode canonical standard base64; raise ValueError for anything else."""
    try:
        data = base64.b64decode(text.encode("ascii"), validate=True)
    except (binascii.Error, UnicodeEncodeError) as error:
        raise ValueError(f"expected standard base64, got {text!r}") from error
    if encode_base64(data) != text:
        raise ValueError(f"expected canonical standard base64, got {text!r}")
    return data
