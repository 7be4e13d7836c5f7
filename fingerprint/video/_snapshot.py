"""A frozen video index in one file, searched memory-mapped: what a worker builds once and every API
process opens in milliseconds, instead of each parsing and sorting every fingerprint into memory of
its own. The kernel keeps the pages searches touch in its page cache, once for every process on the
machine, and can drop them again under pressure: a process's own memory does not grow with the rows.

Layout: ``b"AVIX"``, format version (uint32), header length (uint64), a JSON header (each array's
dtype, shape and offset, and the caller's metadata), then the arrays, each at a multiple of 64
bytes. The arrays, per work (a *slot*): its id (``work_ids``), duration, where its frames start
(``frame_starts``, one more than the works); per frame: time (ms), whole-picture, centre and motion
hashes; per table (whole, centre) and word position, the multi-index hashing order and offsets of
`fingerprint.video._index`, and for the centre table the hashes in each position's order
(`SORTED_COPIES`); and the slots sorted by work id, for membership. 72 bytes a frame row (24 of
fingerprint, 24 of sort orders, 24 of sorted copies), plus 64 MiB of offset tables whatever the size.

>>> import tempfile, numpy as np
>>> from pathlib import Path
>>> path = Path(tempfile.mkdtemp()) / "index.avix"
>>> write_snapshot(path, ["W1", "W2"], np.array([1.0, 0.5], np.float32), np.array([0, 2, 3]),
...                np.array([0, 500, 0], np.uint32), np.array([1, 2, 3], np.uint64),
...                np.array([4, 5, 6], np.uint64), np.array([0, 7, 0], np.uint32), {"through": 9})
>>> frozen = FrozenVideoIndex.open(path)
>>> len(frozen), frozen.frames, frozen.metadata, "W2" in frozen, frozen.work_id(1)
(2, 3, {'through': 9}, True, 'W2')
>>> frozen.fingerprint(0).times.tolist()
[0.0, 0.5]
>>> frozen.search("centre", np.array([6], np.uint64), radius=0)  # (query, slot, frame, distance)
(array([0]), array([1]), array([0]), array([0], dtype=uint8))
"""

from __future__ import annotations

import json
import os
import struct
from pathlib import Path

import numpy as np

from fingerprint.errors import InvalidFingerprintError
from fingerprint.video._fingerprint import VideoFingerprint
from fingerprint.video._index import (
    _MASKS,
    _WORDS,
    _ranges,
    _sorted_pairs,
    check_radius,
    hamming,
    within,
    word_candidates,
    word_tables,
)

_MAGIC = b"AVIX"
_VERSION = 1
_PREAMBLE = struct.Struct("<4sIQ")
_ALIGN = 64
TABLES = ("whole", "centre")
#: Tables also stored as per-position sorted copies: the centre table takes 408 of a query picture's
#: 412 probes, and reading candidates in sorted runs instead of at random places halves its search
#: time on a mapped file (bench/video_index_snapshot.py); the whole table (4 probes) goes without.
SORTED_COPIES = ("centre",)


def _aligned(position: int) -> int:
    return -(-position // _ALIGN) * _ALIGN


def write_snapshot(path: Path, work_ids: list[str], durations: np.ndarray, frame_starts: np.ndarray,
                   ms: np.ndarray, whole: np.ndarray, centre: np.ndarray, motion: np.ndarray,
                   metadata: dict) -> None:
    """Write a frozen index of these works (slot i: `work_ids[i]`, frames `frame_starts[i]` to
    `frame_starts[i + 1]`) to `path`, whole or not at all (a temporary file, then renamed)."""
    frames = len(ms)
    if not (len(whole) == len(centre) == len(motion) == frames and len(frame_starts) == len(work_ids) + 1
            and len(durations) == len(work_ids) and int(frame_starts[-1]) == frames):
        raise InvalidFingerprintError("expected one duration and frame start per work, and one of each hash per frame")
    if frames >= 2**31:
        raise InvalidFingerprintError(f"a snapshot holds at most 2^31 - 1 frame rows, got {frames}")
    ids = np.array([work_id.encode() for work_id in work_ids], dtype=f"S{max([1, *map(len, work_ids)])}")
    id_order = np.argsort(ids, kind="stable").astype(np.int32)
    arrays: dict[str, np.ndarray] = {
        "work_ids": ids, "durations": np.asarray(durations, "<f4"), "frame_starts": np.asarray(frame_starts, "<i8"),
        "ms": np.asarray(ms, "<u4"), "whole": np.asarray(whole, "<u8"), "centre": np.asarray(centre, "<u8"),
        "motion": np.asarray(motion, "<u4"), "sorted_ids": ids[id_order], "id_order": id_order,
    }
    for table in TABLES:
        orders, offsets = word_tables(arrays[table], offset_type=np.int32)
        for position, (order, offset) in enumerate(zip(orders, offsets)):
            arrays[f"{table}_order_{position}"], arrays[f"{table}_offsets_{position}"] = order, offset
            if table in SORTED_COPIES:
                arrays[f"{table}_sorted_{position}"] = arrays[table][order]
    layout, position = {}, 0
    for name, array in arrays.items():
        layout[name] = [array.dtype.str, list(array.shape), position]
        position = _aligned(position + array.nbytes)
    header = json.dumps({"arrays": layout, "metadata": metadata}).encode()
    start = _aligned(_PREAMBLE.size + len(header))
    partial = path.with_name(path.name + ".partial")
    with open(partial, "wb") as handle:
        handle.write(_PREAMBLE.pack(_MAGIC, _VERSION, len(header)) + header)
        for name, array in arrays.items():
            handle.seek(start + layout[name][2])
            np.ascontiguousarray(array).tofile(handle)
        handle.truncate(start + position)
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(partial, path)


class FrozenVideoIndex:
    """A snapshot opened read-only and memory-mapped: thread-safe, nothing loaded until searched."""

    def __init__(self, path: Path, arrays: dict[str, np.ndarray], metadata: dict) -> None:
        self.path, self.metadata = path, metadata
        self._a = arrays
        self._orders = {table: [arrays[f"{table}_order_{i}"] for i in range(len(_WORDS))] for table in TABLES}
        self._offsets = {table: [arrays[f"{table}_offsets_{i}"] for i in range(len(_WORDS))] for table in TABLES}
        self._sorted = {table: [arrays[f"{table}_sorted_{i}"] for i in range(len(_WORDS))] for table in SORTED_COPIES}

    @classmethod
    def open(cls, path: Path) -> FrozenVideoIndex:
        path = Path(path)
        with open(path, "rb") as handle:
            magic, version, length = _PREAMBLE.unpack(handle.read(_PREAMBLE.size))
            if magic != _MAGIC or version != _VERSION:
                raise InvalidFingerprintError(f"expected a video index snapshot ({_MAGIC!r} version {_VERSION}), "
                                              f"got {magic!r} version {version} in {path}")
            header = json.loads(handle.read(length))
        start, size = _aligned(_PREAMBLE.size + length), path.stat().st_size
        arrays = {}
        for name, (dtype, shape, offset) in header["arrays"].items():
            count = int(np.prod(shape))
            if start + offset + count * np.dtype(dtype).itemsize > size:
                raise InvalidFingerprintError(f"video index snapshot {path} is truncated (array {name})")
            arrays[name] = (np.memmap(path, dtype=dtype, mode="r", offset=start + offset, shape=tuple(shape))
                            if count else np.zeros(shape, dtype))
        frozen = cls(path, arrays, header["metadata"])
        if len(arrays["frame_starts"]) != len(frozen) + 1 or int(arrays["frame_starts"][-1]) != frozen.frames:
            raise InvalidFingerprintError(f"video index snapshot {path} does not add up (frame starts)")
        return frozen

    def __len__(self) -> int:
        return len(self._a["work_ids"])

    @property
    def frames(self) -> int:
        return len(self._a["ms"])

    def __contains__(self, work_id: object) -> bool:
        return isinstance(work_id, str) and self._slot_of(work_id) is not None

    def _slot_of(self, work_id: str) -> int | None:
        key = work_id.encode()
        sorted_ids = self._a["sorted_ids"]
        at = int(np.searchsorted(sorted_ids, key))
        return int(self._a["id_order"][at]) if at < len(sorted_ids) and sorted_ids[at] == key else None

    def work_id(self, slot: int) -> str:
        return bytes(self._a["work_ids"][slot]).decode()

    def fingerprint(self, slot: int) -> VideoFingerprint:
        first, end = (int(n) for n in self._a["frame_starts"][slot:slot + 2])
        return VideoFingerprint(float(self._a["durations"][slot]), self._a["ms"][first:end].astype(np.float64) / 1000,
                                np.array(self._a["whole"][first:end], np.uint64),
                                np.array(self._a["centre"][first:end], np.uint64),
                                np.array(self._a["motion"][first:end], np.uint32))

    def columns(self) -> dict[str, np.ndarray]:
        """The works' and frames' arrays (memory-mapped), to build a bigger snapshot from."""
        names = ("work_ids", "durations", "frame_starts", "ms", "whole", "centre", "motion")
        return {name: self._a[name] for name in names}

    def search(self, table: str, queries: np.ndarray, radius: int) -> tuple[np.ndarray, ...]:
        """(query position, slot, frame, distance) of every frame whose `table` hash ("whole" or
        "centre") is within `radius` of a query, by query, slot and frame."""
        check_radius(radius)
        queries = np.asarray(queries, np.uint64)
        if not self.frames or not len(queries):
            empty = np.zeros(0, np.int64)
            return empty, empty, empty, np.zeros(0, np.uint8)
        if table in self._sorted:
            q, rows, distances = _sorted_search(self._sorted[table], self._orders[table], self._offsets[table],
                                                queries, radius)
            _, first = np.unique(q * (self.frames + 1) + rows, return_index=True)  # a row close in two words
            q, rows, distances = q[first], rows[first], distances[first]
        else:
            q, rows = word_candidates(self._orders[table], self._offsets[table], queries, radius // len(_WORDS))
            q, rows, distances = within(self._a[table], queries, q, rows, radius)
        q, rows, distances = _sorted_pairs([q], [rows], [distances])
        slots = np.searchsorted(self._a["frame_starts"], rows, side="right") - 1
        return q, slots, rows - self._a["frame_starts"][slots], distances


def _sorted_search(sorted_hashes: list[np.ndarray], orders: list[np.ndarray], offsets: list[np.ndarray],
                   queries: np.ndarray, radius: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Multi-index hashing over per-position copies of the hashes in that position's order: a
    candidate's hash is read from the run of rows sharing its word (one place in memory) rather
    than at a random place, and the row number only for the few within `radius`."""
    found_q, found_rows, found_d = [], [], []
    for (shift, bits), stored, order, offset in zip(_WORDS, sorted_hashes, orders, offsets):
        words = (queries >> np.uint64(shift)) & np.uint64((1 << bits) - 1)
        neighbours = (_MASKS[bits][radius // len(_WORDS)][None, :] ^ words[:, None]).astype(np.int64)
        starts = offset[neighbours].ravel().astype(np.int64)
        lengths = offset[neighbours + 1].ravel().astype(np.int64) - starts
        nonempty = lengths > 0
        if not nonempty.any():
            continue
        owner = np.repeat(np.arange(len(queries)), neighbours.shape[1])[nonempty]
        starts, lengths = starts[nonempty], lengths[nonempty]
        spans = _ranges(starts, lengths)
        owners = np.repeat(owner, lengths)
        distances = hamming(stored[spans], queries[owners])
        keep = np.flatnonzero(distances <= radius)
        found_q.append(owners[keep]), found_rows.append(order[spans[keep]].astype(np.int64))
        found_d.append(distances[keep])
    if not found_q:
        return np.zeros(0, np.int64), np.zeros(0, np.int64), np.zeros(0, np.uint8)
    return np.concatenate(found_q), np.concatenate(found_rows), np.concatenate(found_d)
