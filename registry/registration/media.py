"""Register and match videos and images, all or nothing, the way `article` does articles.

Register: size limit -> the kind sniffed from the bytes (refused if it is not the declared one) ->
sha256, streamed -> sampled pictures (bounded decoding) -> fingerprint -> prior-art check against the
video index -> parents (the registrant's own works, their manifests validated) -> a video's
segments (`registry.segments`: ids, time ranges, digests, their Merkle root in the statement) -> the
ISCC-CODE (`registry.iscc`: a video's MPEG-7 signatures computed by FFmpeg beside the decoding) -> a
C2PA manifest (with ``c2pa.soft-binding`` assertions: the fingerprint, per segment, and the ISCC-CODE) embedded into
a signed copy of the file, streamed file to file -> blobs (the upload as received, the signed copy,
the manifest store) -> rows and log leaf in one sequenced transaction -> receipt. A
failure at any step stores no row and no log entry. The file is read from a path: uploads are
spooled to a temporary file first. The registered content (its sha256 in the log) is the upload as
received; the signed copy is what `GET /api/v1/works/{id}/signed` serves.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from datetime import datetime, timezone
from pathlib import Path

from sqlalchemy.exc import IntegrityError as SqlIntegrityError
from sqlmodel import Session, select

from fingerprint.errors import FingerprintError
from fingerprint.video import (
    INTERVAL,
    QUERY_INTERVAL,
    DecodeLimits,
    Pictures,
    fingerprint_pictures,
)
from fingerprint.iscc import VideoSignatures
from provenance.assertions import TrainingMining
from provenance.errors import ProvenanceError
from provenance.jumbf import active_manifest_label
from provenance.sign import MEDIA_FORMATS

from ..accounts.principal import OPERATOR, Principal
from ..decoding import DecodeJob, decode
from ..errors import ConflictError, InvalidInputError, PayloadTooLargeError, UnsupportedMediaError
from ..ids import new_id
from ..matching import WorkMatch, restrict_matches
from ..media import Media, require_kind, sha256_file, sniff_file
from ..models import Work
from .steps import (
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
from ..iscc import image_code_of, start_video_signatures, video_code_of
from ..soft_binding.bindings import iscc_soft_binding, media_soft_binding
from ..segments import segment_id, segments_root, video_segment_records
from ..works import segments_of_works
from ..service import Registry
from ..statement import RegistrationStatement, registrant_commitment
from ..video_index import VIDEO_ALGORITHM

Progress = Callable[[str, float], None]  # (stage, share done)
#: Prior art at registration probes every crop hypothesis on every 4th sample only (every 2 s at
#: 0.5 s sampling): earlier copies that are cropped are found wherever they overlap the new work by
#: 2 s, the search makes about a quarter of the probes (uncropped and mirrored copies are probed
#: on every sample). A suspect's search probes all of its samples.
PRIOR_ART_CROP_EVERY = 4


def media_of(registry: Registry, path: Path, declared: str | None = None) -> Media:
    """The sniffed media of a video or image file within the size limits (errors name the file)."""
    media = require_kind(sniff_file(path), declared, path.name)
    if media.kind == "article":
        raise UnsupportedMediaError(f"{path.name}: expected a video or an image, got text")
    limit = registry.settings.max_video_bytes if media.kind == "video" else registry.settings.max_image_bytes
    size = path.stat().st_size
    if size > limit:
        raise PayloadTooLargeError(f"{path.name}: the {media.kind} is {size:,} bytes, the limit is {limit:,} bytes")
    return media


def pictures_of(registry: Registry, path: Path, media: Media, *, interval: float = QUERY_INTERVAL,
                progress: Progress | None = None) -> Pictures:
    """Decode a video or image into sampled pictures, in a worker process within the memory and time
    limits (`registry.decoding`) unless isolation is off; problems become InvalidInputError."""
    settings = registry.settings
    limits = DecodeLimits(max_pixels=settings.max_video_pixels, max_seconds=settings.max_video_seconds)
    job = DecodeJob("image" if media.kind == "image" else "video", path, limits, interval)
    report = (lambda share: progress("fingerprint", share)) if progress else None
    try:
        if registry.decode_pool is None:
            return decode(job, report)
        return registry.decode_pool.decode(job, memory_mb=settings.decode_memory_mb,
                                           timeout_seconds=settings.decode_timeout_seconds, progress=report).pictures
    except FingerprintError as e:
        raise InvalidInputError(f"{path.name}: {e}") from e


def to_work_matches(session: Session, found) -> list[WorkMatch]:  # type: ignore[no-untyped-def]
    """Index hits as matches; each matched time range names the work's segments it covers
    (``work_segments``: ids ``W/s/n``, for videos registered with segments)."""
    if not found:
        return []
    ids = [wid for wid, _ in found]
    works = {w.id: w for w in session.exec(select(Work).where(Work.id.in_(ids)))}  # type: ignore[attr-defined]
    segments = segments_of_works(session, ids)
    return [WorkMatch(work_id=wid, title=works[wid].title, kind=works[wid].kind, score=m.score,
                      segments=tuple(_with_segment_ids(s.to_dict(), wid, segments.get(wid, ())) for s in m.segments))
            for wid, m in found if wid in works]


def _with_segment_ids(matched: dict, work_id: str, segments) -> dict:  # type: ignore[no-untyped-def]
    if segments:
        start, end = round(matched["work_start"] * 1000), round(matched["work_end"] * 1000)
        matched["work_segments"] = [segment_id(work_id, s.number) for s in segments
                                    if s.start_ms < max(end, start + 1) and s.end_ms > start]
    return matched


def match_media(registry: Registry, path: Path, *, limit: int = 10, progress: Progress | None = None,
                principal: Principal = OPERATOR) -> list[WorkMatch]:
    """The registered videos and images that the video or image at `path` copies, best first
    (another organisation's unpublished works only as restricted matches)."""
    media = media_of(registry, path)
    pictures = pictures_of(registry, path, media, progress=progress)
    if progress:
        progress("search", 0.0)
    with registry.db.reading() as session:
        found = to_work_matches(session, registry.video_index.search(session, pictures, limit=limit))
    return restrict_matches(registry, principal, found)


def register_media(registry: Registry, path: Path, request: RegistrationRequest, *,
                   progress: Progress | None = None, principal: Principal = OPERATOR) -> RegistrationResult:
    """Register one video or image; raises a RegistryError subclass naming the problem, storing nothing."""
    declared = request.kind if request.kind != "article" else None
    media = media_of(registry, path, declared)
    if media.media_type not in MEDIA_FORMATS:  # what C2PA binds
        raise UnsupportedMediaError(f"{path.name}: {media.media_type} can be matched but not registered "
                                    "(C2PA cannot bind it): re-mux it to MP4")
    training_mining = training_mining_of(request)
    sha256 = sha256_file(path)
    with registry.db.reading() as session:
        resolve_registrant(session, registry, principal, request)  # a refused registrant costs no decoding
        refuse_duplicate(session, sha256)  # before decoding: a known file costs no fingerprint
    # a video's ISCC Video-Code: FFmpeg computes its MPEG-7 signatures beside the decoding below
    signatures = start_video_signatures(registry.settings, path) if media.kind == "video" else None
    try:
        return _register_decoded(registry, path, request, media, sha256, training_mining, signatures,
                                 progress, principal)
    finally:
        if signatures is not None:
            signatures.cancel()


def _register_decoded(registry: Registry, path: Path, request: RegistrationRequest, media: Media, sha256: str,
                      training_mining: TrainingMining, signatures: VideoSignatures | None,
                      progress: Progress | None, principal: Principal) -> RegistrationResult:
    pictures = pictures_of(registry, path, media, interval=INTERVAL, progress=progress)
    fingerprint = fingerprint_pictures(pictures)
    if len(fingerprint) == 0:
        raise InvalidInputError(f"{path.name}: no frame has enough detail to fingerprint (blank or flat)")
    title = (request.title or path.stem).strip()[:200] or "untitled"
    record = provenance_record(request, title)
    now = datetime.now(timezone.utc)
    published_at = publication_time(request, now)

    if progress:
        progress("prior-art", 0.0)
    with registry.db.reading() as session:
        registrant = resolve_registrant(session, registry, principal, request)
        refuse_duplicate(session, sha256)
        parents = parent_manifests(session, registry, request.parents, registrant.party)
        found = to_work_matches(session, registry.video_index.search(
            session, pictures, crop_every=PRIOR_ART_CROP_EVERY))
    prior_art = tuple(restrict_matches(registry, principal, found))

    work_id = new_id()
    segments = video_segment_records(work_id, fingerprint) if media.kind == "video" else []
    if progress:
        progress("sign", 0.0)
    iscc = (video_code_of(path, title, signatures, timeout=registry.settings.decode_timeout_seconds)
            if media.kind == "video" else image_code_of(path, title))
    signed = registry.blobs.scratch()
    try:
        try:
            with open(path, "rb") as source, open(signed, "w+b") as dest:
                manifest = registry.manifest_signer.sign_media(
                    source, media.media_type, record, work_id=work_id, dest=dest, parents=parents,
                    training_mining=training_mining,
                    soft_binding=(media_soft_binding(fingerprint, segments), iscc_soft_binding(iscc)))
        except ProvenanceError as e:
            raise InvalidInputError(f"{path.name}: C2PA could not sign this {media.kind}: {e}") from e
        asset_size = signed.stat().st_size
        registry.blobs.put_file(path, sha256)
        asset_sha256 = registry.blobs.adopt(signed)
    finally:
        signed.unlink(missing_ok=True)
    manifest_sha256 = registry.blobs.put(manifest)
    manifest_label = active_manifest_label(manifest)
    fingerprint_bytes = fingerprint.to_bytes()
    fingerprint_sha256 = hashlib.sha256(fingerprint_bytes).hexdigest()
    statement = RegistrationStatement(
        work_id=work_id, version=1, kind=media.kind, content_sha256=sha256, manifest_sha256=manifest_sha256,
        fingerprint_sha256=fingerprint_sha256,
        registrant_commitment=registrant_commitment(registrant.party.id, registrant.party.commitment_salt),
        registered_at=now.strftime("%Y-%m-%dT%H:%M:%SZ"),
        segments_root=segments_root(segments) if segments else None,
        segment_count=len(segments) if segments else None,
    )
    size = path.stat().st_size

    def write_rows(session: Session, log_index: int) -> None:
        refuse_duplicate(session, sha256)
        insert_rows(
            session, work_id=work_id, title=title, registrant_id=registrant.party.id, sha256=sha256, size=size,
            record=record, log_index=log_index, parents=parents, manifest_sha256=manifest_sha256,
            manifest_size=len(manifest), fingerprint=None, fingerprint_bytes=fingerprint_bytes,
            fingerprint_sha256=fingerprint_sha256, created_at=now, kind=media.kind,
            media_type=media.media_type, algorithm=VIDEO_ALGORITHM, asset_sha256=asset_sha256,
            asset_size=asset_size, org_id=registrant.org_id, published_at=published_at, segments=segments,
            manifest_label=manifest_label, iscc=iscc,
        )

    if progress:
        progress("log", 0.0)
    try:
        sequenced = registry.sequencer.submit(statement.to_leaf(), write_rows)
    except SqlIntegrityError as e:
        raise ConflictError(f"content {sha256} is already registered") from e
    with registry.db.reading() as session:
        registry.video_index.catch_up(session)
    return RegistrationResult(work_id=work_id, kind=media.kind, title=title, sha256=sha256,
                              log_index=sequenced.index, receipt=sequenced.receipt, prior_art=prior_art,
                              published_at=published_at.isoformat() if published_at else None)
