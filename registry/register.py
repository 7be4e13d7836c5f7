"""Register a work, all or nothing.

The steps, in order: canonical bytes -> sha256 -> fingerprint -> prior-art check -> signed C2PA
manifest -> blobs -> the log's sequencer, which writes the rows and the log leaf in one transaction
(in a savepoint of a batch) and signs a checkpoint for the batch -> the receipt. Everything before
the sequencer only computes or writes content-addressed blobs; if any step fails nothing commits, so
no row, no log entry and no checkpoint exist for the work (an orphan blob may stay; nothing
references it).
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import datetime, timezone

from sqlalchemy import insert
from sqlalchemy.exc import IntegrityError as SqlIntegrityError
from sqlmodel import Session, select

from fingerprint.errors import FingerprintError
from fingerprint.text import ALGORITHM as TEXT_ALGORITHM
from fingerprint.text import TextFingerprint, fingerprint_text
from provenance.article import canonicalise_article
from provenance.assertions import TrainingMining
from provenance.errors import ProvenanceError
from provenance.record import AIProvenance, ParentManifest, prompt_digest_of

from .errors import ConflictError, ForbiddenError, InvalidInputError, PayloadTooLargeError, UnknownWorkError
from .ids import new_id
from .matching import WorkMatch, find_text_matches
from .models import Fingerprint, Manifest, Party, TextHash, Work, WorkParent, WorkVersion
from .requests import RegistrationRequest
from .service import Registry, require_party
from .statement import RegistrationStatement, registrant_commitment

ARTICLE_MEDIA_TYPE = "text/plain; charset=utf-8"


@dataclass(frozen=True)
class RegistrationResult:
    work_id: str
    kind: str
    title: str
    sha256: str
    log_index: int
    receipt: str
    prior_art: tuple[WorkMatch, ...]

    def to_dict(self) -> dict:
        return {
            "work_id": self.work_id,
            "kind": self.kind,
            "title": self.title,
            "sha256": self.sha256,
            "log_index": self.log_index,
            "receipt": self.receipt,
            "prior_art": [m.to_dict() for m in self.prior_art],
        }


def _default_title(text: str) -> str:
    first_line = next((line.strip() for line in text.splitlines() if line.strip()), "untitled")
    return first_line[:200]


def _provenance_record(request: RegistrationRequest, title: str) -> AIProvenance:
    if not request.model:
        raise InvalidInputError("model is required: name the AI model that generated the work")
    try:
        return AIProvenance(
            model_name=request.model,
            model_version=request.model_version or "unspecified",
            model_provider=request.model_provider,
            dataset_sources=request.datasets,
            prompt_digest=prompt_digest_of(request.prompt) if request.prompt else None,
            editors=request.editors,
            title=title,
            generation_parameters=request.generation_parameters,
            edit_actions=request.edit_actions,
        )
    except ProvenanceError as e:
        raise InvalidInputError(str(e)) from e


def _training_mining(request: RegistrationRequest) -> TrainingMining:
    try:
        return TrainingMining.uniform(request.training_mining or "notAllowed", request.training_constraint)
    except ProvenanceError as e:
        raise InvalidInputError(str(e)) from e


def register_article(registry: Registry, raw: bytes, request: RegistrationRequest) -> RegistrationResult:
    """Register one article; raises a RegistryError subclass naming the problem, storing nothing."""
    limit = registry.settings.max_article_bytes
    if len(raw) > limit:
        raise PayloadTooLargeError(f"article is {len(raw)} bytes, the limit is {limit} bytes")
    try:
        text = canonicalise_article(raw)
    except ProvenanceError as e:
        raise InvalidInputError(str(e)) from e
    content = text.encode("utf-8")
    sha256 = hashlib.sha256(content).hexdigest()
    try:
        fingerprint = fingerprint_text(text)
    except FingerprintError as e:
        raise InvalidInputError(str(e)) from e
    title = (request.title or _default_title(text)).strip()
    record = _provenance_record(request, title)
    training_mining = _training_mining(request)

    with registry.db.reading() as session:
        registrant = require_party(session, request.registrant or registry.settings.default_registrant)
        _refuse_duplicate(session, sha256)
        parents = _parent_manifests(session, registry, request.parents, registrant)
        prior_art = tuple(find_text_matches(session, fingerprint))

    work_id = new_id()
    try:
        manifest = registry.manifest_signer.sign_article(text, record, work_id=work_id, parents=parents,
                                                         training_mining=training_mining)
    except ProvenanceError as e:
        raise InvalidInputError(f"C2PA could not sign this article: {e}") from e
    registry.blobs.put(content)
    manifest_sha256 = registry.blobs.put(manifest)
    fingerprint_bytes = fingerprint.to_bytes()
    fingerprint_sha256 = hashlib.sha256(fingerprint_bytes).hexdigest()
    now = datetime.now(timezone.utc)
    statement = RegistrationStatement(
        work_id=work_id,
        version=1,
        kind="article",
        content_sha256=sha256,
        manifest_sha256=manifest_sha256,
        fingerprint_sha256=fingerprint_sha256,
        registrant_commitment=registrant_commitment(registrant.id, registrant.commitment_salt),
        registered_at=now.strftime("%Y-%m-%dT%H:%M:%SZ"),
    )

    def write_rows(session: Session, log_index: int) -> None:
        _refuse_duplicate(session, sha256)
        _insert_rows(
            session, work_id=work_id, title=title, registrant_id=registrant.id, sha256=sha256,
            size=len(content), record=record, log_index=log_index, parents=parents,
            manifest_sha256=manifest_sha256, manifest_size=len(manifest),
            fingerprint=fingerprint, fingerprint_bytes=fingerprint_bytes,
            fingerprint_sha256=fingerprint_sha256, created_at=now,
        )

    try:
        sequenced = registry.sequencer.submit(statement.to_leaf(), write_rows)
    except SqlIntegrityError as e:  # lost a race with an identical registration
        raise ConflictError(f"content {sha256} is already registered") from e
    log_index, receipt_text = sequenced.index, sequenced.receipt
    return RegistrationResult(
        work_id=work_id, kind="article", title=title, sha256=sha256, log_index=log_index,
        receipt=receipt_text, prior_art=prior_art,
    )


def _refuse_duplicate(session: Session, sha256: str) -> None:
    existing = session.exec(select(WorkVersion).where(WorkVersion.sha256 == sha256)).first()
    if existing is not None:
        raise ConflictError(
            f"this content is already registered as work {existing.work_id}", work_id=existing.work_id
        )


def _parent_manifests(session: Session, registry: Registry, parent_ids: tuple[str, ...],
                      registrant: Party) -> list[ParentManifest]:
    """The parents' manifests, each as signed: an article's detached store, a video's or image's
    signed file. A parent must exist and be the same registrant's work."""
    parents = []
    for parent_id in parent_ids:
        work = session.get(Work, parent_id)
        if work is None:
            raise UnknownWorkError(f"unknown parent work {parent_id!r}")
        if work.registrant_id != registrant.id:
            raise ForbiddenError(f"parent work {parent_id!r} belongs to another registrant: only your own works "
                                 "can be recorded as parents", work_id=parent_id)
        version = session.exec(
            select(WorkVersion).where(WorkVersion.work_id == parent_id).order_by(WorkVersion.version.desc())  # type: ignore[attr-defined]
        ).first()
        manifest = session.exec(select(Manifest).where(Manifest.version_id == version.id)).first()  # type: ignore[union-attr]
        assert version is not None and manifest is not None
        media_type, asset = "text/plain", None
        if version.media_type != ARTICLE_MEDIA_TYPE:  # the signed copy, else (registered before 0004) the original
            media_type, asset = version.media_type, registry.blobs.path_of(manifest.asset_sha256 or version.sha256)
        parents.append(
            ParentManifest(
                work_id=work.id, title=work.title, manifest=registry.blobs.get(manifest.sha256),
                content_sha256=version.sha256, media_type=media_type, asset=asset,
            )
        )
    return parents


def _insert_rows(session: Session, *, work_id: str, title: str, registrant_id: str, sha256: str, size: int,
                 record: AIProvenance, log_index: int, parents: list[ParentManifest], manifest_sha256: str,
                 manifest_size: int, fingerprint: TextFingerprint | None, fingerprint_bytes: bytes,
                 fingerprint_sha256: str, created_at: datetime, kind: str = "article",
                 media_type: str = ARTICLE_MEDIA_TYPE, algorithm: str = TEXT_ALGORITHM,
                 asset_sha256: str | None = None, asset_size: int | None = None) -> WorkVersion:
    """The rows of one registration; text fingerprints also get their inverted-index rows."""
    session.add(Work(id=work_id, kind=kind, title=title, registrant_id=registrant_id, created_at=created_at))
    session.flush()
    version = WorkVersion(
        work_id=work_id, version=1, sha256=sha256, media_type=media_type, size_bytes=size,
        provenance_json=json.dumps(record.to_dict(), ensure_ascii=False, sort_keys=True),
        log_index=log_index, created_at=created_at,
    )
    session.add(version)
    session.flush()
    assert version.id is not None
    for parent in parents:
        relationship = "parentOf" if parent is parents[0] else "componentOf"
        session.add(WorkParent(version_id=version.id, parent_work_id=parent.work_id, relationship=relationship))
    session.add(Manifest(version_id=version.id, sha256=manifest_sha256, size_bytes=manifest_size,
                         embedding="embedded" if asset_sha256 else "detached", asset_sha256=asset_sha256,
                         asset_size=asset_size, created_at=created_at))
    row = Fingerprint(version_id=version.id, algorithm=algorithm, data=fingerprint_bytes,
                      sha256=fingerprint_sha256)
    session.add(row)
    session.flush()
    assert row.id is not None
    if fingerprint is None:
        return version
    rows = [{"fingerprint_id": row.id, "hash": value} for value in sorted(set(fingerprint.hashes))]
    session.execute(insert(TextHash), rows)  # one executemany, no ORM bookkeeping
    return version
