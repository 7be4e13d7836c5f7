"""Register a work, all or nothing.

The steps, in order: canonical bytes -> sha256 -> fingerprint -> ISCC-CODE -> prior-art check -> signed C2PA
manifest -> blobs -> the log's sequencer, which writes the rows and the log leaf in one transaction
(in a savepoint of a batch) and signs a checkpoint for the batch -> the receipt. Everything before
the sequencer only computes or writes content-addressed blobs; if any step fails nothing commits, so
no row, no log entry and no checkpoint exist for the work (an orphan blob may stay; nothing
references it).
"""

from __future__ import annotations

import hashlib
from concurrent.futures import Future
from dataclasses import dataclass
from datetime import datetime, timezone

from sqlalchemy.exc import IntegrityError as SqlIntegrityError
from sqlmodel import Session

from fingerprint.errors import FingerprintError
from fingerprint.iscc import IsccCode
from fingerprint.text import TextFingerprint, fingerprint_text
from provenance.errors import ProvenanceError
from provenance.jumbf import active_manifest_label
from provenance.record import AIProvenance, ParentManifest

from ..accounts.principal import OPERATOR, Principal
from ..soft_binding.bindings import iscc_soft_binding, text_soft_binding
from ..errors import ConflictError, InvalidInputError, PayloadTooLargeError
from ..ids import new_id
from ..iscc import article_code_of
from .article_input import read_article
from ..matching import WorkMatch, find_text_matches, locate_in_texts, restrict_matches
from .steps import (
    ARTICLE_MEDIA_TYPE,
    Registrant,
    RegistrationResult,
    insert_rows,
    parent_manifests,
    provenance_record,
    publication_time,
    refuse_duplicate,
    resolve_registrant,
    training_mining_of,
)
from ..requests import RegistrationRequest
from ..service import Registry
from ..statement import RegistrationStatement, registrant_commitment

__all__ = ["ARTICLE_MEDIA_TYPE", "PreparedArticle", "RegistrationResult", "commit_article", "prepare_article",
           "register_article"]


def _default_title(text: str) -> str:
    first_line = next((line.strip() for line in text.splitlines() if line.strip()), "untitled")
    return first_line[:200]


@dataclass(frozen=True)
class PreparedArticle:
    """An article ready for the log: everything computed and its blobs stored, nothing committed
    (picklable, so a bulk import prepares in worker processes and commits in one)."""

    work_id: str
    title: str
    sha256: str
    size: int
    registrant_id: str
    org_id: str | None
    record: AIProvenance
    parents: list[ParentManifest]
    manifest_sha256: str
    manifest_size: int
    manifest_label: str
    fingerprint: TextFingerprint
    fingerprint_bytes: bytes
    fingerprint_sha256: str
    created_at: datetime
    published_at: datetime | None
    leaf: bytes
    prior_art: tuple[WorkMatch, ...]
    iscc: IsccCode


def register_article(registry: Registry, raw: bytes, request: RegistrationRequest, *,
                     principal: Principal = OPERATOR, filename: str | None = None,
                     text_format: str | None = None) -> RegistrationResult:
    """Register one article (plain text, or HTML or Markdown registered as its text: see
    `registry.registration.article_input`); raises a RegistryError subclass naming the problem, storing nothing."""
    prepared = prepare_article(registry, raw, request, principal=principal, filename=filename,
                               text_format=text_format)
    return commit_article(registry, prepared).result()


def prepare_article(registry: Registry, raw: bytes, request: RegistrationRequest, *,
                    principal: Principal = OPERATOR, filename: str | None = None,
                    text_format: str | None = None, registrant: Registrant | None = None) -> PreparedArticle:
    """Every step before the log: read, fingerprint, check prior art, sign, store the blobs.
    `registrant`: `resolve_registrant(...)` done once for many articles (a bulk import)."""
    limit = registry.settings.max_article_bytes
    if len(raw) > limit:
        raise PayloadTooLargeError(f"article is {len(raw)} bytes, the limit is {limit} bytes")
    article = read_article(raw, filename=filename, declared=text_format)
    text = article.text
    content = text.encode("utf-8")
    sha256 = hashlib.sha256(content).hexdigest()
    try:
        fingerprint = fingerprint_text(text)
    except FingerprintError as e:
        raise InvalidInputError(str(e)) from e
    title = (request.title or _default_title(text)).strip()
    record = provenance_record(request, title)
    iscc = article_code_of(text, title, registry.settings)
    training_mining = training_mining_of(request)
    now = datetime.now(timezone.utc)
    published_at = publication_time(request, now)

    with registry.db.reading() as session:
        registrant = registrant or resolve_registrant(session, registry, principal, request)
        refuse_duplicate(session, sha256)
        parents = parent_manifests(session, registry, request.parents, registrant.party)
        found = find_text_matches(session, fingerprint)
    prior_art = tuple(restrict_matches(registry, principal, locate_in_texts(registry, found, text, fingerprint,
                                                                            article.sources)))

    work_id = new_id()
    try:
        manifest = registry.manifest_signer.sign_article(text, record, work_id=work_id, parents=parents,
                                                         training_mining=training_mining,
                                                         soft_binding=(text_soft_binding(fingerprint),
                                                                       iscc_soft_binding(iscc)))
    except ProvenanceError as e:
        raise InvalidInputError(f"C2PA could not sign this article: {e}") from e
    registry.blobs.put(content)
    manifest_sha256 = registry.blobs.put(manifest)
    manifest_label = active_manifest_label(manifest)
    fingerprint_bytes = fingerprint.to_bytes()
    fingerprint_sha256 = hashlib.sha256(fingerprint_bytes).hexdigest()
    statement = RegistrationStatement(
        work_id=work_id,
        version=1,
        kind="article",
        content_sha256=sha256,
        manifest_sha256=manifest_sha256,
        fingerprint_sha256=fingerprint_sha256,
        registrant_commitment=registrant_commitment(registrant.party.id, registrant.party.commitment_salt),
        registered_at=now.strftime("%Y-%m-%dT%H:%M:%SZ"),
    )
    return PreparedArticle(
        work_id=work_id, title=title, sha256=sha256, size=len(content), registrant_id=registrant.party.id,
        org_id=registrant.org_id, record=record, parents=parents, manifest_sha256=manifest_sha256,
        manifest_size=len(manifest), manifest_label=manifest_label, fingerprint=fingerprint,
        fingerprint_bytes=fingerprint_bytes,
        fingerprint_sha256=fingerprint_sha256, created_at=now, published_at=published_at,
        leaf=statement.to_leaf(), prior_art=prior_art, iscc=iscc,
    )


def commit_article(registry: Registry, prepared: PreparedArticle) -> Future:
    """Hand a prepared article to the log's sequencer without waiting: the future holds its
    `RegistrationResult` once its batch commits, or the error (ConflictError for content that was
    registered meanwhile, by a racing registration or an earlier file of the same import)."""
    p = prepared

    def write_rows(session: Session, log_index: int) -> None:
        refuse_duplicate(session, p.sha256)
        insert_rows(
            session, work_id=p.work_id, title=p.title, registrant_id=p.registrant_id, sha256=p.sha256,
            size=p.size, record=p.record, log_index=log_index, parents=p.parents,
            manifest_sha256=p.manifest_sha256, manifest_size=p.manifest_size, manifest_label=p.manifest_label,
            fingerprint=p.fingerprint, fingerprint_bytes=p.fingerprint_bytes,
            fingerprint_sha256=p.fingerprint_sha256, created_at=p.created_at, org_id=p.org_id,
            published_at=p.published_at, iscc=p.iscc,
        )

    result: Future = Future()

    def finish(sequenced: Future) -> None:
        error = sequenced.exception()
        if isinstance(error, SqlIntegrityError):  # lost a race with an identical registration
            conflict = ConflictError(f"content {p.sha256} is already registered")
            conflict.__cause__ = error
            result.set_exception(conflict)
        elif error is not None:
            result.set_exception(error)
        else:
            done = sequenced.result()
            result.set_result(RegistrationResult(
                work_id=p.work_id, kind="article", title=p.title, sha256=p.sha256, log_index=done.index,
                receipt=done.receipt, prior_art=p.prior_art,
                published_at=p.published_at.isoformat() if p.published_at else None,
            ))

    registry.sequencer.submit_async(p.leaf, write_rows).add_done_callback(finish)
    return result
