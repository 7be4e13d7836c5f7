"""Anchors and chains for ``compare_texts``, in time and memory linear in the fingerprints.

``anchors`` pairs equal hashes with numpy (no Python object per anchor). ``chains`` runs the
chaining dynamic programme exactly (see ``_align``) while there are at most ``EXACT_CHAIN_ANCHORS``
anchors, which covers any pair with a normal article on one side: a work of n hashes makes at most
``MAX_ANCHORS_PER_HASH`` x n anchors, whatever the size of the other text. Beyond that (two long
texts, one copying the other) the programme's inner loop would cost seconds per megabyte in Python,
so each anchor links to its *locally* best predecessor instead: of the same candidates the
programme looks at (at most ``MAX_GAP_CHARS`` behind on both sides, the nearest
``_MAX_PREDECESSORS``), the one on the closest diagonal, the nearest on ties; a predecessor chosen
by several anchors keeps only the closest-diagonal one. The links form paths, labelled by pointer
jumping, so the work is a few numpy passes over the anchors.

>>> import numpy as np
>>> q = np.array([0, 5, 10, 15, 20, 100]); w = q + 7
>>> [(int(q[first]), int(q[last]), count) for first, last, count in chains(q, w)]
[(0, 20, 5)]
>>> [(int(q[first]), int(q[last]), count) for first, last, count in _local_chains(q, w)]
[(0, 20, 5)]
"""

from __future__ import annotations

import numpy as np

MIN_PASSAGE_HASHES = 5
"""Fewest chained anchors that make a passage; shorter chains are shared stock phrases."""

MAX_GAP_CHARS = 60
"""Furthest two consecutive anchors of a chain may be apart, on either side (normalised chars)."""

DRIFT_CHARS = 20
"""Diagonal drift that costs one anchor when chaining (an inserted word drifts a few chars)."""

MAX_ANCHORS_PER_HASH = 16
"""A hash making more anchors than this (count in query x count in work) pairs by rank."""

EXACT_CHAIN_ANCHORS = 50_000
"""Up to this many anchors, chains come from the exact dynamic programme; beyond, from local links."""

_MAX_PREDECESSORS = 24  # chaining looks at most this many valid earlier anchors
_PAIR_BLOCK = 1 << 14  # anchors whose candidate predecessors are examined together
_SHARED_BLOCK = 1 << 16  # shared hash values whose anchors are made together


def _ragged_arange(counts: np.ndarray) -> np.ndarray:
    """``concatenate([arange(c) for c in counts])`` without the Python loop."""
    total = int(counts.sum())
    starts = np.cumsum(counts) - counts
    return np.arange(total, dtype=np.int64) - np.repeat(starts, counts)


def _occurrences(
    sorted_hashes: np.ndarray, order: np.ndarray, positions: np.ndarray, values: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """For sorted unique ``values``: how often each occurs, and its positions, grouped and increasing."""
    low = np.searchsorted(sorted_hashes, values, side="left")
    counts = np.searchsorted(sorted_hashes, values, side="right") - low
    flat = np.repeat(low, counts) + _ragged_arange(counts)
    return counts, positions[order[flat]]  # a stable sort keeps each hash's positions increasing


def anchors(query, work, shared: np.ndarray) -> tuple[np.ndarray, np.ndarray]:  # type: ignore[no-untyped-def]
    """Every ``(query offset, work offset)`` with equal hashes, sorted, as two int64 arrays.

    ``shared`` holds the hash values both fingerprints have, sorted. A hash repeated inside the
    texts pairs every occurrence with every other, unless that makes more than
    ``MAX_ANCHORS_PER_HASH`` anchors: then the i-th of n query occurrences pairs only with the work
    occurrence of the same rank (scaled to the work's count), which keeps a repeated passage on its
    diagonal and the anchor count linear.
    """
    # block by block of shared values, each anchor kept as one 64-bit key (query offset, then work
    # offset: both fit 32 bits), so memory is the keys and one block's working arrays
    keys = [_anchor_keys(query, work, shared[start : start + _SHARED_BLOCK])
            for start in range(0, len(shared), _SHARED_BLOCK)]
    key = np.concatenate(keys) if keys else np.zeros(0, dtype=np.uint64)
    del keys
    key.sort()  # by query offset, then work offset
    return (key >> np.uint64(32)).astype(np.int64), (key & np.uint64(0xFFFFFFFF)).astype(np.int64)


def _anchor_keys(query, work, shared: np.ndarray) -> np.ndarray:  # type: ignore[no-untyped-def]
    """The anchors of ``shared`` (a block of the shared values) as ``query offset << 32 | work offset``."""
    n_query, in_query = _occurrences(*query._by_hash, query._arrays[1], shared)
    n_work, in_work = _occurrences(*work._by_hash, work._arrays[1], shared)
    query_start, work_start = np.cumsum(n_query) - n_query, np.cumsum(n_work) - n_work
    once = (n_query == 1) & (n_work == 1)  # most hashes: one anchor, no ranks to work out
    q_parts, w_parts = [in_query[query_start[once]]], [in_work[work_start[once]]]
    repeated = np.flatnonzero(~once)
    if len(repeated):
        n_query, n_work = n_query[repeated], n_work[repeated]
        query_start, work_start = query_start[repeated], work_start[repeated]
        every_pair = n_query * n_work <= MAX_ANCHORS_PER_HASH
        pairs = np.where(every_pair, n_query * n_work, np.minimum(n_query, n_work))
        group = np.repeat(np.arange(len(repeated)), pairs)
        t = _ragged_arange(pairs)
        nq, nw, n = n_query[group], n_work[group], np.minimum(n_query, n_work)[group]
        all_pairs = every_pair[group]
        q_rank = np.where(all_pairs, t // np.maximum(nw, 1), t * nq // np.maximum(n, 1))
        w_rank = np.where(all_pairs, t % np.maximum(nw, 1), t * nw // np.maximum(n, 1))
        q_parts.append(in_query[query_start[group] + q_rank])
        w_parts.append(in_work[work_start[group] + w_rank])
    return np.concatenate(q_parts).astype(np.uint64) << np.uint64(32) | np.concatenate(w_parts).astype(np.uint64)


def chains(q: np.ndarray, w: np.ndarray) -> list[tuple[int, int, int]]:
    """Chains of anchors as ``(first index, last index, anchor count)``, best first, each anchor once.

    Only chains of at least ``MIN_PASSAGE_HASHES`` anchors are returned.
    """
    if len(q) > EXACT_CHAIN_ANCHORS:
        return _local_chains(q, w)
    return _exact_chains(q.tolist(), w.tolist())


def _exact_chains(qs: list[int], ws: list[int]) -> list[tuple[int, int, int]]:
    """The dynamic programme of ``_align``'s docstring, step 2, anchor by anchor."""
    best = [1.0] * len(qs)
    previous = [-1] * len(qs)
    for i, (q, w) in enumerate(zip(qs, ws)):
        diagonal = w - q
        j, looked = i - 1, 0
        while j >= 0 and q - qs[j] <= MAX_GAP_CHARS and looked < _MAX_PREDECESSORS:
            qj, wj = qs[j], ws[j]
            if qj < q and wj < w <= wj + MAX_GAP_CHARS:
                looked += 1
                candidate = best[j] + 1.0 - abs(diagonal - (wj - qj)) / DRIFT_CHARS
                if candidate > best[i]:
                    best[i], previous[i] = candidate, j
            j -= 1
    used = [False] * len(qs)
    found = []
    for end in sorted(range(len(qs)), key=lambda i: (-best[i], i)):
        i, first, count = end, end, 0
        while i != -1 and not used[i]:
            used[i] = True
            first, count = i, count + 1
            i = previous[i]
        if count >= MIN_PASSAGE_HASHES:
            found.append((first, end, count))
    return found


def _link_same_diagonal(q: np.ndarray, w: np.ndarray, parent: np.ndarray) -> None:
    """Set ``parent[i] = j`` where anchor j is the locally best predecessor of anchor i with no drift.

    Drift 0 is the least there is, and of equals the scan takes the nearest: the previous anchor on
    i's diagonal, when it is close enough to be scanned (within ``MAX_GAP_CHARS``) and among the
    first ``_MAX_PREDECESSORS`` candidates. For a copy that is nearly every anchor, found with one
    sort instead of examining a dozen candidates each.
    """
    diagonal = w - q
    by_diagonal = np.argsort(diagonal, kind="stable")  # on each diagonal, by index (so by query offset)
    for start in range(0, len(by_diagonal) - 1, _PAIR_BLOCK):  # block by block: small temporaries
        i = by_diagonal[start + 1 : start + 1 + _PAIR_BLOCK]
        j = by_diagonal[start : start + len(i)]
        gap = q[i] - q[j]
        linked = (diagonal[i] == diagonal[j]) & (gap > 0) & (gap <= MAX_GAP_CHARS) & (i - j <= _MAX_PREDECESSORS)
        parent[i[linked]] = j[linked]


def _local_predecessors(q: np.ndarray, w: np.ndarray, *, same_diagonal_first: bool = True
                        ) -> tuple[np.ndarray, np.ndarray]:
    """For every anchor, its locally best predecessor (-1 if none) and the diagonal drift to it
    (``same_diagonal_first=False`` examines every anchor's candidates: the same result, slower)."""
    n = len(q)
    parent = np.full(n, -1, dtype=np.int64)
    drift = np.zeros(n, dtype=np.int64)
    if same_diagonal_first:
        _link_same_diagonal(q, w, parent)
    rest = np.flatnonzero(parent < 0)
    for start in range(0, len(rest), _PAIR_BLOCK):
        block = rest[start : start + _PAIR_BLOCK]
        span = block - np.searchsorted(q, q[block] - MAX_GAP_CHARS, side="left")  # the scan stops there
        i = np.repeat(block, span)
        j = i - 1 - _ragged_arange(span)  # nearest first, as the programme scans
        valid = (q[j] < q[i]) & (w[j] < w[i]) & (w[i] <= w[j] + MAX_GAP_CHARS)
        i, j = i[valid], j[valid]
        if len(i) == 0:
            continue
        new_anchor = np.ones(len(i), dtype=bool)
        new_anchor[1:] = i[1:] != i[:-1]
        seen = np.arange(len(i))
        group_start = np.flatnonzero(new_anchor)
        rank = seen - np.repeat(group_start, np.diff(np.append(group_start, len(i))))
        cost = np.abs((w[i] - q[i]) - (w[j] - q[j]))
        # per anchor, among its first _MAX_PREDECESSORS valid ones: least drift, then nearest (lowest rank)
        key = np.where(rank < _MAX_PREDECESSORS, cost * _PAIR_BLOCK + rank, np.iinfo(np.int64).max)
        best = np.minimum.reduceat(key, group_start)
        chosen = group_start + best % _PAIR_BLOCK
        parent[i[chosen]], drift[i[chosen]] = j[chosen], cost[chosen]
    # a predecessor chosen by several anchors continues only the chain of the closest diagonal
    child = np.flatnonzero(parent >= 0)
    pick = np.lexsort((child, drift[child], parent[child]))
    child = child[pick]
    losers = np.zeros(len(child), dtype=bool)
    losers[1:] = parent[child[1:]] == parent[child[:-1]]
    parent[child[losers]] = -1
    drift[child[losers]] = 0
    return parent, drift


def _local_chains(q: np.ndarray, w: np.ndarray) -> list[tuple[int, int, int]]:
    """Chains from local links (see the module docstring), best first, as ``chains`` returns them."""
    parent, drift = _local_predecessors(q, w)
    head = np.where(parent >= 0, parent, np.arange(len(q)))
    while True:  # pointer jumping: every anchor learns the first anchor of its path
        jumped = head[head]
        if np.array_equal(jumped, head):
            break
        head = jumped
    # a path ends at the one anchor that no other continues; per head: its anchors and their drift
    continued = np.zeros(len(q), dtype=bool)
    continued[parent[parent >= 0]] = True
    ends = np.flatnonzero(~continued)
    heads = head[ends]
    counts = np.bincount(head, minlength=len(q))[heads]
    drifted = np.bincount(head, weights=drift, minlength=len(q))[heads]
    score = counts - drifted / DRIFT_CHARS  # what the programme would give the path's last anchor
    long_enough = np.flatnonzero(counts >= MIN_PASSAGE_HASHES)
    ranked = long_enough[np.lexsort((ends[long_enough], -score[long_enough]))]
    return [(int(heads[k]), int(ends[k]), int(counts[k])) for k in ranked]
