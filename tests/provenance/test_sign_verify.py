"""Sign an article, verify it: Trusted only for our key over the exact bytes, never for anything else."""

from __future__ import annotations

import json
import multiprocessing
import threading

import pytest

from provenance.errors import InvalidArticleError, InvalidRecordError, ManifestError, ProvenanceError, SigningError
from provenance.keys import LocalPki
from provenance.record import AIProvenance
from provenance.sign import ManifestSigner
from provenance.verify import ManifestReport, read_manifest_record, verify_article

TEXT = "第一段：春天来了。\nThe second paragraph, in English.\n"
DATA = TEXT.encode("utf-8")
TRAINED = "http://cv.iptc.org/newscodes/digitalsourcetype/trainedAlgorithmicMedia"


@pytest.fixture(scope="module")
def sidecar(signer: ManifestSigner, record: AIProvenance) -> bytes:
    return signer.sign_article(TEXT, record, work_id="work-0001")


def test_trusted_with_the_registry_root(pki: LocalPki, sidecar: bytes, record: AIProvenance) -> None:
    report = verify_article(DATA, sidecar, trust_anchors_pem=pki.trust_anchor_pem)
    assert report.state == "Trusted" and report.trusted and not report.tampered
    assert report.status_codes == ("signingCredential.ocsp.skipped",)  # informational only
    assert report.signer == "aigc-registry-test C2PA Signer" and report.issuer == "aigc-registry-test"
    assert report.title == record.title and report.work_id == "work-0001" and report.record == record
    assert report.signed_at and report.signed_at.endswith("Z")
    assert report.ingredients == ()
    (created,) = report.actions
    assert created["action"] == "c2pa.created" and created["digitalSourceType"] == TRAINED
    assert created["softwareAgent"] == {"name": record.model_name, "version": record.model_version}
    manifest = report.manifest_json["manifests"][report.manifest_json["active_manifest"]]
    assert manifest["claim_generator_info"][0]["name"] == "aigc-registry"
    assert "thumbnail" not in manifest
    json.dumps(report.to_dict(), ensure_ascii=False)  # JSON-ready


def test_valid_but_untrusted_without_anchors(sidecar: bytes) -> None:
    report = verify_article(DATA, sidecar)
    assert report.state == "Valid" and not report.tampered
    assert "signingCredential.untrusted" in report.status_codes


def test_the_custom_assertion_round_trips_every_field(signer: ManifestSigner, pki: LocalPki) -> None:
    record = AIProvenance(
        model_name="文心一言", model_version="4.0 Turbo", model_provider="百度",
        dataset_sources=("https://example.org/数据集/新闻?year=2024", "s3://语料/part-1"),
        prompt_digest="sha256:" + "0f" * 32, editors=("王五", "Zoë Ærø"), title="标题：测试",
        extra={"temperature": 0.2, "注释": ["a", {"b": None}]},
    )
    sidecar = signer.sign_article("内容\n", record, work_id="作品-42")
    report = verify_article("内容\n".encode(), sidecar, trust_anchors_pem=pki.trust_anchor_pem)
    assert report.state == "Trusted" and report.record == record and report.work_id == "作品-42"
    assert read_manifest_record(sidecar, "内容\n".encode()) == record


def test_title_falls_back_to_the_work_id(signer: ManifestSigner) -> None:
    sidecar = signer.sign_article("x\n", AIProvenance("m", ""), work_id="w-untitled")
    report = verify_article(b"x\n", sidecar)
    assert report.title == "w-untitled"
    assert report.actions[0]["softwareAgent"] == {"name": "m"}  # no version when unknown


def test_claim_generator_is_recorded(signer: ManifestSigner) -> None:
    sidecar = signer.sign_article("x\n", AIProvenance("m", "1"), work_id="w", claim_generator="registry-cli/2.3")
    manifest = verify_article(b"x\n", sidecar).manifest_json
    info = manifest["manifests"][manifest["active_manifest"]]["claim_generator_info"][0]
    assert (info["name"], info["version"]) == ("registry-cli", "2.3")


TAMPERED_TEXTS = [
    # bytes received instead of the signed DATA
    pytest.param(DATA.replace("春".encode(), "夏".encode()), id="one-chinese-char-changed"),
    pytest.param(DATA.replace(b"English", b"english"), id="one-ascii-char-changed"),
    pytest.param(DATA + b" ", id="one-byte-appended"),
    pytest.param(DATA[:-1], id="final-newline-removed"),
    pytest.param(DATA.replace(b"\n", b"\r\n"), id="crlf-copy"),
    pytest.param(b"\xef\xbb\xbf" + DATA, id="bom-added"),
    pytest.param(b"", id="empty"),
]


@pytest.mark.parametrize("received", TAMPERED_TEXTS)
def test_tampered_text_is_never_trusted_or_valid(pki: LocalPki, sidecar: bytes, received: bytes) -> None:
    for anchors in (pki.trust_anchor_pem, None):
        report = verify_article(received, sidecar, trust_anchors_pem=anchors)
        assert report.tampered and report.state == "Invalid"
        assert "assertion.dataHash.mismatch" in report.status_codes


def test_a_manifest_for_another_text_does_not_fit(signer: ManifestSigner, record: AIProvenance, sidecar: bytes) -> None:
    other = signer.sign_article("another article\n", record, work_id="work-0002")
    report = verify_article(DATA, other)
    assert report.tampered and report.state == "Invalid"


def test_another_pki_is_not_trusted_by_our_anchor(other_pki: LocalPki, pki: LocalPki, record: AIProvenance) -> None:
    foreign = ManifestSigner(other_pki.signing_material()).sign_article(TEXT, record, work_id="work-0001")
    report = verify_article(DATA, foreign, trust_anchors_pem=pki.trust_anchor_pem)
    assert report.state == "Invalid" and not report.trusted and not report.tampered
    assert "signingCredential.untrusted" in report.status_codes
    assert report.manifest_json["validation_state"] == "Valid"  # c2pa's own word: intact, untrusted
    # its own root does trust it, and with no anchors it is merely Valid
    assert verify_article(DATA, foreign, trust_anchors_pem=other_pki.trust_anchor_pem).state == "Trusted"
    assert verify_article(DATA, foreign).state == "Valid"


def test_every_flipped_manifest_byte_is_caught_or_changes_nothing(pki: LocalPki, sidecar: bytes) -> None:
    """A flip is refused (ManifestError), reads Invalid, or lands in unsigned padding and leaves the
    report's claims untouched: it can never make the manifest say something else and stay Trusted."""
    good = verify_article(DATA, sidecar, trust_anchors_pem=pki.trust_anchor_pem)
    outcomes = {"unreadable": 0, "invalid": 0, "harmless": 0}
    for position in range(0, len(sidecar), 13):
        flipped = bytearray(sidecar)
        flipped[position] ^= 0x01
        try:
            report = verify_article(DATA, bytes(flipped), trust_anchors_pem=pki.trust_anchor_pem)
        except ManifestError:
            outcomes["unreadable"] += 1
            continue
        if report.state == "Invalid":
            outcomes["invalid"] += 1
            continue
        assert (report.record, report.work_id, report.actions, report.signer) == (
            good.record, good.work_id, good.actions, good.signer), f"byte {position}"
        outcomes["harmless"] += 1
    assert outcomes["unreadable"] and outcomes["invalid"], outcomes


GARBAGE = [
    pytest.param(b"", id="empty"),
    pytest.param(b"this is not a manifest" * 20, id="text"),
    pytest.param(b"\x89PNG\r\n\x1a\n" + bytes(200), id="png-bytes"),
    pytest.param(json.dumps({"manifests": {}}).encode(), id="json"),
]


@pytest.mark.parametrize("manifest", GARBAGE)
def test_garbage_manifest_raises_a_clear_manifest_error(manifest: bytes) -> None:
    with pytest.raises(ManifestError, match="manifest"):
        verify_article(DATA, manifest)


def test_truncated_manifest_raises_manifest_error(sidecar: bytes) -> None:
    with pytest.raises(ManifestError, match="not a readable C2PA manifest store"):
        verify_article(DATA, sidecar[: len(sidecar) // 2])


@pytest.mark.parametrize(
    "text",
    [
        pytest.param("no final newline", id="no-final-newline"),
        pytest.param("crlf\r\n", id="crlf"),
        pytest.param("Cafe\u0301\n", id="nfd"),
        pytest.param("", id="empty"),
        pytest.param("x\n\n", id="two-final-newlines"),
    ],
)
def test_only_canonical_text_is_signed(signer: ManifestSigner, text: str) -> None:
    with pytest.raises(InvalidArticleError, match="canonical"):
        signer.sign_article(text, AIProvenance("m", "1"), work_id="w")


@pytest.mark.parametrize(
    ("kwargs", "error"),
    [
        pytest.param({"work_id": ""}, InvalidRecordError, id="empty-work-id"),
        pytest.param({"work_id": "a\nb"}, InvalidRecordError, id="multiline-work-id"),
        pytest.param({"claim_generator": "/1.0"}, SigningError, id="claim-generator-without-name"),
        pytest.param({"record": {"model_name": "m"}}, InvalidRecordError, id="record-as-dict"),
    ],
)
def test_sign_arguments_are_checked(signer: ManifestSigner, kwargs: dict, error: type) -> None:
    arguments = {"record": AIProvenance("m", "1"), "work_id": "w", **kwargs}
    with pytest.raises(error):
        signer.sign_article("x\n", **arguments)


def test_bad_trust_anchors_are_refused_clearly(sidecar: bytes) -> None:
    with pytest.raises(ProvenanceError, match="trust_anchors_pem"):
        verify_article(DATA, sidecar, trust_anchors_pem=b"not a certificate")


def test_signer_is_thread_safe(signer: ManifestSigner, pki: LocalPki) -> None:
    results: dict[int, ManifestReport] = {}

    def sign_and_verify(i: int) -> None:
        text = f"article number {i}\n"
        manifest = signer.sign_article(text, AIProvenance("m", "1"), work_id=f"w-{i}")
        results[i] = verify_article(text.encode(), manifest, trust_anchors_pem=pki.trust_anchor_pem)

    threads = [threading.Thread(target=sign_and_verify, args=(i,)) for i in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(results) == list(range(8))
    assert {r.state for r in results.values()} == {"Trusted"}
    assert {r.work_id for r in results.values()} == {f"w-{i}" for i in range(8)}


def _sign_in_child(signer: ManifestSigner, queue: multiprocessing.Queue) -> None:  # type: ignore[type-arg]
    queue.put(signer.sign_article("from a child\n", AIProvenance("m", "1"), work_id="w-child"))


@pytest.mark.skipif("fork" not in multiprocessing.get_all_start_methods(), reason="needs fork")
def test_signer_made_before_fork_works_in_the_child(signer: ManifestSigner, pki: LocalPki) -> None:
    context = multiprocessing.get_context("fork")
    queue = context.Queue()
    child = context.Process(target=_sign_in_child, args=(signer, queue))
    child.start()
    manifest = queue.get(timeout=30)
    child.join(timeout=30)
    assert child.exitcode == 0
    assert verify_article(b"from a child\n", manifest, trust_anchors_pem=pki.trust_anchor_pem).state == "Trusted"
