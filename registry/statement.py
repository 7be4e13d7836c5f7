"""The registration statement: the leaf the transparency log commits to, as RFC 8785 canonical JSON.

It names the work and the digests of everything registered (content, manifest, fingerprint), and
the registrant only through a salted commitment, never in clear. A video's statement also commits
to its segments (`registry.segments`): ``segments_root``, the RFC 9162 root over its segment
records, and ``segment_count``. Both are left out of the leaf when absent (articles, images, and
videos registered before segments), so older leaves read and re-serialise byte for byte.

>>> s = RegistrationStatement(work_id="w1", version=1, kind="article", content_sha256="ab" * 32,
...     manifest_sha256="cd" * 32, fingerprint_sha256="ef" * 32, registrant_commitment="01" * 32,
...     registered_at="2026-11-21T12:00:00Z")
>>> RegistrationStatement.from_leaf(s.to_leaf()) == s
True
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass

import rfc8785

STATEMENT_TYPE = "https://aigc-registry.dev/registration/v1"


def registrant_commitment(party_id: str, salt_hex: str) -> str:
    """SHA-256(salt || party id): opens only with the salt the registry keeps."""
    return hashlib.sha256(bytes.fromhex(salt_hex) + party_id.encode()).hexdigest()


@dataclass(frozen=True)
class RegistrationStatement:
    work_id: str
    version: int
    kind: str
    content_sha256: str
    manifest_sha256: str
    fingerprint_sha256: str
    registrant_commitment: str
    registered_at: str
    segments_root: str | None = None  # hex RFC 9162 root over the video's segment records
    segment_count: int | None = None

    def to_leaf(self) -> bytes:
        fields = {name: value for name, value in asdict(self).items() if value is not None}
        return rfc8785.dumps({"type": STATEMENT_TYPE, **fields})

    @classmethod
    def from_leaf(cls, leaf: bytes) -> RegistrationStatement:
        data = json.loads(leaf)
        if data.pop("type", None) != STATEMENT_TYPE:
            raise ValueError(f"not a registration statement: expected type {STATEMENT_TYPE}")
        return cls(**data)
