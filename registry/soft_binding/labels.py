"""Labels of manifests stored before revision 0012, read from their blobs.

The Soft Binding Resolution API names a manifest by its active manifest's label (``urn:c2pa:...``),
kept in ``manifest.label`` from registration on. A manifest stored before has none until
`aigc-registry migrate` reads its store from the blob store (`provenance.jumbf`); until then the
API still names it (read on the fly, `label_of`) but cannot fetch it by that name.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from sqlmodel import Session, col, func, select

from provenance.errors import ManifestError
from provenance.jumbf import active_manifest_label

from ..accounts.access import can_see
from ..accounts.principal import Principal
from ..errors import IntegrityError, NotFoundError
from ..models import Manifest, Work, WorkVersion

log = logging.getLogger(__name__)
BATCH = 500


def unlabelled_manifests(session: Session) -> int:
    return int(session.exec(select(func.count()).select_from(Manifest).where(col(Manifest.label).is_(None))).one())


def visible_manifest(session: Session, principal: Principal, label: str) -> tuple[Manifest, Work]:
    """The manifest a label names and its work, if the caller may see the work; NotFoundError
    naming only the label otherwise (the object rule `manifest_visible` and the use case alike)."""
    row = session.exec(select(Manifest, Work).join(WorkVersion, WorkVersion.id == Manifest.version_id)  # type: ignore[arg-type]
                       .join(Work, Work.id == WorkVersion.work_id)  # type: ignore[arg-type]
                       .where(Manifest.label == label)).first()
    if row is None or not can_see(principal, row[1]):
        raise NotFoundError(f"no manifest {label!r} in this registry")
    return row[0], row[1]


def label_of(registry, manifest: Manifest) -> str | None:  # type: ignore[no-untyped-def]
    """The manifest's label: stored, else read from its blob (None if the store cannot be read)."""
    if manifest.label is not None:
        return manifest.label
    try:
        return active_manifest_label(registry.blobs.get(manifest.sha256))
    except (ManifestError, NotFoundError, IntegrityError) as e:
        log.warning("manifest %s (version %s): no label readable: %s", manifest.sha256, manifest.version_id, e)
        return None


def label_manifests(registry, progress: Callable[[int, int], None] | None = None) -> int:  # type: ignore[no-untyped-def]
    """Store the label of every manifest that has none; returns how many were labelled. One
    transaction a batch: an interrupted run leaves the rest for the next."""
    with registry.db.reading() as session:
        total = unlabelled_manifests(session)
    done, after = 0, 0
    while True:
        with registry.db.writing() as session:
            rows = session.exec(select(Manifest).where(col(Manifest.label).is_(None), col(Manifest.id) > after)
                                .order_by(col(Manifest.id)).limit(BATCH)).all()
            if not rows:
                return done
            for manifest in rows:
                label = label_of(registry, manifest)
                if label is not None:
                    manifest.label = label
                    session.add(manifest)
                    done += 1
            after = rows[-1].id  # type: ignore[assignment]
        if progress:
            progress(done, total)
