"""Find every stored 64-bit hash within a Hamming radius of a query: a linear scan and multi-index
hashing (Norouzi, Punjani, Fleet, CVPR 2012) that returns exactly the same pairs.

Multi-index hashing cuts each hash into three words (22, 21 and 21 bits) and keeps, per word
position, the rows sorted by that word with the start of every word value (an offset table). Two
hashes within distance r agree to within floor(r / 3) bits in at least one word (pigeonhole),
so a search looks up, in each position, every word that close to the query's word, and checks the
candidates' full distance. New rows go to a small buffer scanned linearly and are merged into the
sorted tables once it holds ``BUFFER_ROWS``.

>>> import numpy as np
>>> stored = np.array([0x0F0F0F0F0F0F0F0F, 0xFFFF000000000000, 0x0F0F0F0F0F0F0F0E], np.uint64)
>>> index = MultiIndexHashing()
>>> index.add(stored, np.array([10, 11, 12]))
>>> index.search(np.array([0x0F0F0F0F0F0F0F0F], np.uint64), radius=3)
(array([0, 0]), array([10, 12]), array([0, 1], dtype=uint8))
"""

from __future__ import annotations

import itertools
import threading

import numpy as np

_WORDS = ((0, 22), (22, 21), (43, 21))  # (shift, bits): three words cover the 64 bits
BUFFER_ROWS = 1 << 16
MAX_RADIUS = 14  # at most 4 bits per word: 7,547 neighbour words per position


def _words_within(width: int, bits: int) -> np.ndarray:
    """Every `width`-bit mask with at most `bits` bits set."""
    masks = [0]
    for count in range(1, bits + 1):
        for positions in itertools.combinations(range(width), count):
            masks.append(sum(1 << p for p in positions))
    return np.array(masks, dtype=np.uint64)


_MASKS = {width: [_words_within(width, bits) for bits in range(MAX_RADIUS // len(_WORDS) + 1)]
          for width in {bits for _, bits in _WORDS}}


def hamming(a: np.ndarray, b: np.ndarray | np.uint64) -> np.ndarray:
    """Bitwise Hamming distances of uint64 arrays (broadcasting)."""
    return np.bitwise_count(np.bitwise_xor(a, b))


def _sorted_pairs(query_ids: list[np.ndarray], refs: list[np.ndarray], dists: list[np.ndarray]):
    if not query_ids:
        return np.zeros(0, np.int64), np.zeros(0, np.int64), np.zeros(0, np.uint8)
    q, r, d = np.concatenate(query_ids), np.concatenate(refs), np.concatenate(dists)
    order = np.lexsort((r, q))
    return q[order], r[order], d[order]


def _ranges(starts: np.ndarray, lengths: np.ndarray) -> np.ndarray:
    """The concatenation of arange(start, start + length) for non-empty ranges, without a loop."""
    steps = np.ones(int(lengths.sum()), np.int64)
    firsts = np.concatenate([[0], np.cumsum(lengths)[:-1]])
    steps[firsts[1:]] = starts[1:] - (starts[:-1] + lengths[:-1] - 1)
    steps[0] = starts[0]
    return np.cumsum(steps)


class LinearScan:
    """The baseline: every stored hash compared with every query."""

    def __init__(self) -> None:
        self._hashes = np.zeros(0, np.uint64)
        self._refs = np.zeros(0, np.int64)

    def __len__(self) -> int:
        return len(self._hashes)

    def add(self, hashes: np.ndarray, refs: np.ndarray) -> None:
        self._hashes = np.concatenate([self._hashes, np.asarray(hashes, np.uint64)])
        self._refs = np.concatenate([self._refs, np.asarray(refs, np.int64)])

    def search(self, queries: np.ndarray, radius: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(query position, ref, distance) of every stored hash within `radius`, by query then ref."""
        out_q, out_r, out_d = [], [], []
        for position, query in enumerate(np.asarray(queries, np.uint64)):
            distances = hamming(self._hashes, query)
            hit = np.flatnonzero(distances <= radius)
            out_q.append(np.full(len(hit), position))
            out_r.append(self._refs[hit])
            out_d.append(distances[hit])
        return _sorted_pairs(out_q, out_r, out_d)


class MultiIndexHashing:
    """Exact radius search in sub-linear time; thread-safe (one writer or many readers at a time)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._hashes = np.zeros(0, np.uint64)
        self._refs = np.zeros(0, np.int64)
        self._orders: list[np.ndarray] = []  # per word position: row numbers sorted by that word
        self._offsets: list[np.ndarray] = []  # per word position: where each word value starts
        self._buffer = LinearScan()

    def __len__(self) -> int:
        return len(self._hashes) + len(self._buffer)

    def add(self, hashes: np.ndarray, refs: np.ndarray) -> None:
        with self._lock:
            self._buffer.add(hashes, refs)
            if len(self._buffer) >= BUFFER_ROWS:
                self._merge()

    def _merge(self) -> None:
        self._hashes = np.concatenate([self._hashes, self._buffer._hashes])
        self._refs = np.concatenate([self._refs, self._buffer._refs])
        self._buffer = LinearScan()
        self._orders, self._offsets = word_tables(self._hashes)

    def search(self, queries: np.ndarray, radius: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(query position, ref, distance) of every stored hash within `radius`, by query then ref:
        the same as `LinearScan.search` on the same rows."""
        check_radius(radius)
        queries = np.asarray(queries, np.uint64)
        out_q, out_r, out_d = [], [], []
        with self._lock:
            if len(self._hashes) and len(queries):
                q, rows = self._candidates(queries, radius // len(_WORDS))
                q, rows, distances = within(self._hashes, queries, q, rows, radius)
                out_q.append(q), out_r.append(self._refs[rows]), out_d.append(distances)
            if len(self._buffer):
                q, r, d = self._buffer.search(queries, radius)
                out_q.append(q), out_r.append(r), out_d.append(d)
        return _sorted_pairs(out_q, out_r, out_d)

    def _candidates(self, queries: np.ndarray, word_radius: int) -> tuple[np.ndarray, np.ndarray]:
        return word_candidates(self._orders, self._offsets, queries, word_radius)


def check_radius(radius: int) -> None:
    if not 0 <= radius <= MAX_RADIUS:
        raise ValueError(f"expected a radius from 0 to {MAX_RADIUS}, got {radius}")


def word_tables(hashes: np.ndarray, offset_type: type = np.int64) -> tuple[list[np.ndarray], list[np.ndarray]]:
    """Per word position, the row numbers sorted by that word (int32) and where each word value
    starts among them (`offset_type`; int32 is enough below 2^31 rows)."""
    orders, offsets = [], []
    for shift, bits in _WORDS:
        words = ((hashes >> np.uint64(shift)) & np.uint64((1 << bits) - 1)).astype(np.int64)
        orders.append(np.argsort(words, kind="stable").astype(np.int32))
        counts = np.bincount(words, minlength=1 << bits)
        offsets.append(np.concatenate([[0], np.cumsum(counts)]).astype(offset_type))
    return orders, offsets


def word_candidates(orders: list[np.ndarray], offsets: list[np.ndarray], queries: np.ndarray,
                    word_radius: int) -> tuple[np.ndarray, np.ndarray]:
    """(query position, row) pairs of rows sharing a word with a query to within `word_radius`
    bits (a row close in several words comes more than once)."""
    found_q, found_rows = [], []
    for (shift, bits), order, offset in zip(_WORDS, orders, offsets):
        words = (queries >> np.uint64(shift)) & np.uint64((1 << bits) - 1)
        neighbours = (_MASKS[bits][word_radius][None, :] ^ words[:, None]).astype(np.int64)
        starts = offset[neighbours].ravel().astype(np.int64)
        lengths = offset[neighbours + 1].ravel().astype(np.int64) - starts
        owner = np.repeat(np.arange(len(queries)), neighbours.shape[1])
        nonempty = lengths > 0
        if not nonempty.any():
            continue
        starts, lengths, owner = starts[nonempty], lengths[nonempty], owner[nonempty]
        found_rows.append(order[_ranges(starts, lengths)].astype(np.int64))
        found_q.append(np.repeat(owner, lengths))
    if not found_rows:
        return np.zeros(0, np.int64), np.zeros(0, np.int64)
    return np.concatenate(found_q), np.concatenate(found_rows)


def within(hashes: np.ndarray, queries: np.ndarray, q: np.ndarray, rows: np.ndarray,
           radius: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The candidate (query position, row) pairs whose full distance is within `radius`, each once."""
    distances = hamming(hashes[rows], queries[q])
    keep = distances <= radius  # few survive: only they are de-duplicated
    q, rows, distances = q[keep], rows[keep], distances[keep]
    _, first = np.unique(q * (len(hashes) + 1) + rows, return_index=True)
    return q[first], rows[first], distances[first]
