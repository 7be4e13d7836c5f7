"""The registry's in-memory index of video and image fingerprints, kept in step with the database.

The database is the source of truth: each registered video or image has a `Fingerprint` row (the
serialised `VideoFingerprint`). The index loads every such row on start, in one query, and before
each search catches up with rows other processes committed since (one indexed query on the
fingerprint id, which returns nothing most of the time).
"""

from __future__ import annotations

import threading

from sqlmodel import Session, select

from fingerprint.video import Pictures, VideoFingerprint, VideoIndex, VideoMatch

from .models import Fingerprint, WorkVersion

VIDEO_ALGORITHM = "video-dct64-v1"


class RegistryVideoIndex:
    def __init__(self) -> None:
        self._index = VideoIndex()
        self._last_id = 0
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return len(self._index)

    @property
    def frames(self) -> int:
        return self._index.frames

    def catch_up(self, session: Session) -> int:
        """Index fingerprint rows committed since the last call; returns how many."""
        with self._lock:
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

    def search(self, session: Session, query: Pictures, limit: int = 10) -> list[tuple[str, VideoMatch]]:
        self.catch_up(session)
        return self._index.search(query, limit=limit)
