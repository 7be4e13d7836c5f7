"""`VideoIndex`: registered video and image fingerprints, searchable by a query's pictures.

Whole-picture hashes and centre hashes sit in two `MultiIndexHashing` tables (a whole hash is never
compared with a centre hash). A row's ref packs the work's slot and the frame number.
"""

from __future__ import annotations

import threading
from collections import defaultdict

import numpy as np

from fingerprint.video._fingerprint import Pictures, VideoFingerprint
from fingerprint.video._index import LinearScan, MultiIndexHashing
from fingerprint.video._match import PROBE_RADIUS, UNCROPPED_PROBE_RADIUS, VideoMatch, compare, probes

FRAME_BITS = 24  # a ref is slot << FRAME_BITS | frame: 16.7 million frames (93 days) per work
MAX_CANDIDATES = 20  # works, by anchors found, that are compared in full


class VideoIndex:
    def __init__(self, linear: bool = False) -> None:
        table = LinearScan if linear else MultiIndexHashing
        self._whole, self._centre = table(), table()
        self._lock = threading.Lock()
        self._work_ids: list[str] = []
        self._fingerprints: list[VideoFingerprint] = []
        self._slots: dict[str, int] = {}

    def __len__(self) -> int:
        return len(self._slots)

    def __contains__(self, work_id: object) -> bool:
        return work_id in self._slots

    @property
    def frames(self) -> int:
        return len(self._whole)

    def add(self, work_id: str, fingerprint: VideoFingerprint) -> None:
        """Index a work's fingerprint (once per work id; a second add is ignored)."""
        self.add_many([(work_id, fingerprint)])

    def add_many(self, items: list[tuple[str, VideoFingerprint]]) -> None:
        """Index many works at once: the hash tables are extended (and re-sorted) once, which is
        what makes loading a large registry on start fast."""
        refs, whole, centre = [], [], []
        with self._lock:
            for work_id, fingerprint in items:
                if work_id in self._slots:
                    continue
                slot = len(self._work_ids)
                self._work_ids.append(work_id)
                self._fingerprints.append(fingerprint)
                self._slots[work_id] = slot
                refs.append((np.int64(slot) << FRAME_BITS) | np.arange(len(fingerprint), dtype=np.int64))
                whole.append(fingerprint.whole)
                centre.append(fingerprint.centre)
        if refs:
            all_refs = np.concatenate(refs)
            self._whole.add(np.concatenate(whole), all_refs)
            self._centre.add(np.concatenate(centre), all_refs)

    def search(self, query: Pictures, limit: int = 10) -> list[tuple[str, VideoMatch]]:
        """Registered works the query copies, best first."""
        if not query.pictures:
            return []
        found = probes(query)
        anchors: dict[int, list[tuple[int, int, int, int]]] = defaultdict(list)
        centre = ~found.is_whole
        for table, chosen, radius in ((self._whole, found.is_whole, UNCROPPED_PROBE_RADIUS),
                                      (self._centre, centre & found.is_uncropped, UNCROPPED_PROBE_RADIUS),
                                      (self._centre, centre & ~found.is_uncropped, PROBE_RADIUS)):
            positions = np.flatnonzero(chosen)
            if len(positions) == 0:
                continue
            probe_at, refs, _ = table.search(found.hashes[positions], radius)
            probe_at = positions[probe_at]
            for p, ref in zip(probe_at.tolist(), refs.tolist()):
                anchors[ref >> FRAME_BITS].append(
                    (int(found.picture[p]), ref & ((1 << FRAME_BITS) - 1), int(found.view[p]), int(found.region[p])))
        ranked = sorted(anchors, key=lambda slot: len(anchors[slot]), reverse=True)[:MAX_CANDIDATES]
        results = []
        for slot in ranked:
            match = compare(query, self._fingerprints[slot], anchors[slot], found)
            if match is not None:
                results.append((self._work_ids[slot], match))
        results.sort(key=lambda item: (-item[1].score, item[0]))
        return results[:limit]
