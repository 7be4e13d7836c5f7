"""Embedded manifests for videos and images: signed through files, verified, chained to any depth."""

from __future__ import annotations

import dataclasses
import hashlib
import io
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec

from provenance.assertions import TrainingMining
from provenance.errors import ManifestError, NoManifestError, RemoteManifestError, SigningError
from provenance.keys import CallbackSigning, LocalPki, issue_signing_leaf
from provenance.record import AIProvenance, EditAction, ParentManifest
from provenance.sign import ManifestSigner
from provenance.verify import verify_media

MEDIA = Path(__file__).resolve().parents[2] / "samples" / "media"
VIDEO, OTHER_VIDEO, IMAGE = MEDIA / "harbour-drone-pass.mp4", MEDIA / "market-street-walk.mp4", MEDIA / "market-street-still.jpg"

Sign = Callable[..., tuple[Path, bytes]]


@pytest.fixture
def sign(tmp_path: Path, signer: ManifestSigner, record: AIProvenance) -> Sign:
    """``sign(source, media_type, work_id, parents=(), signer=None, record=None) -> (signed path, store)``."""

    def run(source: Path, media_type: str, work_id: str, parents=(), with_signer=None, with_record=None, **kwargs):
        dest = tmp_path / f"{work_id}{source.suffix}"
        with open(source, "rb") as src, open(dest, "w+b") as out:
            store = (with_signer or signer).sign_media(src, media_type, with_record or record, work_id=work_id,
                                                       dest=out, parents=parents, **kwargs)
        return dest, store

    return run


def parent_of(path: Path, store: bytes, work_id: str, media_type: str, original: Path) -> ParentManifest:
    return ParentManifest(work_id=work_id, title=f"title of {work_id}", manifest=store,
                          content_sha256=hashlib.sha256(original.read_bytes()).hexdigest(),
                          media_type=media_type, asset=path)


@pytest.mark.parametrize(("source", "media_type"), [
    pytest.param(VIDEO, "video/mp4", id="mp4"),
    pytest.param(IMAGE, "image/jpeg", id="jpeg"),
])
def test_an_embedded_manifest_reads_trusted(sign: Sign, pki: LocalPki, record: AIProvenance, source: Path,
                                            media_type: str) -> None:
    signed, store = sign(source, media_type, "w-1")
    assert signed.stat().st_size > source.stat().st_size  # the manifest went into the file
    report = verify_media(signed, media_type, trust_anchors_pem=pki.trust_anchor_pem)
    assert report.state == "Trusted" and report.record == record and report.work_id == "w-1"
    assert report.signer == "aigc-registry-test C2PA Signer" and report.issuer == "aigc-registry-test"
    assert report.implicit_label["Label"] == "1" and report.implicit_label["ProduceID"] == "w-1"
    assert report.training_mining == {"entries": {use: {"use": "notAllowed"} for use in (
        "cawg.ai_inference", "cawg.ai_generative_training", "cawg.ai_training", "cawg.data_mining")}}
    # the store returned is the one embedded: read detached over the signed file it says the same
    assert verify_media(signed, media_type, manifest=store, trust_anchors_pem=pki.trust_anchor_pem).state == "Trusted"


def test_without_anchors_it_is_valid_and_with_foreign_anchors_invalid(sign: Sign, other_pki: LocalPki) -> None:
    signed, _ = sign(IMAGE, "image/jpeg", "w-2")
    assert verify_media(signed, "image/jpeg").state == "Valid"
    foreign = verify_media(signed, "image/jpeg", trust_anchors_pem=other_pki.trust_anchor_pem)
    assert foreign.state == "Invalid" and "signingCredential.untrusted" in foreign.status_codes


def test_edits_to_the_signed_file_are_tampering(sign: Sign, pki: LocalPki, tmp_path: Path) -> None:
    signed, _ = sign(VIDEO, "video/mp4", "w-3")
    data = bytearray(signed.read_bytes())
    data[-5000] ^= 0xFF  # a byte of the media data, far from the manifest
    altered = tmp_path / "altered.mp4"
    altered.write_bytes(bytes(data))
    report = verify_media(altered, "video/mp4", trust_anchors_pem=pki.trust_anchor_pem)
    assert report.state == "Invalid" and report.tampered


def test_a_truncated_or_garbage_store_is_a_clear_error(sign: Sign, tmp_path: Path) -> None:
    signed, store = sign(IMAGE, "image/jpeg", "w-4")
    with pytest.raises(ManifestError):
        verify_media(IMAGE, "image/jpeg", manifest=store[: len(store) // 2])
    with pytest.raises(NoManifestError):
        verify_media(IMAGE, "image/jpeg")  # never signed
    for size in (3_000, 20_000, signed.stat().st_size - 10):  # cut inside the manifest, the picture, the end
        cut = tmp_path / f"cut-{size}.jpg"
        cut.write_bytes(signed.read_bytes()[:size])
        assert_refused(cut, "image/jpeg")


def assert_refused(path: Path, media_type: str, anchors: bytes | None = None) -> None:
    """A clear answer: unreadable (ManifestError, NoManifestError included) or Invalid, never Trusted."""
    try:
        report = verify_media(path, media_type, trust_anchors_pem=anchors)
    except ManifestError:
        return
    assert report.state == "Invalid", (path.name, report.status_codes)


def test_forged_claims_do_not_verify(sign: Sign, pki: LocalPki, tmp_path: Path) -> None:
    signed, _ = sign(IMAGE, "image/jpeg", "w-5")
    data = signed.read_bytes()
    forged = tmp_path / "forged.jpg"
    assert data.count(b"w-5") >= 1
    forged.write_bytes(data.replace(b"w-5", b"w-6"))  # rewrite the work id inside the signed assertions
    assert_refused(forged, "image/jpeg", pki.trust_anchor_pem)


def test_a_media_chain_three_deep_is_a_tree(sign: Sign, pki: LocalPki, record: AIProvenance) -> None:
    first, first_store = sign(VIDEO, "video/mp4", "gen-1")
    second, second_store = sign(OTHER_VIDEO, "video/mp4", "gen-2",
                                parents=[parent_of(first, first_store, "gen-1", "video/mp4", VIDEO)])
    still, _ = sign(IMAGE, "image/jpeg", "gen-3", parents=[
        parent_of(second, second_store, "gen-2", "video/mp4", OTHER_VIDEO),
        parent_of(first, first_store, "gen-1", "video/mp4", VIDEO)])
    report = verify_media(still, "image/jpeg", trust_anchors_pem=pki.trust_anchor_pem)
    assert report.state == "Trusted"
    assert [a["action"] for a in report.actions] == ["c2pa.opened", "c2pa.placed", "c2pa.edited"]
    tree = report.tree
    assert tree["work_id"] == "gen-3" and tree["format"] == "image/jpeg"
    opened, placed = tree["ingredients"]
    assert (opened["relationship"], placed["relationship"]) == ("parentOf", "componentOf")
    assert opened["validated"] and "ingredient.manifest.validated" in opened["status_codes"]
    assert opened["manifest"]["work_id"] == "gen-2"
    grandparent = opened["manifest"]["ingredients"][0]
    assert grandparent["relationship"] == "parentOf" and grandparent["manifest"]["work_id"] == "gen-1"
    assert grandparent["manifest"]["ingredients"] == []
    assert placed["manifest"]["work_id"] == "gen-1"


def test_an_altered_parent_file_is_refused(sign: Sign, tmp_path: Path) -> None:
    parent, store = sign(IMAGE, "image/jpeg", "p-1")
    data = bytearray(parent.read_bytes())
    data[-100] ^= 0xFF
    spoiled = tmp_path / "spoiled.jpg"
    spoiled.write_bytes(bytes(data))
    with pytest.raises(SigningError, match="fails validation"):
        sign(VIDEO, "video/mp4", "c-1", parents=[parent_of(spoiled, store, "p-1", "image/jpeg", IMAGE)])


def test_an_untrusted_parent_is_refused_by_a_strict_signer(sign: Sign, pki: LocalPki, other_pki: LocalPki) -> None:
    theirs = ManifestSigner(other_pki.signing_material())
    parent, store = sign(IMAGE, "image/jpeg", "theirs", with_signer=theirs)
    strict = ManifestSigner(pki.signing_material(), trust_anchors_pem=pki.trust_anchor_pem)
    with pytest.raises(SigningError, match="signingCredential.untrusted"):
        sign(VIDEO, "video/mp4", "mine", parents=[parent_of(parent, store, "theirs", "image/jpeg", IMAGE)],
             with_signer=strict)


def test_a_file_of_another_format_is_refused(sign: Sign) -> None:
    with pytest.raises(SigningError):
        sign(IMAGE, "video/mp4", "w-7")  # a JPEG claimed to be an MP4
    with pytest.raises(SigningError, match="expected one of"):
        sign(IMAGE, "image/gif", "w-8")


def test_record_fields_become_actions_and_assertions(sign: Sign, pki: LocalPki, record: AIProvenance) -> None:
    edited = dataclasses.replace(record, edit_actions=(EditAction("c2pa.cropped", editor="李四"),),
                                 generation_parameters={"seed": 7, "steps": 30},
                                 dataset_sources=("https://example.org/set CC-BY-4.0",))
    policy = TrainingMining({"cawg.ai_inference": "allowed", "cawg.ai_training": "constrained"}, "mail rights@example.org")
    signed, _ = sign(IMAGE, "image/jpeg", "w-9", with_record=edited, training_mining=policy)
    report = verify_media(signed, "image/jpeg", trust_anchors_pem=pki.trust_anchor_pem)
    assert report.record == edited and report.record.dataset_sources[0].licence == "CC-BY-4.0"
    assert [a["action"] for a in report.actions] == ["c2pa.created", "c2pa.cropped"]
    assert report.actions[1]["parameters"] == {"editor": "李四"}
    assert report.training_mining["entries"]["cawg.ai_training"] == {
        "use": "constrained", "constraint_info": "mail rights@example.org"}


def test_a_callback_signer_signs_like_a_key(sign: Sign, pki: LocalPki) -> None:
    key = serialization.load_pem_private_key(pki.leaf_key_pem, password=None)
    calls: list[int] = []

    def hsm(data: bytes) -> bytes:  # stands in for a KMS: the key never reaches c2pa
        calls.append(len(data))
        return key.sign(data, ec.ECDSA(hashes.SHA256()))  # type: ignore[union-attr, call-arg]

    signer = ManifestSigner(CallbackSigning(chain_pem=pki.signing_material().chain_pem, sign=hsm))
    signed, _ = sign(IMAGE, "image/jpeg", "w-10", with_signer=signer)
    assert calls and verify_media(signed, "image/jpeg", trust_anchors_pem=pki.trust_anchor_pem).state == "Trusted"


def test_a_failing_callback_is_a_signing_error(pki: LocalPki) -> None:
    def broken(data: bytes) -> bytes:
        raise RuntimeError("HSM offline")

    with pytest.raises(SigningError):
        ManifestSigner(CallbackSigning(chain_pem=pki.signing_material().chain_pem, sign=broken))


def test_after_rotation_old_and_new_manifests_verify(sign: Sign, pki: LocalPki) -> None:
    old, _ = sign(IMAGE, "image/jpeg", "before")
    chain, key = issue_signing_leaf("aigc-registry-test", pki.intermediate_cert_pem, pki.intermediate_key_pem)
    from provenance.keys import SigningMaterial
    rotated = ManifestSigner(SigningMaterial(chain_pem=chain, key_pem=key))
    new, _ = sign(IMAGE, "image/jpeg", "after", with_signer=rotated)
    for path in (old, new):
        assert verify_media(path, "image/jpeg", trust_anchors_pem=pki.trust_anchor_pem).state == "Trusted"
    serials = {verify_media(p, "image/jpeg").manifest_json["manifests"][
        verify_media(p, "image/jpeg").manifest_json["active_manifest"]]["signature_info"]["cert_serial_number"]
        for p in (old, new)}
    assert len(serials) == 2


def test_streams_work_as_well_as_paths(sign: Sign, pki: LocalPki) -> None:
    signed, _ = sign(IMAGE, "image/jpeg", "w-11")
    report = verify_media(io.BytesIO(signed.read_bytes()), "image/jpeg", trust_anchors_pem=pki.trust_anchor_pem)
    assert report.state == "Trusted"
    shutil.rmtree(signed.parent, ignore_errors=True)


def test_a_remote_manifest_is_never_fetched(tmp_path: Path, pki: LocalPki, record: AIProvenance) -> None:
    import http.server
    import threading

    import c2pa

    from provenance import _c2pa
    from provenance.manifest import manifest_definition

    hits: list[str] = []

    class Recorder(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802
            hits.append(self.path)
            self.send_response(404)
            self.end_headers()

        def log_message(self, *args: object) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Recorder)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    url = f"http://127.0.0.1:{server.server_address[1]}/manifest.c2pa"
    material = pki.signing_material()
    signer = c2pa.Signer.from_info(c2pa.C2paSignerInfo(b"es256", material.chain_pem, material.key_pem, None))
    definition = manifest_definition(record, work_id="remote", media_type="image/jpeg")
    pointing = tmp_path / "pointing.jpg"
    with c2pa.Context.from_dict(_c2pa.builder_settings()) as context, c2pa.Builder(definition, context=context) as b:
        b.set_no_embed()
        b.set_remote_url(url)  # the file gets only a reference to the manifest (in its XMP)
        with open(IMAGE, "rb") as source, open(pointing, "w+b") as dest:
            b.sign(signer, "image/jpeg", source, dest)
    try:
        with pytest.raises(RemoteManifestError, match="never fetched"):
            verify_media(pointing, "image/jpeg", trust_anchors_pem=pki.trust_anchor_pem)
    finally:
        server.shutdown()
    assert hits == []
