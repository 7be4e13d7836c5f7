"""The registry's video index of video and image fingerprints, kept in step with the database.

The database is the source of truth: each registered video or image has a `Fingerprint` row (the
serialised `VideoFingerprint`). Before each search the index catches up with rows other processes
committed since (one indexed query on the fingerprint id, which returns nothing most of the time).

At scale the rows are not all held in every process's memory: `build_snapshot` (run by
`aigc-registry worker` once ``video_snapshot_rows`` rows have come in, or by `aigc-registry
video-index snapshot`) writes every fingerprint up to some row into one snapshot file, stored as a
blob and named by a `VideoIndexSnapshot` row. A process opens the newest snapshot memory-mapped
(on start, and when it sees a newer one, every ``video_snapshot_check_seconds``) and keeps in
memory only the rows committed after it. The answers are the same either way.
"""

from __future__ import annotations

import logging
import os
import shutil
import threading
import time
from dataclasses import dataclass
from pathlib import Path

from sqlmodel import Session, col, delete, select

from fingerprint.errors import InvalidFingerprintError
from fingerprint.video import FingerprintMatch, FrozenVideoIndex, Pictures, VideoFingerprint, VideoIndex, VideoMatch

from .blobs import FileBlobStore
from .errors import IntegrityError, NotFoundError
from .models import Fingerprint, VideoIndexSnapshot, WorkVersion

VIDEO_ALGORITHM = "video-dct64-v1"
log = logging.getLogger(__name__)
SNAPSHOTS_KEPT = 2  # the newest and the one before, which processes may still have open


@dataclass(frozen=True)
class SnapshotBuilt:
    sha256: str
    through_id: int
    works: int
    frames: int
    size: int
    seconds: float

    def to_dict(self) -> dict:
        return self.__dict__.copy()


class RegistryVideoIndex:
    def __init__(self, blobs=None, folder: Path | None = None, check_seconds: float = 30.0) -> None:  # type: ignore[no-untyped-def]
        self._index = VideoIndex()
        self._last_id = 0
        self._lock = threading.RLock()
        self._blobs, self._folder, self._check_seconds = blobs, folder, check_seconds
        self._snapshot_id: int | None = None
        self._checked_at = float("-inf")

    def __len__(self) -> int:
        return len(self._index)

    @property
    def frames(self) -> int:
        return self._index.frames

    @property
    def memory_frames(self) -> int:
        """Frame rows held in this process's memory (committed after the snapshot it opened)."""
        return self._index.added_frames

    @property
    def snapshot_frames(self) -> int:
        return self._index.frames - self._index.added_frames

    def catch_up(self, session: Session) -> int:
        """Open a newer snapshot if there is one (checked every `check_seconds`), then index the
        fingerprint rows committed since; returns how many rows were indexed from the database."""
        with self._lock:
            if self._blobs is not None and time.monotonic() - self._checked_at >= self._check_seconds:
                self._checked_at = time.monotonic()
                self._open_newest(session)
            rows = session.exec(
                select(Fingerprint.id, WorkVersion.work_id, Fingerprint.data)
                .join(WorkVersion, WorkVersion.id == Fingerprint.version_id)  # type: ignore[arg-type]
                .where(Fingerprint.algorithm == VIDEO_ALGORITHM, Fingerprint.id > self._last_id)  # type: ignore[operator]
                .order_by(Fingerprint.id)  # type: ignore[arg-type]
            ).all()
            self._index.add_many([(work_id, VideoFingerprint.from_bytes(data)) for _, work_id, data in rows])
            if rows:
                self._last_id = max(int(row_id) for row_id, _, _ in rows)
            return len(rows)

    def search(self, session: Session, query: Pictures, limit: int = 10,
               crop_every: int = 1) -> list[tuple[str, VideoMatch]]:
        self.catch_up(session)
        return self._index.search(query, limit=limit, crop_every=crop_every)

    def search_fingerprint(self, session: Session, query: VideoFingerprint,
                           limit: int = 10) -> list[tuple[str, FingerprintMatch]]:
        self.catch_up(session)
        return self._index.search_fingerprint(query, limit=limit)

    def _open_newest(self, session: Session) -> None:
        newest = session.exec(select(VideoIndexSnapshot).order_by(col(VideoIndexSnapshot.id).desc()).limit(1)).first()
        if newest is None or newest.id == self._snapshot_id:
            return
        try:
            index = VideoIndex.load(self._local_copy(newest.sha256))
        except (NotFoundError, IntegrityError, InvalidFingerprintError, OSError) as e:
            self._snapshot_id = newest.id  # not tried again: this process goes on from the database rows
            log.warning("video index snapshot %s cannot be opened (%s): its rows are read from the database "
                        "into memory instead", newest.sha256, e)
            return
        self._index, self._last_id, self._snapshot_id = index, int(newest.through_id), newest.id
        self._forget_other_copies(newest.sha256)

    def _local_copy(self, sha256: str) -> Path:
        """A local file of the snapshot blob to map: the blob itself in a local folder; from a
        bucket, a copy kept in this process's folder (not in the blob cache, which may evict it)."""
        if isinstance(self._blobs, FileBlobStore) or self._folder is None:
            return self._blobs.path_of(sha256)
        local = self._folder / f"{sha256}.avix"
        if not local.exists():
            self._folder.mkdir(parents=True, exist_ok=True)
            source = self._blobs.path_of(sha256)
            partial = local.with_name(local.name + ".partial")
            try:
                os.link(source, partial)
            except OSError:
                shutil.copyfile(source, partial)
            os.replace(partial, local)
        return local

    def _forget_other_copies(self, current: str) -> None:
        if self._folder is None or isinstance(self._blobs, FileBlobStore) or not self._folder.exists():
            return
        for path in self._folder.glob("*.avix"):
            if path.stem != current:
                path.unlink(missing_ok=True)  # a process still mapping it keeps reading it

    def build_snapshot(self, db) -> SnapshotBuilt | None:  # type: ignore[no-untyped-def]
        """Write every fingerprint committed so far into one snapshot, store it as a blob and name
        it in the database as the newest; None when no row came in since the newest snapshot.
        This process then opens it too (its memory drops to the rows committed after it)."""
        started = time.perf_counter()
        with self._lock:
            self._checked_at = float("-inf")  # start from the newest snapshot, whoever built it
            with db.reading() as session:
                self.catch_up(session)
            if self._index.added_frames == 0 and (self._snapshot_id is not None or not self._index.frames):
                return None
            index, through = self._index, self._last_id
        scratch = self._blobs.scratch()
        index.save(scratch, {"through_id": through})  # may hold works added meanwhile: they are skipped on load
        saved = FrozenVideoIndex.open(scratch)
        works, frames, size = len(saved), saved.frames, scratch.stat().st_size
        sha256 = self._blobs.adopt(scratch)
        with db.writing() as session:
            record_snapshot(session, sha256, through, works, frames, size)
        with self._lock:
            self._checked_at = float("-inf")
            with db.reading() as session:
                self.catch_up(session)
        return SnapshotBuilt(sha256, through, works, frames, size, round(time.perf_counter() - started, 3))


def record_snapshot(session: Session, sha256: str, through_id: int, works: int, frames: int, size: int) -> None:
    """Name a stored snapshot as the newest, and forget all but the newest `SNAPSHOTS_KEPT`
    (their blobs become orphans for `aigc-registry blobs gc`)."""
    session.add(VideoIndexSnapshot(sha256=sha256, through_id=through_id, works=works, frames=frames, size=size))
    session.flush()
    kept = session.exec(select(VideoIndexSnapshot.id).order_by(col(VideoIndexSnapshot.id).desc())
                        .limit(SNAPSHOTS_KEPT)).all()
    session.exec(delete(VideoIndexSnapshot).where(col(VideoIndexSnapshot.id).not_in(kept)))  # type: ignore[call-overload]


def snapshot_names(session: Session) -> set[str]:
    """The blobs of the snapshots the database names (kept by `aigc-registry blobs gc`)."""
    return set(session.exec(select(VideoIndexSnapshot.sha256)).all())
