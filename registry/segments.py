"""Segment ids of registered videos, the Merkle tree their log statement commits to, and the
soft-binding blocks their manifest carries (`registry.soft_binding.bindings`).

A video's fingerprint is cut into segments (`fingerprint.video.video_segments`: at scene changes,
at most 10 s each); segment ``n`` of work ``W`` is ``W/s/n`` (n from 0). Each segment has a
*record*, RFC 8785 canonical JSON::

    {"type": SEGMENT_TYPE, "id": "W/s/n", "start_ms": ..., "end_ms": ..., "fingerprint_sha256": ...}

where ``fingerprint_sha256`` is the SHA-256 of the segment's own fingerprint bytes (AVF2, its
samples only). The records, in order, are the leaves of an RFC 9162 Merkle tree; the registration
statement carries its root (``segments_root``) and size (``segment_count``). So the log's receipt
plus an inclusion proof of about log2(n) hashes shows one segment is part of the registered work,
without the rest of the video. The manifest's soft-binding assertion has one block per segment:
its timespan in milliseconds and, as the value, the base64 of those same fingerprint bytes (an
image: one block, the whole fingerprint, no timespan).

>>> import numpy as np
>>> from fingerprint.video import VideoFingerprint
>>> fp = VideoFingerprint(25.0, np.arange(0, 25, 0.5), np.zeros(50, np.uint64), np.zeros(50, np.uint64),
...                       np.zeros(50, np.uint32))
>>> segments = video_segment_records("w-1", fp)
>>> [(s.id, s.start_ms, s.end_ms) for s in segments]
[('w-1/s/0', 0, 10000), ('w-1/s/1', 10000, 20000), ('w-1/s/2', 20000, 25000)]
>>> root = segments_root(segments)
>>> verify_segment(segments[1].to_leaf(), 1, len(segments), segment_proofs(segments)[1], root)  # None: proven
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass

import rfc8785

from fingerprint.video import VideoFingerprint, video_segments

from .tlog.memory import MemoryNodes
from .tlog.merkle import inclusion_proof, leaf_hash, root_hash, verify_inclusion

SEGMENT_TYPE = "https://aigc-registry.dev/segment/v1"
SEGMENT_SEPARATOR = "/s/"


def segment_id(work_id: str, number: int) -> str:
    return f"{work_id}{SEGMENT_SEPARATOR}{number}"


def parse_segment_id(value: str) -> tuple[str, int]:
    """(work id, number) of ``W/s/n``; ValueError naming the expected form otherwise."""
    work_id, separator, number = value.rpartition(SEGMENT_SEPARATOR)
    if not separator or not work_id or not number.isdigit():
        raise ValueError(f"expected a segment id WORK_ID{SEGMENT_SEPARATOR}N, got {value!r}")
    return work_id, int(number)


@dataclass(frozen=True)
class SegmentRecord:
    """What the log commits to about one segment (`to_leaf`), plus where its samples are in the
    work's stored fingerprint (``first_sample``, ``sample_count``: storage only, not committed)."""

    work_id: str
    number: int
    start_ms: int
    end_ms: int
    fingerprint_sha256: str
    first_sample: int = 0
    sample_count: int = 0

    @property
    def id(self) -> str:
        return segment_id(self.work_id, self.number)

    def to_leaf(self) -> bytes:
        return rfc8785.dumps({"type": SEGMENT_TYPE, "id": self.id, "start_ms": self.start_ms,
                              "end_ms": self.end_ms, "fingerprint_sha256": self.fingerprint_sha256})

    @classmethod
    def from_leaf(cls, leaf: bytes) -> SegmentRecord:
        data = json.loads(leaf)
        if data.get("type") != SEGMENT_TYPE:
            raise ValueError(f"not a segment record: expected type {SEGMENT_TYPE}, got {data.get('type')!r}")
        work_id, number = parse_segment_id(data["id"])
        return cls(work_id, number, int(data["start_ms"]), int(data["end_ms"]), str(data["fingerprint_sha256"]))


def video_segment_records(work_id: str, fingerprint: VideoFingerprint) -> list[SegmentRecord]:
    """The segments of a video's fingerprint as records of work `work_id`."""
    return [SegmentRecord(work_id, s.number, s.start_ms, s.end_ms,
                          hashlib.sha256(s.fingerprint(fingerprint).to_bytes()).hexdigest(), s.first, s.stop - s.first)
            for s in video_segments(fingerprint)]


def segments_root(records: Sequence[SegmentRecord]) -> str:
    """Hex RFC 9162 root over the records' leaves, in order."""
    tree = MemoryNodes(record.to_leaf() for record in records)
    return root_hash(tree.size, tree.read_node).hex()


def segment_proofs(records: Sequence[SegmentRecord]) -> list[list[bytes]]:
    """Every segment's inclusion proof, the tree built once."""
    tree = MemoryNodes(record.to_leaf() for record in records)
    return [inclusion_proof(number, tree.size, tree.read_node) for number in range(tree.size)]


def verify_segment(leaf: bytes, number: int, count: int, proof: Sequence[bytes], root_hex: str) -> None:
    """Check that segment record `leaf` is leaf `number` of the `count`-leaf tree whose root the
    registration statement names; raises `registry.tlog.errors.ProofError` if it is not."""
    verify_inclusion(leaf_hash(leaf), number, count, proof, bytes.fromhex(root_hex))


def segment_fingerprint(fingerprint: VideoFingerprint, record: SegmentRecord) -> VideoFingerprint:
    return fingerprint.slice(record.first_sample, record.first_sample + record.sample_count)
