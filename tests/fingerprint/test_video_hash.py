"""The frame hash computed a grid at a time: the same as region by region, and within a bit or two of
the resize-then-DCT definition that fingerprints registered before it were computed with."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from fingerprint.video._hash import (
    CROP_HYPOTHESES,
    HASH_SIDE,
    _COLS,
    _ROWS,
    centred_grid,
    dct_hash,
    grid_hashes,
    hash_pictures,
    query_hashes,
    whole_and_centre,
    window,
)
from fingerprint.video._index import hamming

from .video_media import Scene


def _pictures(count: int = 6, size: tuple[int, int] = (256, 144)) -> list[np.ndarray]:
    return [cv2.cvtColor(Scene(seed=seed).frame(2.0 + seed, *size), cv2.COLOR_BGR2GRAY) for seed in range(count)]


def _resize_then_dct(region: np.ndarray) -> int:
    """The hash as first defined: cv2.resize (INTER_AREA, to uint8), cv2.dct, sign against the median."""
    small = cv2.resize(region, (HASH_SIDE, HASH_SIDE), interpolation=cv2.INTER_AREA).astype(np.float32)
    coefficients = cv2.dct(small)[_ROWS, _COLS]
    bits = coefficients > np.median(coefficients)
    return sum(1 << (63 - int(i)) for i in np.flatnonzero(bits))


def test_a_stack_of_pictures_hashes_as_each_picture_alone():
    pictures = np.stack(_pictures(5))
    rows, cols = [(0, 144), (20, 110)], [(0, 256), (40, 220), (3, 90)]
    stacked = grid_hashes(pictures, rows, cols)
    assert stacked.shape == (5, 2, 3)
    for picture, grid in zip(pictures, stacked):
        assert (grid_hashes(picture, rows, cols) == grid).all()
    mixed = [pictures[0], pictures[1][:100], pictures[2], pictures[3][:, :200]]
    rows_of = hash_pictures(mixed, lambda stack: whole_and_centre(stack))
    assert [tuple(row) for row in rows_of] == [tuple(whole_and_centre(p[None])[0]) for p in mixed]


def test_a_grid_hashes_each_region_as_hashing_it_alone_does():
    picture = _pictures(1)[0]
    rows = [(0, 144), (10, 120), (30, 144), (0, 40)]
    cols = [(0, 256), (17, 200), (100, 256)]
    grid = grid_hashes(picture, rows, cols)
    assert grid.shape == (4, 3) and grid.dtype == np.uint64
    for i, (y0, y1) in enumerate(rows):
        for j, (x0, x1) in enumerate(cols):
            assert int(grid[i, j]) == dct_hash(picture[y0:y1, x0:x1])


def test_the_hash_agrees_with_resizing_then_transforming_within_two_bits():
    rng = np.random.default_rng(3)
    distances = []
    for picture in _pictures(10):
        for _ in range(20):
            y0, x0 = int(rng.integers(0, 50)), int(rng.integers(0, 100))
            region = picture[y0:y0 + int(rng.integers(40, 144 - y0 + 1)), x0:x0 + int(rng.integers(40, 256 - x0 + 1))]
            if region.shape[0] >= 40 and region.std() >= 6:  # detailed regions, as the fingerprint keeps
                distances.append(bin(dct_hash(region) ^ _resize_then_dct(region)).count("1"))
    assert len(distances) > 100
    assert max(distances) <= 2, np.bincount(distances)
    assert np.mean(distances) < 0.5


def test_a_region_narrower_than_the_hash_is_stretched_not_refused():
    region = _pictures(1)[0][:20, :25]
    assert dct_hash(region) == dct_hash(region.copy())
    assert dct_hash(region) != 0


@pytest.mark.parametrize("side", [0.6, 0.75])
def test_a_centred_grid_is_the_grid_of_its_windows(side):
    picture = _pictures(1)[0]
    xs, ys = [0.4, 0.5, 0.62], [0.45, 0.55]
    grid = centred_grid(picture, xs, ys, side)
    for i, y in enumerate(ys):
        for j, x in enumerate(xs):
            assert int(grid[i, j]) == dct_hash(window(picture, x, y, side))


def test_query_hashes_follow_the_crop_hypotheses_for_both_views():
    picture = _pictures(1)[0]
    hashes = query_hashes(picture[None])[0]
    per_view = 1 + len(CROP_HYPOTHESES)
    assert len(hashes) == 2 * per_view
    for start, view in ((0, picture), (per_view, picture[:, ::-1])):
        assert int(hashes[start]) == dct_hash(view)
        for h in (0, 1, len(CROP_HYPOTHESES) // 2, len(CROP_HYPOTHESES) - 1):
            assert int(hashes[start + 1 + h]) == dct_hash(window(view, *CROP_HYPOTHESES[h]))
    uncropped = query_hashes(picture[None], crops=False)[0]
    assert list(uncropped) == [hashes[0], hashes[1], hashes[per_view], hashes[per_view + 1]]


def test_whole_and_centre_are_what_a_registered_frame_stores():
    picture = _pictures(1)[0]
    whole, centre = whole_and_centre(picture[None])[0]
    assert whole == dct_hash(picture) and centre == dct_hash(window(picture, 0.5, 0.5, 0.6))


def test_a_reencoded_frame_stays_close_and_another_frame_does_not():
    first, second = _pictures(2)
    _, encoded = cv2.imencode(".jpg", first, [cv2.IMWRITE_JPEG_QUALITY, 30])
    again = cv2.imdecode(encoded, cv2.IMREAD_GRAYSCALE)
    assert int(hamming(np.uint64(dct_hash(first)), np.uint64(dct_hash(again)))) <= 6
    assert int(hamming(np.uint64(dct_hash(first)), np.uint64(dct_hash(second)))) >= 16
