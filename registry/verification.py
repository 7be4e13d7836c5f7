"""Verify a file: its C2PA manifest, its registration, and its place in the transparency log.

Articles (:func:`verify_article_file`): the manifest is the sidecar given, or else the registry's
own copy for the registration the file leads to. Videos and images (:func:`verify_media_file`): the
manifest embedded in the file (or a sidecar given); when the file carries none (stripped, or a
re-encoded copy) the report adds ``registered_manifest``, the original's manifest verified over the
registry's signed copy. Either way the registration is found by sha256 (an exact copy: the upload
as registered, or the signed copy the registry serves) or, failing that, by fingerprint (an edited
or stripped copy still leads to its work). A receipt, given or made from the log, is checked
against a signed checkpoint: the proof, the checkpoint's signature and origin, and that the logged
statement names this content.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from sqlmodel import select

from fingerprint.errors import FingerprintError
from fingerprint.text import fingerprint_text
from provenance.article import canonicalise_article
from provenance.errors import NoManifestError, ProvenanceError
from provenance.sign import MEDIA_FORMATS
from provenance.verify import ManifestReport, verify_article, verify_media

from .errors import InvalidInputError, PayloadTooLargeError, RegistryError
from .accounts.access import RESTRICTED_NOTE, can_see
from .accounts.audit import record_audit
from .accounts.principal import OPERATOR, Principal
from .matching import find_text_matches
from .media import sha256_file, sniff_file
from .models import Manifest, Work, WorkVersion
from .service import Registry
from .statement import RegistrationStatement
from .tlog.errors import LogError
from .tlog.merkle import verify_consistency
from .tlog.receipt import Receipt, verify_receipt

# verdicts, most reassuring first
AUTHENTIC = "authentic"  # manifest valid over these bytes, registered, logged
TAMPERED = "tampered"  # a manifest exists for this work but the bytes differ from what it signs
MODIFIED_COPY = "modified-copy"  # no manifest over these bytes; the fingerprint leads to a registered work
INVALID = "invalid"  # manifest or receipt fails for another reason (wrong signer, forged proof...)
UNREGISTERED = "unregistered"  # nothing known about this content


#: Largest detached manifest store accepted (ours are a few KB; a deep edit history a few hundred KB).
MAX_MANIFEST_BYTES = 16 * 1024 * 1024


@dataclass
class VerificationResult:
    verdict: str
    sha256: str
    manifest_source: str | None = None  # "sidecar" | "registry" | "embedded" | None
    manifest: ManifestReport | None = None
    registered_manifest: ManifestReport | None = None  # media without its own manifest: the original's
    registration: dict | None = None
    log: dict | None = None
    problems: list[str] = field(default_factory=list)

    def to_dict(self) -> dict:
        return {
            "verdict": self.verdict,
            "sha256": self.sha256,
            "manifest_source": self.manifest_source,
            "manifest": self.manifest.to_dict() if self.manifest else None,
            "registered_manifest": self.registered_manifest.to_dict() if self.registered_manifest else None,
            "registration": self.registration,
            "log": self.log,
            "problems": self.problems,
        }


def verify_article_file(
    registry: Registry, raw: bytes, *, sidecar: bytes | None = None, receipt_text: str | None = None
) -> VerificationResult:
    if len(raw) > registry.settings.max_article_bytes:
        raise PayloadTooLargeError(f"article is {len(raw)} bytes, the limit is {registry.settings.max_article_bytes}")
    try:
        text = canonicalise_article(raw)
    except ProvenanceError as e:
        raise InvalidInputError(str(e)) from e
    content = text.encode("utf-8")
    sha256 = hashlib.sha256(content).hexdigest()
    result = VerificationResult(verdict=UNREGISTERED, sha256=sha256)

    with registry.db.reading() as session:
        found = session.exec(
            select(WorkVersion, Work).join(Work, Work.id == WorkVersion.work_id).where(WorkVersion.sha256 == sha256)  # type: ignore[arg-type]
        ).first()
        if found is not None:
            version, work = found
            result.registration = {"work_id": work.id, "title": work.title, "kind": work.kind,
                                   "found_by": "sha256", "log_index": version.log_index}
        else:
            try:
                matches = find_text_matches(session, fingerprint_text(text), limit=1)
            except FingerprintError:
                matches = []
            if matches:
                best = matches[0]
                version = session.exec(select(WorkVersion).where(WorkVersion.work_id == best.work_id)).first()
                result.registration = {"work_id": best.work_id, "title": best.title, "kind": best.kind,
                                       "found_by": "fingerprint", "score": round(best.score, 4),
                                       "log_index": version.log_index if version else None}
        registered_manifest = None
        if found is not None:
            row = session.exec(select(Manifest).where(Manifest.version_id == found[0].id)).first()
            registered_manifest = registry.blobs.get(row.sha256) if row else None

    manifest_bytes, result.manifest_source = (sidecar, "sidecar") if sidecar else (registered_manifest, "registry")
    if manifest_bytes is None:
        result.manifest_source = None
    else:
        try:
            result.manifest = verify_article(content, manifest_bytes, trust_anchors_pem=registry.keys.trust_anchors_pem)
        except ProvenanceError as e:
            result.problems.append(f"manifest unreadable: {e}")

    if receipt_text is not None:
        result.log = _check_receipt(registry, receipt_text, sha256, result.problems)
    elif found is not None:
        with registry.db.reading() as session:
            receipt = registry.log.receipt(session, found[0].log_index)
        result.log = _check_receipt(registry, receipt.to_text(), sha256, result.problems)

    result.verdict = _verdict(result)
    return result


def verify_file(
    registry: Registry, path: Path, *, sidecar: bytes | None = None, receipt_text: str | None = None,
    progress: Callable[[str, float], None] | None = None, principal: Principal = OPERATOR,
) -> VerificationResult:
    """Verify any file: an article or, judged by its bytes, a video or an image (``progress(stage,
    share)`` hears about a video's fingerprinting). A registration the caller may not see (another
    organisation's unpublished work) is reported only as restricted."""
    media = sniff_file(path)
    if media is None or media.kind == "article":
        size, limit = path.stat().st_size, registry.settings.max_article_bytes
        if size > limit:
            raise PayloadTooLargeError(f"{path.name}: text is {size:,} bytes, the limit is {limit:,} bytes")
        result = verify_article_file(registry, path.read_bytes(), sidecar=sidecar, receipt_text=receipt_text)
    else:
        result = verify_media_file(registry, path, sidecar=sidecar, receipt_text=receipt_text, progress=progress)
    return _restricted(registry, principal, result)


def _restricted(registry: Registry, principal: Principal, result: VerificationResult) -> VerificationResult:
    if result.registration is None or principal.kind == "operator":
        return result
    with registry.db.writing() as session:  # writing: the restricted hit is audited
        work = session.get(Work, result.registration["work_id"])
        if work is None or can_see(principal, work):
            return result
        work_id = work.id
        record_audit(session, principal, "restricted-verification", target=f"work:{work_id}")
    result.registration = {"work_id": work_id, "found_by": result.registration.get("found_by"), "restricted": True,
                           "note": f"{RESTRICTED_NOTE} {registry.settings.contact}"}
    result.registered_manifest = None
    return result


def verify_media_file(
    registry: Registry, path: Path, *, sidecar: bytes | None = None, receipt_text: str | None = None,
    progress: Callable[[str, float], None] | None = None,
) -> VerificationResult:
    """Verify a video or image file (any, ours or not): its manifest, its registration, its log entry."""
    from .registration.media import media_of

    media = media_of(registry, path)
    sha256 = sha256_file(path)
    result = VerificationResult(verdict=UNREGISTERED, sha256=sha256)
    anchors = registry.keys.trust_anchors_pem
    if media.media_type in MEDIA_FORMATS:  # formats C2PA binds; WebM and Matroska carry no manifest
        try:
            result.manifest = verify_media(path, media.media_type, manifest=sidecar, trust_anchors_pem=anchors)
            result.manifest_source = "sidecar" if sidecar else "embedded"
        except NoManifestError:
            pass
        except ProvenanceError as e:
            result.problems.append(f"manifest unreadable: {e}")

    with registry.db.reading() as session:
        version, manifest_row, result.registration = _media_registration(registry, session, path, media, sha256,
                                                                         result.problems, progress)
    if manifest_row is not None and (result.manifest is None or result.registration["found_by"] == "fingerprint"):
        result.registered_manifest = _registered_manifest(registry, version, manifest_row, result.problems)
    if manifest_row is not None and manifest_row.asset_sha256:
        result.registration["signed_sha256"] = manifest_row.asset_sha256
        result.registration["signed_url"] = f"/api/v1/works/{result.registration['work_id']}/signed"

    exact = result.registration is not None and result.registration["found_by"] == "sha256"
    if receipt_text is None and exact:
        with registry.db.reading() as session:
            receipt_text = registry.log.receipt(session, version.log_index).to_text()
    if receipt_text is not None:  # the log names the upload as registered, also for its signed copy
        result.log = _check_receipt(registry, receipt_text, version.sha256 if exact else sha256, result.problems)
    result.verdict = _verdict(result)
    return result


def _media_registration(registry: Registry, session, path: Path, media, sha256: str,  # type: ignore[no-untyped-def]
                        problems: list[str], progress: Callable[[str, float], None] | None = None,
                        ) -> tuple[WorkVersion | None, Manifest | None, dict | None]:
    """The registration a video or image leads to: by sha256 (the upload or the signed copy), else by
    fingerprint. Returns (version, manifest row, the report's registration entry), all None if none."""
    from .registration.media import pictures_of, to_work_matches  # registration.media imports this module's peers

    found = session.exec(
        select(WorkVersion, Work, Manifest).join(Work, Work.id == WorkVersion.work_id)  # type: ignore[arg-type]
        .join(Manifest, Manifest.version_id == WorkVersion.id)  # type: ignore[arg-type]
        .where((WorkVersion.sha256 == sha256) | (Manifest.asset_sha256 == sha256))
    ).first()
    if found is not None:
        version, work, row = found
        return version, row, {"work_id": work.id, "title": work.title, "kind": work.kind, "found_by": "sha256",
                              "copy": "signed" if row.asset_sha256 == sha256 else "original",
                              "log_index": version.log_index}
    try:
        pictures = pictures_of(registry, path, media, progress=progress)
    except InvalidInputError as e:  # undecodable: the manifest part of the report still stands
        problems.append(f"no fingerprint lookup: {e}")
        return None, None, None
    matches = to_work_matches(session, registry.video_index.search(session, pictures, limit=1))
    if not matches:
        return None, None, None
    best = matches[0]
    version, row = session.exec(
        select(WorkVersion, Manifest).join(Manifest, Manifest.version_id == WorkVersion.id)  # type: ignore[arg-type]
        .where(WorkVersion.work_id == best.work_id)
    ).one()
    return version, row, {"work_id": best.work_id, "title": best.title, "kind": best.kind, "found_by": "fingerprint",
                          "score": round(best.score, 4), "segments": list(best.segments),
                          "log_index": version.log_index}


_REPORTS: dict[str, ManifestReport] = {}  # by manifest sha256: what a registered manifest says never changes


def work_manifest_report(registry: Registry, work_id: str) -> tuple[ManifestReport | None, str | None]:
    """A registered work's own manifest, verified as any verifier would (its page shows it), or the
    reason it does not verify. The caller has checked the work is visible."""
    with registry.db.reading() as session:
        found = session.exec(select(WorkVersion, Manifest, Work).join(Manifest, Manifest.version_id == WorkVersion.id)  # type: ignore[arg-type]
                             .join(Work, Work.id == WorkVersion.work_id)  # type: ignore[arg-type]
                             .where(WorkVersion.work_id == work_id).order_by(WorkVersion.version.desc())).first()  # type: ignore[attr-defined]
    if found is None:
        return None, "no manifest is registered for this work"
    version, row, work = found
    cached = _REPORTS.get(row.sha256)
    if cached is not None:
        return cached, None
    problems: list[str] = []
    if work.kind == "article":
        try:
            report = verify_article(registry.blobs.get(version.sha256), registry.blobs.get(row.sha256),
                                    trust_anchors_pem=registry.keys.trust_anchors_pem)
        except (ProvenanceError, RegistryError) as e:
            return None, f"the registered manifest does not verify: {e}"
    else:
        report = _registered_manifest(registry, version, row, problems)
    if report is None:
        return None, problems[0] if problems else "the registered manifest does not verify"
    if len(_REPORTS) > 1024:
        _REPORTS.clear()
    _REPORTS[row.sha256] = report
    return report, None


def _registered_manifest(registry: Registry, version: WorkVersion, row: Manifest,
                         problems: list[str]) -> ManifestReport | None:
    """The registered work's own manifest, verified over the copy it binds (signed copy, or the
    original for a detached media manifest registered before embedding)."""
    try:
        if row.asset_sha256:
            return verify_media(registry.blobs.path_of(row.asset_sha256), version.media_type,
                                trust_anchors_pem=registry.keys.trust_anchors_pem)
        return verify_media(registry.blobs.path_of(version.sha256), version.media_type,
                            manifest=registry.blobs.get(row.sha256), trust_anchors_pem=registry.keys.trust_anchors_pem)
    except (ProvenanceError, RegistryError) as e:
        problems.append(f"the registered manifest does not verify: {e}")
        return None


def _check_receipt(registry: Registry, receipt_text: str, sha256: str, problems: list[str]) -> dict:
    """Check a receipt offline-style (signature, proof), then that it names this content and that its
    checkpoint is consistent with the log's newest one."""
    report: dict = {"receipt_verified": False}
    try:
        receipt = Receipt.from_text(receipt_text)
        report["index"] = receipt.index
        with registry.db.reading() as session:
            leaf = registry.log.entry(session, receipt.index).leaf
            latest = registry.log.latest_checkpoint(session)
            checkpoint = verify_receipt(receipt, leaf, registry.keys.log_verifier, origin=registry.settings.log_origin)
            report["checkpoint_size"] = checkpoint.size
            if latest is not None and latest.size > checkpoint.size:
                proof = registry.log.consistency(session, checkpoint.size, latest.size)
                verify_consistency(checkpoint.size, latest.size, checkpoint.root_hash, latest.root_hash, proof)
                report["consistent_with_size"] = latest.size
        statement = RegistrationStatement.from_leaf(leaf)
        report["work_id"] = statement.work_id
        report["registered_at"] = statement.registered_at
        if statement.content_sha256 != sha256:
            problems.append(
                f"receipt is for other content: the log entry names sha256 {statement.content_sha256}, "
                f"this file is {sha256}"
            )
            report["content_matches"] = False
        else:
            report["content_matches"] = True
        report["receipt_verified"] = True
    except (LogError, RegistryError, ValueError) as e:  # RegistryError: an index this log lacks
        problems.append(f"receipt check failed: {e}")
    return report


def _verdict(result: VerificationResult) -> str:
    manifest = result.manifest
    if manifest is not None and manifest.tampered:
        return TAMPERED
    log_ok = result.log is None or (result.log.get("receipt_verified") and result.log.get("content_matches"))
    if result.problems or (manifest is not None and manifest.state == "Invalid") or not log_ok:
        return INVALID
    exact = result.registration is not None and result.registration["found_by"] == "sha256"
    if exact and result.registration.get("copy") == "original":  # the upload as registered, no manifest inside
        manifest = result.registered_manifest
    if manifest is not None and manifest.state in ("Trusted", "Valid") and exact:
        return AUTHENTIC
    if result.registration is not None:
        return MODIFIED_COPY
    return UNREGISTERED
