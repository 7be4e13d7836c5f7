"""Orphan blobs: bytes stored for a registration or a claim that then rolled back (blobs are
written before the rows that name them, so a crash or a refused registration can leave one).
`collect_orphans` deletes the blobs no row names and older than a grace period (a registration in
flight has written its blobs but not yet committed its rows).

The rows that name blobs: each work version's content, its manifest store and its signed copy
(`manifest.asset_sha256`), each claim's suspect (an article) and its suspect frames (a video), and
the input of each job not yet ended.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from datetime import timedelta

from sqlmodel import Session, select

from ..models import Claim, JobRow, Manifest, WorkVersion
from ..video_index import snapshot_names


@dataclass(frozen=True)
class Collection:
    stored: int
    referenced: int
    orphans: int  # not referenced, older than the grace period
    young: int  # not referenced, younger: kept
    deleted: int

    def to_dict(self) -> dict:
        return self.__dict__.copy()


def referenced_blobs(session: Session) -> set[str]:
    names: set[str] = set(session.exec(select(WorkVersion.sha256)).all())
    for manifest_sha, asset_sha in session.exec(select(Manifest.sha256, Manifest.asset_sha256)).all():
        names.add(manifest_sha)
        if asset_sha:
            names.add(asset_sha)
    for suspect, evidence in session.exec(select(Claim.suspect_sha256, Claim.evidence_json)).all():
        names.add(suspect)
        names.update(frame["sha256"] for frame in json.loads(evidence).get("suspect_frames", []))
    names.update(snapshot_names(session))
    names.update(name for name in session.exec(select(JobRow.input_sha256).where(
        JobRow.ended_at == None)).all() if name)  # noqa: E711 - SQL IS NULL: the input of a job still to run
    return names


def collect_orphans(blobs, session: Session, *, grace: timedelta, dry_run: bool = False,  # type: ignore[no-untyped-def]
                    now: float | None = None) -> Collection:
    """Delete (unless `dry_run`) every stored blob no row names that was written more than `grace` ago.
    The listing comes before the references are read, so a blob stored and referenced in between is
    seen as referenced."""
    stored = blobs.names()
    referenced = referenced_blobs(session)
    cutoff = (now if now is not None else time.time()) - grace.total_seconds()
    unnamed = [(name, written) for name, written in stored if name not in referenced]
    orphans = [name for name, written in unnamed if written < cutoff]
    if not dry_run:
        for name in orphans:
            blobs.delete(name)
    return Collection(stored=len(stored), referenced=len(referenced), orphans=len(orphans),
                      young=len(unnamed) - len(orphans), deleted=0 if dry_run else len(orphans))
