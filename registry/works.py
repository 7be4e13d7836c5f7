"""Read registered works: details, edit history, content, signed copy, manifest, a fresh receipt and
a video's segments with their proofs."""

from __future__ import annotations

import base64
import json
from collections import defaultdict
from collections.abc import Sequence
from pathlib import Path

from sqlmodel import Session, func, select

from fingerprint.video import VideoFingerprint

from .accounts.access import can_see, is_public, visible_clause
from .accounts.principal import OPERATOR, Principal
from .errors import NotFoundError, UnknownWorkError
from .iscc import iscc_of_versions
from .models import Fingerprint, Manifest, Party, Work, WorkParent, WorkSegment, WorkTerms, WorkVersion
from .soft_binding.bindings import soft_binding_alg
from .segments import SEGMENT_TYPE, SegmentRecord, segment_fingerprint, segment_proofs
from .service import Registry
from .statement import RegistrationStatement


def _latest_version(session: Session, work_id: str) -> tuple[Work, WorkVersion]:
    work = session.get(Work, work_id)
    if work is None:
        raise UnknownWorkError(f"unknown work {work_id!r}")
    version = session.exec(
        select(WorkVersion).where(WorkVersion.work_id == work_id).order_by(WorkVersion.version.desc())  # type: ignore[attr-defined]
    ).first()
    assert version is not None, "a work always has a version"
    return work, version


def work_details(registry: Registry, work_id: str, *, principal: Principal = OPERATOR) -> dict:
    """The work as the caller may see it (derivatives it may not see are left out)."""
    with registry.db.reading() as session:
        work, version = _latest_version(session, work_id)
        parents = session.exec(select(WorkParent).where(WorkParent.version_id == version.id)).all()
        children = session.exec(
            select(Work.id).join(WorkVersion, WorkVersion.work_id == Work.id)  # type: ignore[arg-type]
            .join(WorkParent, WorkParent.version_id == WorkVersion.id)  # type: ignore[arg-type]
            .where(WorkParent.parent_work_id == work_id, visible_clause(principal))
        ).all()
        terms_set = session.get(WorkTerms, work_id) is not None
        registrant = session.get(Party, work.registrant_id)
        manifest = session.exec(select(Manifest).where(Manifest.version_id == version.id)).first()
        iscc = iscc_of_versions(session, [version.id]).get(version.id)  # type: ignore[list-item]
        return {
            "work_id": work.id,
            "kind": work.kind,
            "title": work.title,
            "registrant": registrant.name if registrant else None,
            "registered_at": version.created_at.isoformat(),
            "version": version.version,
            "sha256": version.sha256,
            "media_type": version.media_type,
            "size_bytes": version.size_bytes,
            "log_index": version.log_index,
            # None until `aigc-registry migrate` gives a version registered before ISCC-CODEs its code
            "iscc": iscc.to_dict() if iscc else None,
            "provenance": json.loads(version.provenance_json),
            "published_at": work.published_at.isoformat() if work.published_at else None,
            "parents": [p.parent_work_id for p in parents],
            "children": sorted(set(children)),
            "segments_url": f"/api/v1/works/{work.id}/segments" if work.kind == "video" else None,
            # a derivative that names parents but no royalty terms pays them nothing: say so
            "terms_missing": bool(parents) and not terms_set,
            "manifest": {"sha256": manifest.sha256, "embedding": manifest.embedding,
                         "size_bytes": manifest.size_bytes, "signed_sha256": manifest.asset_sha256,
                         "signed_url": f"/api/v1/works/{work.id}/signed" if manifest.asset_sha256 else None,
                         } if manifest else None,
        }


#: Deepest edit history returned; a longer chain ends in a node with ``"truncated": true``.
MAX_HISTORY_DEPTH = 64


def work_history(registry: Registry, work_id: str, *, principal: Principal = OPERATOR) -> dict:
    """The work's edit history as a tree: each node its parents, their parents, to any depth.

    A node: ``{"work_id", "title", "kind", "registered_at", "log_index", "model", "relationship",
    "parents": [node...]}`` (``relationship`` is how the node enters its child: ``parentOf`` or
    ``componentOf``; None at the root). A work reached twice (a diamond) is expanded each time.
    An ancestor the caller may not see is shown as ``{"work_id", "relationship", "restricted": true}``."""
    with registry.db.reading() as session:
        _latest_version(session, work_id)  # unknown -> 404
        return _history_node(session, work_id, None, 0, frozenset(), principal)


def _history_node(session: Session, work_id: str, relationship: str | None, depth: int,
                  path: frozenset[str], principal: Principal) -> dict:
    work, version = _latest_version(session, work_id)
    if not can_see(principal, work):
        return {"work_id": work.id, "relationship": relationship, "restricted": True, "parents": []}
    provenance = json.loads(version.provenance_json)
    node = {"work_id": work.id, "title": work.title, "kind": work.kind,
            "registered_at": version.created_at.isoformat(), "log_index": version.log_index,
            "model": {"name": provenance.get("model_name"), "version": provenance.get("model_version")},
            "edit_actions": [a.get("action") for a in provenance.get("edit_actions") or ()],
            "relationship": relationship, "parents": []}
    edges = session.exec(select(WorkParent).where(WorkParent.version_id == version.id)).all()
    if edges and (depth >= MAX_HISTORY_DEPTH or work_id in path):
        node["truncated"] = True
        return node
    order = {"parentOf": 0, "componentOf": 1}
    for edge in sorted(edges, key=lambda e: (order.get(e.relationship, 2), e.parent_work_id)):
        node["parents"].append(_history_node(session, edge.parent_work_id, edge.relationship, depth + 1,
                                             path | {work_id}, principal))
    return node


def list_works(registry: Registry, *, offset: int = 0, limit: int = 50, principal: Principal = OPERATOR) -> list[dict]:
    """The works the caller may see, in log order: published ones, and its organisation's own."""
    with registry.db.reading() as session:
        rows = session.exec(
            select(Work, WorkVersion).join(WorkVersion, WorkVersion.work_id == Work.id)  # type: ignore[arg-type]
            .where(visible_clause(principal))
            .order_by(WorkVersion.log_index).offset(offset).limit(limit)
        ).all()
        return [{"work_id": w.id, "kind": w.kind, "title": w.title, "log_index": v.log_index,
                 "sha256": v.sha256, "published": is_public(w)}
                for w, v in rows]


def publish_work(registry: Registry, work_id: str) -> dict:
    """Publish an unpublished or embargoed work now (a published work stays as it is)."""
    from .models import utc_now

    with registry.db.writing() as session:
        work = session.get(Work, work_id)
        if work is None:
            raise UnknownWorkError(f"unknown work {work_id!r}")
        now = utc_now()
        if work.published_at is None or work.published_at > now:
            work.published_at = now
            session.add(work)
            session.flush()
        published = {"work_id": work.id, "published_at": work.published_at.isoformat()}
    registry.work_facts.forget(work_id)
    return published


def work_content(registry: Registry, work_id: str) -> tuple[Path, str]:
    """The registered bytes (as uploaded) as a stored file, and their media type."""
    with registry.db.reading() as session:
        _work, version = _latest_version(session, work_id)
        return registry.blobs.path_of(version.sha256), version.media_type


def work_signed_copy(registry: Registry, work_id: str) -> tuple[Path, str, str]:
    """The signed copy of a video or image (its manifest embedded): file, media type, download name."""
    with registry.db.reading() as session:
        work, version = _latest_version(session, work_id)
        manifest = session.exec(select(Manifest).where(Manifest.version_id == version.id)).first()
        if manifest is None or not manifest.asset_sha256:
            what = "an article keeps a detached manifest" if work.kind == "article" else "it was registered " \
                "before manifests were embedded"
            raise NotFoundError(f"work {work_id} has no signed copy: {what}; GET /api/v1/works/{work_id}/manifest")
        extension = {"video/mp4": "mp4", "video/quicktime": "mov", "video/x-msvideo": "avi", "image/jpeg": "jpg",
                     "image/png": "png", "image/webp": "webp"}.get(version.media_type, "bin")
        return registry.blobs.path_of(manifest.asset_sha256), version.media_type, f"{work_id}.{extension}"


def work_manifest(registry: Registry, work_id: str) -> bytes:
    with registry.db.reading() as session:
        _work, version = _latest_version(session, work_id)
        manifest = session.exec(select(Manifest).where(Manifest.version_id == version.id)).first()
        if manifest is None:
            raise UnknownWorkError(f"work {work_id} has no manifest")
        return registry.blobs.get(manifest.sha256)


def work_receipt(registry: Registry, work_id: str) -> str:
    """A tlog-proof@v1 receipt against the newest signed checkpoint."""
    with registry.db.reading() as session:
        _work, version = _latest_version(session, work_id)
        return registry.log.receipt(session, version.log_index).to_text()


def newest_versions(work_ids: Sequence[str]):  # type: ignore[no-untyped-def]
    """(subquery, on clause) picking each listed work's newest version: ``.join(*newest_versions(ids))``."""
    newest = (select(WorkVersion.work_id, func.max(WorkVersion.version).label("version"))
              .where(WorkVersion.work_id.in_(work_ids)).group_by(WorkVersion.work_id).subquery())  # type: ignore[attr-defined]
    return newest, (newest.c.work_id == WorkVersion.work_id) & (newest.c.version == WorkVersion.version)


def segments_of_works(session: Session, work_ids: Sequence[str]) -> dict[str, list[WorkSegment]]:
    """The segments of each work's newest version, in order (works without segments left out)."""
    if not work_ids:
        return {}
    rows = session.exec(
        select(WorkVersion.work_id, WorkSegment)
        .join(*newest_versions(work_ids))
        .join(WorkSegment, WorkSegment.version_id == WorkVersion.id)  # type: ignore[arg-type]
        .order_by(WorkSegment.version_id, WorkSegment.number)  # type: ignore[arg-type]
    ).all()
    found: dict[str, list[WorkSegment]] = defaultdict(list)
    for work_id, segment in rows:
        found[work_id].append(segment)
    return dict(found)


def work_segments(registry: Registry, work_id: str) -> dict:
    """A video's segments: ids, time ranges, fingerprint digests and bytes, and for each an RFC 9162
    inclusion proof up to the ``segments_root`` its log statement (``log_index``) names."""
    with registry.db.reading() as session:
        work, version = _latest_version(session, work_id)
        if work.kind != "video":
            raise NotFoundError(f"work {work_id} is {'an' if work.kind[0] in 'aeiou' else 'a'} {work.kind}: "
                                "only videos have segments")
        rows = session.exec(select(WorkSegment).where(WorkSegment.version_id == version.id)
                            .order_by(WorkSegment.number)).all()  # type: ignore[arg-type]
        stored = session.exec(select(Fingerprint).where(Fingerprint.version_id == version.id)).first()
        statement = RegistrationStatement.from_leaf(registry.log.entry(session, version.log_index).leaf)
    out: dict = {"work_id": work_id, "log_index": version.log_index,
                 "algorithm": soft_binding_alg(stored.algorithm) if stored else None,
                 "leaf_type": SEGMENT_TYPE, "segments_root": statement.segments_root,
                 "segment_count": statement.segment_count, "segments": []}
    if not rows or stored is None:
        out["note"] = "registered before segments were recorded: its log statement commits to none"
        return out
    fingerprint = VideoFingerprint.from_bytes(bytes(stored.data))
    records = [SegmentRecord(work_id, r.number, r.start_ms, r.end_ms, r.fingerprint_sha256, r.first_sample,
                             r.sample_count) for r in rows]
    for record, proof in zip(records, segment_proofs(records)):
        out["segments"].append({
            "id": record.id, "number": record.number,
            "start": record.start_ms / 1000, "end": record.end_ms / 1000,
            "start_ms": record.start_ms, "end_ms": record.end_ms,
            "fingerprint_sha256": record.fingerprint_sha256,
            "fingerprint": base64.b64encode(segment_fingerprint(fingerprint, record).to_bytes()).decode("ascii"),
            "leaf": record.to_leaf().decode("utf-8"),
            "inclusion_proof": [h.hex() for h in proof],
        })
    return out
