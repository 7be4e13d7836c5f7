"""`VideoIndex`: registered video and image fingerprints, searchable by a query's pictures.

Whole-picture hashes and centre hashes sit in two `MultiIndexHashing` tables (a whole hash is never
compared with a centre hash). A row's ref packs the work's slot and the frame number.

An index can stand on a frozen *base* (`FrozenVideoIndex`, a memory-mapped snapshot written by
`save`): the base's works take the first slots, works added since go to the in-memory tables, and a
search over both returns exactly what one index holding every work returns.
"""

from __future__ import annotations

import threading
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from fingerprint.video._fingerprint import Pictures, VideoFingerprint
from fingerprint.video._index import LinearScan, MultiIndexHashing
from fingerprint.video._match import PROBE_RADIUS, UNCROPPED_PROBE_RADIUS, VideoMatch, compare, probes
from fingerprint.video._overlay import overlay_mask, without_overlay
from fingerprint.video._snapshot import FrozenVideoIndex, write_snapshot

FRAME_BITS = 24  # a ref is slot << FRAME_BITS | frame: 16.7 million frames (93 days) per work
MAX_CANDIDATES = 20  # works, by anchors found, that are compared in full
BINDING_OFFSET_STEP = 0.5  # seconds: a fingerprint's samples are voted into offsets this wide (the sampling)
MIN_BINDING_SHARE = 0.5  # of a fingerprint's samples, found at one offset, for a work to match it


@dataclass(frozen=True)
class FingerprintMatch:
    """A registered work holding a query fingerprint's samples: the share found at one time offset
    and the work's time range they cover (seconds; 0 to 0 for an image)."""

    score: float
    start: float
    end: float


class VideoIndex:
    def __init__(self, linear: bool = False, base: FrozenVideoIndex | None = None) -> None:
        table = LinearScan if linear else MultiIndexHashing
        self._whole, self._centre = table(), table()
        self._lock = threading.Lock()
        self.base = base
        self._first_slot = len(base) if base is not None else 0  # the base's works come first
        self._work_ids: list[str] = []
        self._fingerprints: list[VideoFingerprint] = []
        self._slots: dict[str, int] = {}

    @classmethod
    def load(cls, path: Path) -> VideoIndex:
        """An index standing on the snapshot at `path` (memory-mapped), ready for more works."""
        return cls(base=FrozenVideoIndex.open(path))

    def __len__(self) -> int:
        return self._first_slot + len(self._slots)

    def __contains__(self, work_id: object) -> bool:
        return work_id in self._slots or (self.base is not None and work_id in self.base)

    @property
    def frames(self) -> int:
        return (self.base.frames if self.base is not None else 0) + len(self._whole)

    @property
    def added_frames(self) -> int:
        """Frame rows held in this process's memory (those not in the base)."""
        return len(self._whole)

    def save(self, path: Path, metadata: dict | None = None) -> None:
        """Write every work (the base's and those added since) as one snapshot; `metadata` (JSON)
        is kept with it (`FrozenVideoIndex.metadata`)."""
        with self._lock:
            fingerprints = list(self._fingerprints)
            work_ids = list(self._work_ids)
        base = self.base.columns() if self.base is not None else None
        lengths = np.array([len(f) for f in fingerprints], np.int64)
        starts = np.concatenate([[0], np.cumsum(lengths)])
        own = {
            "durations": np.array([f.duration for f in fingerprints], np.float32),
            "ms": np.concatenate([np.zeros(0, np.uint32)] + [np.round(f.times * 1000).astype(np.uint32)
                                                             for f in fingerprints]),
            **{name: np.concatenate([np.zeros(0, dtype)] + [getattr(f, name) for f in fingerprints])
               for name, dtype in (("whole", np.uint64), ("centre", np.uint64), ("motion", np.uint32))},
        }
        if base is not None:
            work_ids = [bytes(i).decode() for i in base["work_ids"]] + work_ids
            starts = np.concatenate([base["frame_starts"][:-1], starts + base["frame_starts"][-1]])
            own = {name: np.concatenate([base[name], values]) for name, values in own.items()}
        write_snapshot(Path(path), work_ids, own["durations"], starts, own["ms"], own["whole"], own["centre"],
                       own["motion"], metadata or {})

    def add(self, work_id: str, fingerprint: VideoFingerprint) -> None:
        """Index a work's fingerprint (once per work id; a second add is ignored)."""
        self.add_many([(work_id, fingerprint)])

    def add_many(self, items: list[tuple[str, VideoFingerprint]]) -> None:
        """Index many works at once: the hash tables are extended (and re-sorted) once, which is
        what makes loading a large registry on start fast."""
        refs, whole, centre = [], [], []
        with self._lock:
            for work_id, fingerprint in items:
                if work_id in self:
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

    def search(self, query: Pictures, limit: int = 10, crop_every: int = 1) -> list[tuple[str, VideoMatch]]:
        """Registered works the query copies, best first. With `crop_every` k > 1 only every k-th
        picture is probed under every crop hypothesis (the rest as uncropped or mirrored): a
        cropped copy must then overlap the query by k samples to be found, for about k times fewer
        probes (a registration's prior-art search; a suspect is searched with every picture).

        A query whose bars were cut is searched a second time as it was before the cut, and one with
        a logo laid over it (`fingerprint.video._overlay`) with the logo painted out; each work
        keeps its best match. Flat picture at an edge (a night sky that a colour grade or a
        re-encode crushed to black) can pass for bars in a copy and not in its original, and a
        bright logo over a dark scene outweighs the picture in its hashes."""
        variants = [query]
        whole = query.untrimmed()
        if whole is not None:
            variants.append(whole)
        mask = overlay_mask(query.pictures)
        if mask is not None:
            variants.append(Pictures(query.duration, query.times, without_overlay(query.pictures, mask)))
        best: dict[str, VideoMatch] = {}
        for variant in variants:
            for work_id, match in self._search(variant, limit, crop_every):
                if work_id not in best or match.score > best[work_id].score:
                    best[work_id] = match
        return sorted(best.items(), key=lambda item: (-item[1].score, item[0]))[:limit]

    def search_fingerprint(self, query: VideoFingerprint, limit: int = 10) -> list[tuple[str, FingerprintMatch]]:
        """Registered works holding the samples of a fingerprint made by this algorithm (a soft-binding
        value: a registered video's segment, a registered image, or a copy fingerprinted the same
        way), best first. Each query sample probes the whole-picture hashes within the uncropped
        radius; a work's hits vote for time offsets (work time minus query time, in steps of the
        0.5 s sampling, a step either side counted too), and its score is the share of query samples
        found at its best offset: at least MIN_BINDING_SHARE to match. No crop or mirror is tried:
        the value is taken as what was fingerprinted."""
        if len(query) == 0:
            return []
        probe_at, slots, frames = self._hits("whole", query.whole, UNCROPPED_PROBE_RADIUS)
        found: list[tuple[str, FingerprintMatch]] = []
        for slot in np.unique(slots).tolist():
            mine = slots == slot
            work = self._fingerprint(slot)
            at, work_times = probe_at[mine], work.times[frames[mine]]
            steps = np.round((work_times - query.times[at]) / BINDING_OFFSET_STEP).astype(np.int64)
            best_share, best_step = 0.0, 0
            for step in np.unique(steps).tolist():
                near = np.abs(steps - step) <= 1
                share = len(np.unique(at[near])) / len(query)
                if share > best_share or (share == best_share and abs(step) < abs(best_step)):
                    best_share, best_step = share, step
            if best_share < MIN_BINDING_SHARE:
                continue
            covered = work_times[np.abs(steps - best_step) <= 1]
            found.append((self._work_id(slot), FingerprintMatch(best_share, float(covered.min()),
                                                                float(covered.max()))))
        found.sort(key=lambda item: (-item[1].score, item[0]))
        return found[:limit]

    def _search(self, query: Pictures, limit: int, crop_every: int) -> list[tuple[str, VideoMatch]]:
        if not query.pictures:
            return []
        found = probes(query, crop_every)
        anchors: dict[int, list[tuple[int, int, int, int]]] = defaultdict(list)
        centre = ~found.is_whole
        for name, chosen, radius in (("whole", found.is_whole, UNCROPPED_PROBE_RADIUS),
                                     ("centre", centre & found.is_uncropped, UNCROPPED_PROBE_RADIUS),
                                     ("centre", centre & ~found.is_uncropped, PROBE_RADIUS)):
            positions = np.flatnonzero(chosen)
            if len(positions) == 0:
                continue
            probe_at, slots, frames = self._hits(name, found.hashes[positions], radius)
            probe_at = positions[probe_at]
            for p, slot, frame in zip(probe_at.tolist(), slots.tolist(), frames.tolist()):
                anchors[slot].append((int(found.picture[p]), frame, int(found.view[p]), int(found.region[p])))
        ranked = sorted(anchors, key=lambda slot: len(anchors[slot]), reverse=True)[:MAX_CANDIDATES]
        results = []
        for slot in ranked:
            match = compare(query, self._fingerprint(slot), anchors[slot], found)
            if match is not None:
                results.append((self._work_id(slot), match))
        results.sort(key=lambda item: (-item[1].score, item[0]))
        return results[:limit]

    def _hits(self, name: str, hashes: np.ndarray, radius: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(probe, slot, frame) of every frame within `radius` in table `name`, base and added
        works alike, by probe, slot and frame (the order one index of every work would give)."""
        probe_at, refs, _ = (self._whole if name == "whole" else self._centre).search(hashes, radius)
        slots, frames = (refs >> FRAME_BITS) + self._first_slot, refs & ((1 << FRAME_BITS) - 1)
        if self.base is None:
            return probe_at, slots, frames
        base_at, base_slots, base_frames, _ = self.base.search(name, hashes, radius)
        probe_at, slots, frames = (np.concatenate(pair) for pair in
                                   ((base_at, probe_at), (base_slots, slots), (base_frames, frames)))
        order = np.lexsort((frames, slots, probe_at))
        return probe_at[order], slots[order], frames[order]

    def _fingerprint(self, slot: int) -> VideoFingerprint:
        if slot < self._first_slot:
            return self.base.fingerprint(slot)  # type: ignore[union-attr]
        return self._fingerprints[slot - self._first_slot]

    def _work_id(self, slot: int) -> str:
        if slot < self._first_slot:
            return self.base.work_id(slot)  # type: ignore[union-attr]
        return self._work_ids[slot - self._first_slot]
