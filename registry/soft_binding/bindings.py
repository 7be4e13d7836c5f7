"""The registry's soft bindings: the ``c2pa.soft-binding`` assertion each manifest carries, and
the binding values read back for the Soft Binding Resolution API (`registry.soft_binding.resolution`).

Neither fingerprint is on the C2PA soft binding algorithm list, so each ``alg`` is a reverse-domain
name the registry documents (`soft_binding_alg`):

- ``org.aigc-registry.video-dct64-v1`` (videos and images): a block's value is the base64 of AVF2
  fingerprint bytes (`fingerprint.video.VideoFingerprint.to_bytes`): a video has one block per
  segment (`registry.segments`) with its timespan, an image one block, the whole fingerprint.
Every manifest also carries a second ``c2pa.soft-binding`` assertion, ``io.iscc.v0`` (on the list:
ISO 24138, the ISCC): one block, the work's ISCC-CODE (`fingerprint.iscc`, ``ISCC:K...``).

- ``org.aigc-registry.text-winnow-v2`` (articles): one block, the base64 of the text fingerprint's
  posted hashes (`fingerprint.text.index_hashes`: the hashes whose value is 0 modulo 4), sorted, as
  big-endian signed 64-bit integers. A long text keeps at most `MAX_TEXT_BINDING_HASHES` of them,
  again a sample by value (0 modulo 8, 16, ...), so the same passage keeps the same hashes in any
  text that holds it.

>>> import numpy as np
>>> from fingerprint.text import fingerprint_text
>>> fp = fingerprint_text("The council voted on Tuesday to close the old bridge for repairs. " * 3)
>>> binding = text_soft_binding(fp)
>>> binding.alg, len(binding.blocks)
('org.aigc-registry.text-winnow-v2', 1)
>>> bool(np.array_equal(text_binding_hashes(binding.blocks[0].value), text_binding_sample(fp)))
True
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Sequence

import numpy as np

from fingerprint.errors import FingerprintError
from fingerprint.iscc import ISCC_ALG, IsccCode
from fingerprint.text import ALGORITHM as TEXT_ALGORITHM
from fingerprint.text import TextFingerprint, index_hashes
from fingerprint.video import VideoFingerprint
from provenance.assertions import SoftBinding, SoftBindingBlock

from ..errors import BadQueryError
from ..segments import SegmentRecord, segment_fingerprint
from ..video_index import VIDEO_ALGORITHM

ALG_PREFIX = "org.aigc-registry."
MAX_TEXT_BINDING_HASHES = 1024
"""At most this many hashes in an article's binding value (8 KB, 11 KB of base64)."""
MAX_BINDING_VALUE_CHARS = 1 << 20
"""A binding value sent to the resolution API: at most this many base64 characters (768 KB of bytes:
an hour of video's whole fingerprint is about 170 KB)."""


def soft_binding_alg(algorithm: str) -> str:
    """The soft-binding ``alg`` of one of the registry's fingerprint algorithms: not on the C2PA
    soft binding algorithm list, so a reverse-domain name (``org.aigc-registry.<algorithm>``)."""
    return f"{ALG_PREFIX}{algorithm}"


VIDEO_ALG = soft_binding_alg(VIDEO_ALGORITHM)
TEXT_ALG = soft_binding_alg(TEXT_ALGORITHM)
SUPPORTED_ALGS = (VIDEO_ALG, TEXT_ALG, ISCC_ALG)


def _base64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def media_soft_binding(fingerprint: VideoFingerprint, records: Sequence[SegmentRecord]) -> SoftBinding:
    """The ``c2pa.soft-binding`` assertion of a video (a block per segment) or an image (one block)."""
    if records:
        blocks = tuple(SoftBindingBlock(_base64(segment_fingerprint(fingerprint, r).to_bytes()), r.start_ms, r.end_ms)
                       for r in records)
    else:
        blocks = (SoftBindingBlock(_base64(fingerprint.to_bytes())),)
    return SoftBinding(VIDEO_ALG, blocks,
                       name="aigc-registry video fingerprint (AVF2 bytes, base64), per segment" if records
                       else "aigc-registry image fingerprint (AVF2 bytes, base64)")


def iscc_soft_binding(code: IsccCode) -> SoftBinding:
    """The ``c2pa.soft-binding`` assertion naming a work's ISCC-CODE (alg ``io.iscc.v0``)."""
    return SoftBinding(ISCC_ALG, (SoftBindingBlock(code.code),), name="ISCC-CODE (ISO 24138)")


def text_binding_sample(fingerprint: TextFingerprint) -> np.ndarray:
    """The posted hashes an article's binding value holds: all of them, or a sparser sample by value."""
    hashes = index_hashes(fingerprint.distinct_hashes)
    modulus = 8
    while len(hashes) > MAX_TEXT_BINDING_HASHES:
        hashes = hashes[(hashes & (modulus - 1)) == 0]
        modulus *= 2
    return hashes


def text_soft_binding(fingerprint: TextFingerprint) -> SoftBinding:
    """The ``c2pa.soft-binding`` assertion of an article: one block, its posted hashes."""
    value = _base64(text_binding_sample(fingerprint).astype(">i8").tobytes())
    return SoftBinding(TEXT_ALG, (SoftBindingBlock(value),),
                       name="aigc-registry text fingerprint: posted winnowed hashes (big-endian int64, base64)")


def _decoded(value: str) -> bytes:
    if not isinstance(value, str) or not value.strip():
        raise BadQueryError("a soft binding value must be a non-empty base64 string")
    if len(value) > MAX_BINDING_VALUE_CHARS:
        raise BadQueryError(f"a soft binding value is at most {MAX_BINDING_VALUE_CHARS:,} base64 characters, "
                                f"got {len(value):,}")
    try:
        return base64.b64decode(value.strip(), validate=True)
    except (binascii.Error, ValueError) as e:
        raise BadQueryError(f"a soft binding value must be base64: {e}") from e


def text_binding_hashes(value: str) -> np.ndarray:
    """The hashes of an article binding value (sorted, distinct); BadQueryError for a bad one."""
    data = _decoded(value)
    if len(data) % 8:
        raise BadQueryError(f"a {TEXT_ALG} value holds 8-byte hashes: got {len(data)} bytes")
    return np.unique(np.frombuffer(data, dtype=">i8").astype(np.int64))


def video_binding_fingerprint(value: str) -> VideoFingerprint:
    """The AVF2 fingerprint of a video or image binding value; BadQueryError for a bad one."""
    try:
        fingerprint = VideoFingerprint.from_bytes(_decoded(value))
    except FingerprintError as e:
        raise BadQueryError(f"a {VIDEO_ALG} value must be AVF2 fingerprint bytes: {e}") from e
    if len(fingerprint) == 0:
        raise BadQueryError(f"a {VIDEO_ALG} value with no samples in it")
    return fingerprint
