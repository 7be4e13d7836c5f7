"""Segment ids of registered videos, on SQLite and PostgreSQL: the records and their Merkle tree,
the log statement's commitment, the manifest's soft-binding assertion, the listing and its proofs,
and segment ids in matches."""

from __future__ import annotations

import base64
import hashlib
import json
from pathlib import Path

import cv2
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlmodel import select

from fingerprint.video import VideoFingerprint
from provenance import _c2pa
from registry.errors import NotFoundError
from registry.models import LogEntry, WorkSegment
from registry.registration.media import match_media, register_media
from registry.requests import RegistrationRequest
from registry.segments import (
    SEGMENT_TYPE,
    SegmentRecord,
    parse_segment_id,
    segment_proofs,
    segments_root,
    verify_segment,
)
from registry.statement import RegistrationStatement
from registry.tlog.errors import ProofError
from registry.works import work_segments

from ..conftest import SAMPLES

REQUEST = RegistrationRequest(model="veo", model_version="3", datasets=("urn:footage:archive",))


def _records(count: int) -> list[SegmentRecord]:
    return [SegmentRecord("w-1", n, n * 10_000, (n + 1) * 10_000, hashlib.sha256(bytes([n])).hexdigest())
            for n in range(count)]


@settings(max_examples=40, deadline=None)
@given(st.integers(1, 40))
def test_every_segment_proves_into_the_root_and_no_other_leaf_does(count):
    records = _records(count)
    root = segments_root(records)
    for record, proof in zip(records, segment_proofs(records)):
        verify_segment(record.to_leaf(), record.number, count, proof, root)
        assert len(proof) <= max(1, count - 1).bit_length()  # a short proof: about log2(n) hashes
    forged = SegmentRecord("w-1", 0, 0, 10_000, "00" * 32)
    with pytest.raises(ProofError):
        verify_segment(forged.to_leaf(), 0, count, segment_proofs(records)[0], root)


def test_a_record_reads_back_from_its_leaf():
    record = _records(3)[2]
    leaf = record.to_leaf()
    assert json.loads(leaf)["type"] == SEGMENT_TYPE and json.loads(leaf)["id"] == "w-1/s/2"
    assert SegmentRecord.from_leaf(leaf) == SegmentRecord("w-1", 2, 20_000, 30_000, record.fingerprint_sha256)


@pytest.mark.parametrize("value", ["w-1", "w-1/s/", "w-1/s/x", "/s/3", "w-1/t/2"])
def test_a_malformed_segment_id_is_refused(value):
    with pytest.raises(ValueError, match="expected a segment id"):
        parse_segment_id(value)


def test_a_statement_without_segments_serialises_as_before():
    fields = dict(work_id="w1", version=1, kind="article", content_sha256="ab" * 32, manifest_sha256="cd" * 32,
                  fingerprint_sha256="ef" * 32, registrant_commitment="01" * 32, registered_at="2026-11-21T12:00:00Z")
    leaf = RegistrationStatement(**fields).to_leaf()
    assert b"segment" not in leaf  # leaves logged before segments existed stay byte for byte the same
    with_segments = RegistrationStatement(**fields, segments_root="aa" * 32, segment_count=3)
    assert RegistrationStatement.from_leaf(with_segments.to_leaf()) == with_segments


def two_shots(path: Path, first: float = 6.0, second: float = 8.0, fps: int = 10) -> Path:
    """Two steady shots of different textures, cut at `first` seconds (a little sensor noise)."""
    rng = np.random.default_rng(5)
    textures = [cv2.resize(rng.random((9, 16)) * 255, (320, 180), interpolation=cv2.INTER_CUBIC) for _ in range(2)]
    out = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"mp4v"), fps, (320, 180))
    for i in range(int((first + second) * fps)):
        texture = textures[0] if i < first * fps else textures[1]
        frame = np.clip(texture + rng.normal(0, 2, texture.shape), 0, 255).astype(np.uint8)
        out.write(cv2.cvtColor(frame, cv2.COLOR_GRAY2BGR))
    out.release()
    return path


def _statement(registry, log_index: int) -> RegistrationStatement:  # type: ignore[no-untyped-def]
    with registry.db.reading() as session:
        return RegistrationStatement.from_leaf(session.get(LogEntry, log_index).leaf)


def test_a_registered_video_is_cut_into_proven_segments(registry, tmp_path):
    video = two_shots(tmp_path / "two-shots.mp4")
    result = register_media(registry, video, REQUEST)
    listing = work_segments(registry, result.work_id)
    segments = listing["segments"]
    assert [s["id"] for s in segments] == [f"{result.work_id}/s/0", f"{result.work_id}/s/1"]
    assert segments[0]["start_ms"] == 0 and segments[-1]["end_ms"] >= 13_500
    assert abs(segments[1]["start"] - 6.0) <= 0.5  # the cut between the shots
    assert segments[0]["end_ms"] == segments[1]["start_ms"]

    statement = _statement(registry, result.log_index)
    assert (listing["segments_root"], listing["segment_count"]) == (statement.segments_root, 2)
    for s in segments:
        verify_segment(s["leaf"].encode(), s["number"], statement.segment_count,
                       [bytes.fromhex(h) for h in s["inclusion_proof"]], statement.segments_root)
        fingerprint = base64.b64decode(s["fingerprint"])
        assert hashlib.sha256(fingerprint).hexdigest() == s["fingerprint_sha256"]
        times = VideoFingerprint.from_bytes(fingerprint).times
        assert (times >= s["start"] - 1e-6).all() and (times < s["end"]).all()

    # the manifest in the signed copy: one soft-binding block per segment, its value those bytes
    signed = registry.blobs.path_of(_signed_sha(registry, result.work_id))
    store = _c2pa.read_asset(signed, "video/mp4", _c2pa.reader_settings(None))
    binding = _c2pa.assertion_data(_c2pa.active_manifest(store), "c2pa.soft-binding")
    assert binding["alg"] == "org.aigc-registry.video-dct64-v1"
    assert [b["scope"]["timespan"] for b in binding["blocks"]] == [
        {"start": s["start_ms"], "end": s["end_ms"]} for s in segments]
    assert [b["value"] for b in binding["blocks"]] == [s["fingerprint"] for s in segments]
    with registry.db.reading() as session:
        assert len(session.exec(select(WorkSegment)).all()) == 2


def _signed_sha(registry, work_id: str) -> str:  # type: ignore[no-untyped-def]
    from registry.models import Manifest, WorkVersion

    with registry.db.reading() as session:
        version = session.exec(select(WorkVersion).where(WorkVersion.work_id == work_id)).one()
        return session.exec(select(Manifest).where(Manifest.version_id == version.id)).one().asset_sha256


def test_a_match_names_the_segments_it_covers(registry, tmp_path):
    video = two_shots(tmp_path / "two-shots.mp4", first=6.0, second=12.0)
    work_id = register_media(registry, video, REQUEST).work_id
    # an excerpt of the second shot only, 8 s to 12 s of the work
    capture = cv2.VideoCapture(str(video))
    out = cv2.VideoWriter(str(tmp_path / "excerpt.mp4"), cv2.VideoWriter_fourcc(*"mp4v"), 10, (320, 180))
    for i in range(180):
        ok, frame = capture.read()
        if ok and 80 <= i < 120:
            out.write(frame)
    out.release()
    matches = match_media(registry, tmp_path / "excerpt.mp4")
    assert [m.work_id for m in matches] == [work_id]
    covered = {sid for matched in matches[0].segments for sid in matched["work_segments"]}
    assert covered == {f"{work_id}/s/1"}


def test_images_have_a_whole_picture_soft_binding_and_no_segments(registry):
    result = register_media(registry, SAMPLES / "media" / "market-street-still.jpg", REQUEST)
    with pytest.raises(NotFoundError, match="only videos have segments"):
        work_segments(registry, result.work_id)
    assert _statement(registry, result.log_index).segments_root is None
    store = _c2pa.read_asset(registry.blobs.path_of(_signed_sha(registry, result.work_id)), "image/jpeg",
                             _c2pa.reader_settings(None))
    binding = _c2pa.assertion_data(_c2pa.active_manifest(store), "c2pa.soft-binding")
    assert [b["scope"] for b in binding["blocks"]] == [{}]
    assert len(VideoFingerprint.from_bytes(base64.b64decode(binding["blocks"][0]["value"]))) == 1
