"""A 64-bit DCT hash of a region of a grey frame, and the regions the registry hashes.

The hash is the sign, against their median, of the 64 lowest-frequency AC coefficients of the 2-D
DCT of the region scaled to 32x32 (the pHash family: DC left out, coefficients taken by increasing
u+v so vertical and horizontal detail weigh alike). Affine changes of brightness and contrast scale
every AC coefficient alike and so change no bit; blur, noise and re-encoding move only coefficients
close to the median.

A registered frame gives two hashes: its whole picture (borders removed) and its centre
(``CENTRE`` of each side). A query frame gives many: the whole picture and the centre of itself and
of its mirror image, and the centre as it would lie if the query were a crop of the original
(``crop_hypotheses``). Logos, captions and watermarks sit mostly outside the centre; a crop of up to
20% at any position keeps the original's centre inside the picture.
"""

from __future__ import annotations

import cv2
import numpy as np

HASH_SIDE = 32  # pixels of the scaled region
CENTRE = 0.6  # side of the registered centre region, as a share of the picture's side


def _low_frequency_order(count: int = 64) -> tuple[np.ndarray, np.ndarray]:
    cells = [(u, v) for u in range(12) for v in range(12) if (u, v) != (0, 0)]
    cells.sort(key=lambda uv: (uv[0] + uv[1], max(uv), uv[0]))
    rows, cols = zip(*cells[:count])
    return np.array(rows), np.array(cols)


_ROWS, _COLS = _low_frequency_order()
_BIT_WEIGHTS = (1 << np.arange(63, -1, -1, dtype=np.uint64)).astype(np.uint64)


def dct_hash(region: np.ndarray) -> int:
    """The 64-bit hash of a grey region (any size, uint8 or float) as an unsigned int."""
    small = cv2.resize(region, (HASH_SIDE, HASH_SIDE), interpolation=cv2.INTER_AREA).astype(np.float32)
    coefficients = cv2.dct(small)[_ROWS, _COLS]
    bits = coefficients > np.median(coefficients)
    return int(np.bitwise_or.reduce(_BIT_WEIGHTS[bits], initial=np.uint64(0)))


_ROWS32, _COLS32 = _ROWS[:32], _COLS[:32]
_BIT_WEIGHTS32 = (1 << np.arange(31, -1, -1, dtype=np.uint64)).astype(np.uint64)
MIN_MOTION = 2.5  # grey levels: a change image flatter than this has no motion to hash
NO_MOTION = 0  # never a real 32-bit hash (the median split sets 16 bits)


def motion_hash(now: np.ndarray, before: np.ndarray) -> int:
    """A 32-bit hash of what changed between two same-sized grey regions (the signed difference's
    32 lowest AC coefficients against their median), or NO_MOTION when next to nothing changed.

    The background of a fixed camera cancels out, and so do a logo or watermark that stays put:
    what is left is what moved, which a copy keeps and later footage of the same place does not."""
    if now.shape != before.shape or now.size == 0:
        return NO_MOTION
    change = cv2.resize(now, (HASH_SIDE, HASH_SIDE), interpolation=cv2.INTER_AREA).astype(np.float32) - \
        cv2.resize(before, (HASH_SIDE, HASH_SIDE), interpolation=cv2.INTER_AREA).astype(np.float32)
    if float(change.std()) < MIN_MOTION:
        return NO_MOTION
    coefficients = cv2.dct(change)[_ROWS32, _COLS32]
    bits = coefficients > np.median(coefficients)
    return int(np.bitwise_or.reduce(_BIT_WEIGHTS32[bits], initial=np.uint64(0)))


def dct_hashes(regions: list[np.ndarray]) -> np.ndarray:
    """`dct_hash` of each region, as uint64."""
    return np.array([dct_hash(region) for region in regions], dtype=np.uint64)


def window(picture: np.ndarray, centre_x: float, centre_y: float, side: float) -> np.ndarray:
    """The part of `picture` centred at (centre_x, centre_y) with sides `side` of the picture's,
    all in shares of the picture's width and height, clipped to the picture."""
    height, width = picture.shape[:2]
    x0 = int(round((centre_x - side / 2) * width))
    y0 = int(round((centre_y - side / 2) * height))
    x1 = int(round((centre_x + side / 2) * width))
    y1 = int(round((centre_y + side / 2) * height))
    return picture[max(y0, 0):min(y1, height), max(x0, 0):min(x1, width)]


def registered_regions(picture: np.ndarray) -> list[np.ndarray]:
    """What a registered frame is hashed on: the whole picture and its centre."""
    return [picture, window(picture, 0.5, 0.5, CENTRE)]


# A query that is a crop keeping share s of each side (offset o) shows the original's centre at
# (0.5 - o) / s with side CENTRE / s. Crops keep 80% or more of each side; the grid below is where
# that centre can then lie, at a spacing the hash tolerates (about 4% of the side).
_CROP_KEEPS = (0.95, 0.9, 0.85, 0.8)
_GRID_STEP = 0.03  # of the query's side, between neighbouring centre positions


def crop_hypotheses() -> list[tuple[float, float, float]]:
    """(centre x, centre y, side) of the original's centre in a cropped query, uncropped first."""
    hypotheses = [(0.5, 0.5, CENTRE)]
    for keep in _CROP_KEEPS:
        reach = (1 - keep) / 2 / keep  # how far from the middle the original's centre can be
        count = int(np.ceil(reach / _GRID_STEP))
        steps = np.linspace(-reach, reach, 2 * count + 1) if count else np.zeros(1)
        for dy in steps:
            for dx in steps:
                hypotheses.append((0.5 + float(dx), 0.5 + float(dy), CENTRE / keep))
    return hypotheses


CROP_HYPOTHESES = crop_hypotheses()


def query_regions(picture: np.ndarray, crops: bool = True) -> list[np.ndarray]:
    """What a query frame is hashed on, for itself and its mirror image: the whole picture, then
    the centre under each crop hypothesis (only the uncropped one when `crops` is false)."""
    regions = []
    hypotheses = CROP_HYPOTHESES if crops else CROP_HYPOTHESES[:1]
    for view in (picture, picture[:, ::-1]):
        regions.append(view)
        regions.extend(window(view, x, y, side) for x, y, side in hypotheses)
    return regions
