"""Multi-index hashing returns exactly what the linear scan returns."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

from fingerprint.video import LinearScan, MultiIndexHashing
from fingerprint.video import _index


def _near(rng: np.random.Generator, base: np.ndarray, bits: int) -> np.ndarray:
    out = base.copy()
    for i in range(len(out)):
        for b in rng.choice(64, bits, replace=False):
            out[i] ^= np.uint64(1) << np.uint64(int(b))
    return out


@settings(max_examples=25, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), rows=st.integers(0, 3000), radius=st.integers(0, _index.MAX_RADIUS),
       flips=st.integers(0, 16))
def test_same_pairs_as_the_linear_scan(seed, rows, radius, flips):
    rng = np.random.default_rng(seed)
    stored = rng.integers(0, 2**64 - 1, rows, dtype=np.uint64, endpoint=True)
    queries = _near(rng, stored[: min(rows, 20)], flips) if rows else rng.integers(0, 2**63, 5, dtype=np.uint64)
    refs = rng.permutation(rows).astype(np.int64)
    fast, slow = MultiIndexHashing(), LinearScan()
    half = rows // 2
    fast.add(stored[:half], refs[:half])
    fast._merge()  # the first half in the sorted word tables, the rest in the buffer
    fast.add(stored[half:], refs[half:])
    slow.add(stored, refs)
    for got, expected in zip(fast.search(queries, radius), slow.search(queries, radius)):
        np.testing.assert_array_equal(got, expected)


def test_a_planted_neighbour_is_found_at_its_distance():
    rng = np.random.default_rng(1)
    stored = rng.integers(0, 2**63, 50_000, dtype=np.uint64)
    index = MultiIndexHashing()
    index.add(stored, np.arange(len(stored)))
    index.add(np.zeros(0, np.uint64), np.zeros(0, np.int64))
    index._merge()
    query = _near(rng, stored[123:124], 5)
    positions, refs, distances = index.search(query, 5)
    assert 123 in refs.tolist()
    assert distances[refs.tolist().index(123)] == 5


@pytest.mark.parametrize("radius", [-1, _index.MAX_RADIUS + 1])
def test_radius_out_of_range_is_refused(radius):
    with pytest.raises(ValueError, match="expected a radius"):
        MultiIndexHashing().search(np.zeros(1, np.uint64), radius)
