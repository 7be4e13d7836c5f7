"""Videos and images through the registry, on SQLite and PostgreSQL: register, match, prior art, the
index reloaded from the database, and bad files that store nothing."""

from __future__ import annotations

from pathlib import Path

import cv2
import pytest
from sqlmodel import select

from provenance.verify import verify_media
from registry.errors import (
    ConflictError,
    ForbiddenError,
    InvalidInputError,
    PayloadTooLargeError,
    UnknownWorkError,
    UnsupportedMediaError,
)
from registry.models import Manifest, Work, WorkParent, WorkVersion
from registry.service import ensure_party
from registry.registration.media import match_media, register_media
from registry.requests import RegistrationRequest
from registry.service import Registry

from ..conftest import SAMPLES
from ..fingerprint.video_media import Scene, TRANSFORMS, clip

REQUEST = RegistrationRequest(model="veo", model_version="3", datasets=("urn:footage:archive",))


def _log_size(registry: Registry) -> int:
    with registry.db.reading() as session:
        return registry.log.latest_checkpoint(session).size


def _works(registry: Registry) -> list[Work]:
    with registry.db.reading() as session:
        return list(session.exec(select(Work)))


def test_register_then_match_a_flipped_excerpt(registry, tmp_path):
    original = clip(tmp_path, "harbour.mp4", 31, 0.0, 12.0)
    result = register_media(registry, original, REQUEST)
    assert (result.kind, result.log_index, result.prior_art) == ("video", 0, ())
    assert result.receipt.startswith("c2sp.org/tlog-proof@v1")

    excerpt = clip(tmp_path, "excerpt.mp4", 31, 5.0, 4.0, fps=15.0, transform=TRANSFORMS["flip"])
    stages = []
    found = match_media(registry, excerpt, progress=lambda stage, share: stages.append(stage))
    assert [m.work_id for m in found] == [result.work_id]
    segment = found[0].segments[0]
    assert abs(segment["work_start"] - segment["query_start"] - 5.0) <= 1.0
    assert found[0].to_dict()["segments"] == list(found[0].segments)
    assert "fingerprint" in stages and "search" in stages


def test_a_re_encoded_copy_registered_later_reports_prior_art(registry, tmp_path):
    first = register_media(registry, clip(tmp_path, "a.mp4", 32, 0.0, 10.0), REQUEST)
    copy = clip(tmp_path, "b.mp4", 32, 2.0, 6.0, fps=24.0, transform=TRANSFORMS["logo"])
    second = register_media(registry, copy, REQUEST)
    assert [m.work_id for m in second.prior_art] == [first.work_id]


def test_the_index_is_rebuilt_from_the_database_on_open(settings, tmp_path):
    with_one = Registry.open(settings)
    try:
        work_id = register_media(with_one, clip(tmp_path, "a.mp4", 33, 0.0, 8.0), REQUEST).work_id
    finally:
        with_one.close()
    reopened = Registry.open(settings)
    try:
        assert len(reopened.video_index) == 1
        found = match_media(reopened, clip(tmp_path, "q.mp4", 33, 1.0, 4.0, fps=12.0))
        assert [m.work_id for m in found] == [work_id]
    finally:
        reopened.close()


def test_another_process_registration_is_seen_by_a_running_registry(settings, registry, tmp_path):
    other = Registry.open(settings)  # a second handle, as a CLI process beside the server
    try:
        work_id = register_media(other, clip(tmp_path, "a.mp4", 34, 0.0, 8.0), REQUEST).work_id
    finally:
        other.close()
    found = match_media(registry, clip(tmp_path, "q.mp4", 34, 2.0, 4.0))
    assert [m.work_id for m in found] == [work_id]


def test_an_image_registers_and_matches(registry, tmp_path):
    frame = Scene(35).frame(3.0, 640, 360)
    path = tmp_path / "still.png"
    cv2.imwrite(str(path), frame)
    result = register_media(registry, path, RegistrationRequest(model="imagen", kind="image"))
    assert result.kind == "image"
    query = tmp_path / "copy.jpg"
    cv2.imwrite(str(query), cv2.resize(frame, (320, 180)), [cv2.IMWRITE_JPEG_QUALITY, 50])
    assert [m.work_id for m in match_media(registry, query)] == [result.work_id]


def test_the_same_bytes_twice_is_a_conflict(registry, tmp_path):
    path = clip(tmp_path, "a.mp4", 36, 0.0, 5.0)
    first = register_media(registry, path, REQUEST)
    with pytest.raises(ConflictError) as caught:
        register_media(registry, path, REQUEST)
    assert caught.value.details["work_id"] == first.work_id


def _truncated(folder: Path) -> Path:
    data = clip(folder, "whole.mp4", 37, 0.0, 6.0).read_bytes()
    (folder / "cut.mp4").write_bytes(data[: len(data) // 3])
    return folder / "cut.mp4"


def _write(name: str, data: bytes):  # type: ignore[no-untyped-def]
    def make(folder: Path) -> Path:
        (folder / name).write_bytes(data)
        return folder / name
    return make


@pytest.mark.parametrize(
    ("make", "request_", "error", "words"),
    [
        (_truncated, REQUEST, InvalidInputError, "truncated"),
        (_write("fake.mp4", b"\x00\x00\x00\x18ftypisom" + b"\x00" * 4000), REQUEST, InvalidInputError, "cut.mp4|expected"),
        (_write("zero.mp4", b""), REQUEST, UnsupportedMediaError, "expected an article"),
        (_write("tool.exe", b"MZ\x90\x00" + b"\x00" * 100), REQUEST, UnsupportedMediaError, "another kind"),
        (lambda f: clip(f, "v.mp4", 38, 0.0, 2.0), RegistrationRequest(model="m", kind="image"),
         UnsupportedMediaError, "declared as image"),
        (lambda f: clip(f, "v.mp4", 38, 0.0, 2.0), RegistrationRequest(kind="video"), InvalidInputError, "model"),
        (lambda f: clip(f, "v.mp4", 38, 0.0, 2.0), RegistrationRequest(model="m", parents=("x",)),
         UnknownWorkError, "unknown parent work 'x'"),
        (lambda f: clip(f, "v.mp4", 38, 0.0, 2.0), RegistrationRequest(model="m", training_mining="constrained"),
         InvalidInputError, "constraint_info"),
    ],
    ids=["truncated", "header-only", "zero-length", "executable", "wrong-kind", "no-model", "unknown-parent",
         "training-policy"],
)
def test_bad_media_is_refused_and_stores_nothing(registry, tmp_path, make, request_, error, words):
    with pytest.raises(error, match=words):
        register_media(registry, make(tmp_path), request_)
    assert _log_size(registry) == 0
    assert _works(registry) == []


def test_over_the_size_limit_is_refused_before_decoding(settings, tmp_path):
    small = Registry.open(settings.model_copy(update={"max_video_bytes": 10_000}))
    try:
        with pytest.raises(PayloadTooLargeError, match="limit"):
            register_media(small, clip(tmp_path, "v.mp4", 39, 0.0, 3.0), REQUEST)
        assert _log_size(small) == 0
    finally:
        small.close()


def test_sample_media_register_with_the_samples(registry):
    from registry.samples import register_samples

    results = register_samples(registry, SAMPLES)
    kinds = sorted(r.kind for r in results.values() if r is not None and r.kind != "article")
    assert kinds == ["image", "video", "video"]


def _signed_copy(registry: Registry, work_id: str) -> tuple[Path, Manifest]:
    with registry.db.reading() as session:
        version = session.exec(select(WorkVersion).where(WorkVersion.work_id == work_id)).one()
        manifest = session.exec(select(Manifest).where(Manifest.version_id == version.id)).one()
    return registry.blobs.path_of(manifest.asset_sha256), manifest


def test_the_manifest_is_embedded_in_a_signed_copy(registry, tmp_path):
    original = clip(tmp_path, "a.mp4", 41, 0.0, 4.0)
    result = register_media(registry, original, REQUEST)
    signed, manifest = _signed_copy(registry, result.work_id)
    assert manifest.embedding == "embedded" and manifest.asset_size == signed.stat().st_size
    assert registry.blobs.path_of(result.sha256).read_bytes() == original.read_bytes()  # the upload, as received
    report = verify_media(signed, "video/mp4", trust_anchors_pem=registry.keys.trust_anchors_pem)
    assert report.state == "Trusted" and report.work_id == result.work_id
    assert report.time_source == "timestamp"  # the registry's own TSA stamped the signature
    assert report.implicit_label["ProduceID"] == result.work_id
    assert report.training_mining["entries"]["cawg.ai_training"] == {"use": "notAllowed"}
    assert registry.blobs.get(manifest.sha256)  # the manifest store is kept on its own as well
    assert not list(registry.blobs.root.glob(".tmp-*"))  # no scratch file left behind


def test_a_derivative_image_of_two_videos_records_its_history(registry, tmp_path):
    first = register_media(registry, clip(tmp_path, "a.mp4", 42, 0.0, 4.0), REQUEST)
    second = register_media(registry, clip(tmp_path, "b.mp4", 43, 0.0, 4.0),
                            RegistrationRequest(model="veo", parents=(first.work_id,)))
    frame = cv2.imencode(".png", Scene(44).frame(1.0, 320, 240))[1].tobytes()
    (tmp_path / "still.png").write_bytes(frame)
    still = register_media(registry, tmp_path / "still.png", RegistrationRequest(
        model="imagen", kind="image", parents=(second.work_id, first.work_id), edit_actions=("c2pa.cropped",)))
    with registry.db.reading() as session:
        edges = session.exec(select(WorkParent.parent_work_id, WorkParent.relationship).join(
            WorkVersion, WorkVersion.id == WorkParent.version_id).where(WorkVersion.work_id == still.work_id)).all()
    assert sorted(edges) == sorted([(second.work_id, "parentOf"), (first.work_id, "componentOf")])
    signed, _ = _signed_copy(registry, still.work_id)
    report = verify_media(signed, "image/png", trust_anchors_pem=registry.keys.trust_anchors_pem)
    assert report.state == "Trusted"
    assert [a["action"] for a in report.actions] == ["c2pa.opened", "c2pa.placed", "c2pa.cropped", "c2pa.edited"]
    parent = report.tree["ingredients"][0]["manifest"]
    assert parent["work_id"] == second.work_id and parent["ingredients"][0]["manifest"]["work_id"] == first.work_id


def test_another_registrants_work_cannot_be_a_parent(registry, tmp_path):
    theirs = register_media(registry, clip(tmp_path, "a.mp4", 45, 0.0, 4.0), REQUEST)
    with registry.db.writing() as session:
        ensure_party(session, "someone else")
    with pytest.raises(ForbiddenError, match="another registrant"):
        register_media(registry, clip(tmp_path, "b.mp4", 46, 0.0, 4.0),
                       RegistrationRequest(model="m", parents=(theirs.work_id,), registrant="someone else"))
    assert _log_size(registry) == 1
