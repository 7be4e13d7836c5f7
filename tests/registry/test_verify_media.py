"""Verifying videos and images through the registry: bad and foreign manifests, stripped copies,
formats C2PA cannot carry, receipts naming the registered upload."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlmodel import select

from provenance.keys import create_local_pki
from provenance.record import AIProvenance
from provenance.sign import ManifestSigner
from registry.models import Manifest
from registry.registration.media import register_media
from registry.requests import RegistrationRequest
from registry.verification import AUTHENTIC, INVALID, MODIFIED_COPY, TAMPERED, UNREGISTERED, verify_file

from ..conftest import SAMPLES

STILL = SAMPLES / "media" / "market-street-still.jpg"
REQUEST = RegistrationRequest(model="imagen", kind="image")


@pytest.fixture
def registered(registry):
    result = register_media(registry, STILL, REQUEST)
    with registry.db.reading() as session:
        row = session.exec(select(Manifest)).one()
    return result, registry.blobs.path_of(row.asset_sha256)


def _write(folder: Path, name: str, data: bytes) -> Path:
    (folder / name).write_bytes(data)
    return folder / name


def test_the_signed_copy_and_the_upload_are_authentic(registry, registered):
    result, signed = registered
    for path, copy in ((signed, "signed"), (STILL, "original")):
        report = verify_file(registry, path)
        assert report.verdict == AUTHENTIC, report.to_dict()
        assert report.registration["copy"] == copy and report.registration["work_id"] == result.work_id
        assert report.log["content_matches"]  # the receipt names the registered upload


@pytest.mark.parametrize(("spoil", "verdict"), [
    (lambda data: data[:3_000], (INVALID, TAMPERED)),  # cut inside the manifest
    (lambda data: data[:-3_000], (TAMPERED,)),  # cut inside the picture
    (lambda data: data[:-200] + bytes([data[-200] ^ 0xFF]) + data[-199:], (TAMPERED,)),  # one byte flipped
], ids=["truncated-manifest", "truncated-picture", "byte-flipped"])
def test_a_spoiled_signed_copy_is_never_authentic(registry, registered, tmp_path, spoil, verdict):
    _, signed = registered
    report = verify_file(registry, _write(tmp_path, "spoiled.jpg", spoil(signed.read_bytes())))
    assert report.verdict in verdict, report.to_dict()
    assert report.manifest is None or report.manifest.state == "Invalid"


def test_a_manifest_by_an_untrusted_key_is_invalid(registry, tmp_path):
    stranger = ManifestSigner(create_local_pki("stranger").signing_material())
    with open(STILL, "rb") as source, open(tmp_path / "theirs.jpg", "w+b") as dest:
        stranger.sign_media(source, "image/jpeg", AIProvenance("m", "1"), work_id="w-x", dest=dest)
    report = verify_file(registry, tmp_path / "theirs.jpg")
    assert report.manifest.state == "Invalid" and "signingCredential.untrusted" in report.manifest.status_codes
    assert report.verdict == INVALID


def test_a_stripped_copy_leads_to_the_original_manifest(registry, registered, tmp_path):
    import cv2

    result, _ = registered
    picture = cv2.imread(str(STILL))
    stripped = _write(tmp_path, "stripped.png", cv2.imencode(".png", cv2.flip(picture, 1))[1].tobytes())
    report = verify_file(registry, stripped)
    assert report.verdict == MODIFIED_COPY and report.manifest is None
    assert report.registration["work_id"] == result.work_id and report.registration["found_by"] == "fingerprint"
    assert report.registered_manifest.state == "Trusted" and report.registered_manifest.work_id == result.work_id


def test_a_format_c2pa_cannot_carry_is_looked_up_without_a_manifest(registry, tmp_path):
    # a (broken) WebM: no manifest is looked for, and the failed decoding is named, not raised
    webm = _write(tmp_path, "x.webm", b"\x1a\x45\xdf\xa3" + b"\x00" * 500)
    report = verify_file(registry, webm)
    assert report.manifest is None and report.registration is None
    assert [p for p in report.problems if "x.webm" in p and "fingerprint" in p] == report.problems != []
    assert report.verdict == INVALID


def test_an_operator_anchor_makes_a_partners_manifest_trusted(settings, tmp_path):
    from registry.service import Registry

    partner = create_local_pki("partner newsroom")
    (tmp_path / "anchors.pem").write_bytes(partner.trust_anchor_pem)
    with open(STILL, "rb") as source, open(tmp_path / "partner.jpg", "w+b") as dest:
        ManifestSigner(partner.signing_material()).sign_media(source, "image/jpeg", AIProvenance("m", "1"),
                                                              work_id="p-1", dest=dest)
    registry = Registry.open(settings.model_copy(update={"trust_anchors_path": tmp_path / "anchors.pem"}))
    try:
        report = verify_file(registry, tmp_path / "partner.jpg")
    finally:
        registry.close()
    assert report.manifest.state == "Trusted" and report.manifest.issuer == "partner newsroom"
    assert report.verdict == UNREGISTERED  # a trusted manifest, but not a registration of this registry
