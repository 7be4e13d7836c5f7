"""Read registered works: details, content, manifest and a fresh receipt."""

from __future__ import annotations

import json

from sqlmodel import Session, select

from .errors import UnknownWorkError
from .models import Manifest, Party, Work, WorkParent, WorkVersion
from .service import Registry


def _latest_version(session: Session, work_id: str) -> tuple[Work, WorkVersion]:
    work = session.get(Work, work_id)
    if work is None:
        raise UnknownWorkError(f"unknown work {work_id!r}")
    version = session.exec(
        select(WorkVersion).where(WorkVersion.work_id == work_id).order_by(WorkVersion.version.desc())  # type: ignore[attr-defined]
    ).first()
    assert version is not None, "a work always has a version"
    return work, version


def work_details(registry: Registry, work_id: str) -> dict:
    with registry.db.reading() as session:
        work, version = _latest_version(session, work_id)
        parents = session.exec(select(WorkParent).where(WorkParent.version_id == version.id)).all()
        children = session.exec(
            select(WorkVersion.work_id).join(WorkParent, WorkParent.version_id == WorkVersion.id)  # type: ignore[arg-type]
            .where(WorkParent.parent_work_id == work_id)
        ).all()
        registrant = session.get(Party, work.registrant_id)
        manifest = session.exec(select(Manifest).where(Manifest.version_id == version.id)).first()
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
            "provenance": json.loads(version.provenance_json),
            "parents": [p.parent_work_id for p in parents],
            "children": sorted(set(children)),
            "manifest": {"sha256": manifest.sha256, "embedding": manifest.embedding,
                         "size_bytes": manifest.size_bytes} if manifest else None,
        }


def list_works(registry: Registry, *, offset: int = 0, limit: int = 50) -> list[dict]:
    with registry.db.reading() as session:
        rows = session.exec(
            select(Work, WorkVersion).join(WorkVersion, WorkVersion.work_id == Work.id)  # type: ignore[arg-type]
            .order_by(WorkVersion.log_index).offset(offset).limit(limit)
        ).all()
        return [{"work_id": w.id, "kind": w.kind, "title": w.title, "log_index": v.log_index,
                 "sha256": v.sha256} for w, v in rows]


def work_content(registry: Registry, work_id: str) -> tuple[bytes, str]:
    with registry.db.reading() as session:
        _work, version = _latest_version(session, work_id)
        return registry.blobs.get(version.sha256), version.media_type


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
