"""The registry's real manifests read by an independent C2PA implementation: `@trustnxt/c2pa-ts`, pure
TypeScript, run by `interop/c2pa-ts/read-manifests.mjs` (see its README). A registry in a temporary folder
signs an article, a derived article, a JPEG, a PNG and an MP4; c2pa-ts must find each manifest store,
name the active manifest the registry recorded, see the registry's assertions and validate it, apart
from the reader limitations the script allow-lists by name. A signed JPEG with one byte of its claim
signature flipped must read invalid.

Needs Node.js and `interop/c2pa-ts/install.sh` (npm ci); without them these tests skip, except in CI
(CI set), where they fail: `.ci/run` runs the install script.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import cv2
import pytest
from sqlmodel import select

ROOT = Path(__file__).resolve().parents[2]
INTEROP = ROOT / "interop" / "c2pa-ts"
SCRIPT = INTEROP / "read-manifests.mjs"
SAMPLES = ROOT / "samples"
NODE_TIMEOUT_SECONDS = 60

# the reader's limitations named by the script's allow-list (docs/research/c2pa-ts-reader.md)
SIGTST2 = "c2pa-ts-0.9.4-sigTst2"  # a v2 RFC 3161 token read as a whole TimeStampResp (fixed in 0.14.0)
NO_MP4 = "c2pa-ts-0.9.4-no-mp4"  # BMFF limited to HEIC/HEIF brands (MP4 added in 0.12.0)
# every manifest the registry signs carries these (c2pa-python's own reading adds the rest per asset)
REGISTRY_ASSERTIONS = ("c2pa.actions.v2", "c2pa.soft-binding", "cawg.training-mining",
                       "org.aigc-registry.gb45438", "org.aigc-registry.ai-generation")


@dataclass(frozen=True)
class Case:
    file: str
    hard_binding: str
    limitations: frozenset[str]  # the reader limitations this asset may show, and no other
    extra_assertions: tuple[str, ...] = ()


CASES = [
    # the canonical text, checked against its sidecar article.c2pa (c2pa-ts has no detached API: the script's
    # DetachedAsset hashes the whole file)
    pytest.param(Case("article.txt", "c2pa.hash.data", frozenset({SIGTST2})), id="article"),
    # a derivative: a store of two manifests, the parent's first, with a parentOf ingredient
    pytest.param(Case("derived.txt", "c2pa.hash.data", frozenset({SIGTST2}), ("c2pa.ingredient.v3",)),
                 id="derived-article"),
    pytest.param(Case("image.jpg", "c2pa.hash.data", frozenset({SIGTST2})), id="jpeg"),
    pytest.param(Case("image.png", "c2pa.hash.data", frozenset({SIGTST2})), id="png"),
    pytest.param(Case("video.mp4", "c2pa.hash.bmff.v3", frozenset({SIGTST2, NO_MP4})), id="mp4"),
]
TAMPERED = "tampered.jpg"


@dataclass(frozen=True)
class Signed:
    """What the registry recorded for one asset, and what its own reader (c2pa-python) saw in it."""

    label: str
    parent_labels: tuple[str, ...]
    assertions: tuple[str, ...]


@pytest.fixture(scope="module")
def c2pa_ts() -> Path:
    """The script, once Node and the pinned node_modules are there."""
    node = shutil.which("node")
    installed = INTEROP / "node_modules" / "@trustnxt" / "c2pa-ts" / "package.json"
    problem = ("Node.js is not installed" if node is None else
               None if installed.is_file() else f"{installed.relative_to(ROOT)} is missing")
    if problem:
        if os.environ.get("CI"):
            pytest.fail(f"CI needs the c2pa-ts interop check: {problem} (.ci/run runs interop/c2pa-ts/install.sh)")
        pytest.skip(f"{problem}: run interop/c2pa-ts/install.sh")
    return SCRIPT


def _recorded_label(registry, work_id: str) -> str:  # type: ignore[no-untyped-def]
    from registry.models import Manifest, WorkVersion

    with registry.db.reading() as session:
        label = session.exec(select(Manifest.label).join(WorkVersion, WorkVersion.id == Manifest.version_id)
                             .where(WorkVersion.work_id == work_id)).one()
    assert label, f"the registry recorded no manifest label for {work_id}"
    return label


def _own_assertions(report) -> tuple[str, ...]:  # type: ignore[no-untyped-def]
    manifests = report.manifest_json
    return tuple(a["label"] for a in manifests["manifests"][manifests["active_manifest"]]["assertions"])


def _flip_claim_signature_byte(signed: bytes, store: bytes) -> bytes:
    """`signed` with one byte of its active manifest's claim signature flipped. The c2pa.signature box
    ends the store; its COSE_Sign1 (RFC 9052 §4.2) ends with the ES256 signature, bstr(64): 0x58 0x40 + r||s."""
    tail = store[-66:]
    assert tail[:2] == b"\x58\x40", f"expected the store to end with a 64-byte COSE signature, got {tail[:2].hex()}"
    assert signed.count(tail) == 1, "expected the store's signature once in the signed file"
    at = signed.index(tail) + 2 + 31
    return signed[:at] + bytes([signed[at] ^ 0x01]) + signed[at + 1:]


@pytest.fixture(scope="module")
def signed_assets(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, dict[str, Signed]]]:
    """The assets a fresh registry signs, written to a folder: (folder, file name -> what it recorded)."""
    from provenance.verify import TRUSTED, verify_article, verify_media
    from registry.registration.article import register_article
    from registry.registration.media import register_media
    from registry.requests import RegistrationRequest
    from registry.service import Registry
    from registry.settings import Settings
    from registry.works import work_content, work_manifest, work_signed_copy

    folder = tmp_path_factory.mktemp("c2pa-ts")
    registry = Registry.open(Settings(data_dir=folder / "data", load_samples=False))
    anchors = registry.keys.trust_anchors_pem
    recorded: dict[str, Signed] = {}
    try:
        def article(name: str, text: bytes, request: RegistrationRequest, parents: tuple[str, ...] = ()) -> str:
            work_id = register_article(registry, text, request).work_id
            content, manifest = work_content(registry, work_id)[0].read_bytes(), work_manifest(registry, work_id)
            (folder / f"{name}.txt").write_bytes(content)
            (folder / f"{name}.c2pa").write_bytes(manifest)
            report = verify_article(content, manifest, trust_anchors_pem=anchors)
            assert report.state == TRUSTED, report.status_codes
            recorded[f"{name}.txt"] = Signed(_recorded_label(registry, work_id), parents, _own_assertions(report))
            return work_id

        def media(name: str, source: Path, kind: str) -> str:
            work_id = register_media(registry, source, RegistrationRequest(model="imagen", kind=kind)).work_id
            copy, media_type, _ = work_signed_copy(registry, work_id)
            shutil.copyfile(copy, folder / name)
            report = verify_media(folder / name, media_type, trust_anchors_pem=anchors)
            assert report.state == TRUSTED, report.status_codes
            recorded[name] = Signed(_recorded_label(registry, work_id), (), _own_assertions(report))
            return work_id

        text = (SAMPLES / "articles" / "calder-valley-storm.txt").read_bytes()
        parent = article("article", text, RegistrationRequest(model="qwen", model_version="2.5"))
        article("derived", text + "\nUpdated with the council's statement.\n".encode(),
                RegistrationRequest(model="qwen", parents=(parent,)), parents=(recorded["article.txt"].label,))
        jpeg = media("image.jpg", SAMPLES / "media" / "market-street-still.jpg", "image")
        png_source = folder / "source.png"
        cv2.imwrite(str(png_source), cv2.imread(str(SAMPLES / "media" / "market-street-still.jpg")))
        media("image.png", png_source, "image")
        media("video.mp4", SAMPLES / "media" / "harbour-drone-pass.mp4", "video")
        (folder / TAMPERED).write_bytes(
            _flip_claim_signature_byte((folder / "image.jpg").read_bytes(), work_manifest(registry, jpeg)))
    finally:
        registry.close()
    yield folder, recorded


def _run(script: Path, folder: Path, files: list[str]) -> tuple[int, dict[str, dict]]:
    done = subprocess.run(["node", str(script), *files], cwd=folder, capture_output=True, text=True,
                          timeout=NODE_TIMEOUT_SECONDS, check=False)
    lines = [json.loads(line) for line in done.stdout.splitlines() if line.strip()]
    assert len(lines) == len(files), f"expected {len(files)} lines, got:\n{done.stdout}\n{done.stderr}"
    return done.returncode, {line["file"]: line for line in lines}


@pytest.fixture(scope="module")
def read_back(c2pa_ts: Path, signed_assets: tuple[Path, dict[str, Signed]]) -> tuple[int, dict[str, dict]]:
    """c2pa-ts's exit code and its line per asset, for every good asset in one run."""
    folder, recorded = signed_assets
    return _run(c2pa_ts, folder, sorted(recorded))


def _pinned_version() -> str:
    return json.loads((INTEROP / "package.json").read_text(encoding="utf-8"))["dependencies"]["@trustnxt/c2pa-ts"]


@pytest.mark.parametrize("case", CASES)
def test_c2pa_ts_validates_the_registrys_manifest(case: Case, read_back, signed_assets) -> None:
    _folder, recorded = signed_assets
    line, signed = read_back[1][case.file], recorded[case.file]
    assert line["reader"] == f"@trustnxt/c2pa-ts@{_pinned_version()}"
    assert line["manifest_store"], line
    assert line["active_manifest"] == signed.label
    assert line["manifests"] == [*signed.parent_labels, signed.label]
    unexpected = {limit["id"] for limit in line["reader_limitations"]} - case.limitations
    assert not unexpected, f"reader limitations not allowed for {case.file}: {unexpected}"
    assert all(limit["shim_applied"] for limit in line["reader_limitations"]), line["reader_limitations"]
    assert line["failures"] == [] and line["valid"] and line["ok"], line["problems"]
    assert "claimSignature.validated" in line["status_codes"]
    seen = set(line["assertions"])
    wanted = {*REGISTRY_ASSERTIONS, *signed.assertions, case.hard_binding, *case.extra_assertions}
    assert wanted <= seen, f"c2pa-ts did not see {sorted(wanted - seen)}"


def test_every_good_asset_passes_so_the_script_exits_zero(read_back) -> None:
    code, lines = read_back
    assert code == 0, {name: line["problems"] for name, line in lines.items() if not line["ok"]}


def test_a_flipped_claim_signature_byte_reads_invalid(c2pa_ts: Path, signed_assets) -> None:
    folder, _recorded = signed_assets
    code, lines = _run(c2pa_ts, folder, [TAMPERED])
    line = lines[TAMPERED]
    assert code == 1
    assert line["manifest_store"] and not line["valid"] and not line["ok"]
    assert "claimSignature.mismatch" in {failure["code"] for failure in line["failures"]}, line["failures"]
