"""A 64-bit DCT hash of a region of a grey frame, and the regions the registry hashes.

The hash is the sign, against their median, of the 64 lowest-frequency AC coefficients of the 2-D
DCT of the region scaled to 32x32 (the pHash family: DC left out, coefficients taken by increasing
u+v so vertical and horizontal detail weigh alike). Affine changes of brightness and contrast scale
every AC coefficient alike and so change no bit; blur, noise and re-encoding move only coefficients
close to the median.

A registered frame gives two hashes: its whole picture (borders removed) and its centre
(``CENTRE`` of each side). A query frame gives many: the whole picture and the centre of itself and
of its mirror image, and the centre as it would lie if the query were a crop of the original
(``CROP_HYPOTHESES``, about 200 a view). Logos, captions and watermarks sit mostly outside the
centre; a crop of up to 20% at any position keeps the original's centre inside the picture.

Hashes are computed a grid of regions at a time (`grid_hashes`): scaling and the DCT are linear and
separable, so the low frequencies of every region of a picture come out of two matrix products,
about 40 times as fast per hash as scaling and transforming each of the ~400 probe regions of a
query picture in turn.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import lru_cache

import cv2
import numpy as np
from threadpoolctl import ThreadpoolController

HASH_SIDE = 32  # pixels of the scaled region
CENTRE = 0.6  # side of the registered centre region, as a share of the picture's side


def _low_frequency_order(count: int = 64) -> tuple[np.ndarray, np.ndarray]:
    cells = [(u, v) for u in range(_BAND) for v in range(_BAND) if (u, v) != (0, 0)]
    cells.sort(key=lambda uv: (uv[0] + uv[1], max(uv), uv[0]))
    rows, cols = zip(*cells[:count])
    return np.array(rows), np.array(cols)


_BAND = 12  # the 64 coefficients lie within the lowest 12 frequencies of each axis
_ROWS, _COLS = _low_frequency_order()


def _dct_matrix(size: int = HASH_SIDE) -> np.ndarray:
    """The orthonormal DCT-II as a matrix (what ``cv2.dct`` applies along each axis)."""
    u, x = np.meshgrid(np.arange(size), np.arange(size), indexing="ij")
    matrix = np.sqrt(2.0 / size) * np.cos(np.pi * (2 * x + 1) * u / (2 * size))
    matrix[0] /= np.sqrt(2.0)
    return matrix


_DCT_BAND = _dct_matrix()[:_BAND]


def _area_matrix(length: int, size: int = HASH_SIDE) -> np.ndarray:
    """(size, length) weights scaling a line of `length` pixels to `size`, as ``cv2.INTER_AREA``
    does: each output pixel the mean of the input it covers (fractional pixels weighed by their
    share); a line shorter than `size` (only in pictures narrower than 32 pixels after their bars)
    is stretched linearly, which OpenCV's INTER_AREA does a little differently."""
    weights = np.zeros((size, length))
    if length >= size:
        scale = length / size
        for i in range(size):
            start, end = i * scale, (i + 1) * scale
            for k in range(int(np.floor(start)), min(int(np.ceil(end)), length)):
                weights[i, k] = (min(end, k + 1) - max(start, k)) / scale
    elif length > 0:
        source = np.clip((np.arange(size) + 0.5) * length / size - 0.5, 0, length - 1)
        low = np.floor(source).astype(int)
        high = np.minimum(low + 1, length - 1)
        np.add.at(weights, (np.arange(size), low), 1 - (source - low))
        np.add.at(weights, (np.arange(size), high), source - low)
    return weights


def _one_blas_thread_for_opencv() -> None:
    """Keep the OpenBLAS that OpenCV's wheel bundles (behind `cv2.gemm`) on one thread. Its worker
    threads spin for a while after every product: on this module's small ones (a millisecond or two
    each) two threads saved under a millisecond and burnt 10 ms of CPU, a third of the fingerprint's
    CPU on a 640x360 video. numpy's own OpenBLAS, a library apart, is left as it is."""
    for library in ThreadpoolController().lib_controllers:
        if library.internal_api == "openblas" and "opencv" in library.filepath:
            library.set_num_threads(1)


_one_blas_thread_for_opencv()


@lru_cache(maxsize=4096)
def _projection(length: int) -> np.ndarray:
    """(_BAND, length): a line of `length` pixels to its lowest DCT frequencies at ``HASH_SIDE``."""
    return (_DCT_BAND @ _area_matrix(length)).astype(np.float32)


def _stacked(intervals: list[tuple[int, int]], length: int) -> np.ndarray:
    out = np.zeros((_BAND * len(intervals), length), np.float32)
    for i, (start, end) in enumerate(intervals):
        out[_BAND * i:_BAND * (i + 1), start:end] = _projection(end - start)
    return out


def _pack(bits: np.ndarray) -> np.ndarray:
    """Rows of 64 booleans (first = most significant) as uint64."""
    return np.ascontiguousarray(np.packbits(bits, axis=-1)).view(">u8")[..., 0].astype(np.uint64)


def grid_hashes(pictures: np.ndarray, rows: list[tuple[int, int]], cols: list[tuple[int, int]]) -> np.ndarray:
    """The `dct_hash` of every region ``picture[y0:y1, x0:x1]`` for (y0, y1) in `rows` and (x0, x1)
    in `cols`, shaped (len(rows), len(cols)); for a stack of same-sized pictures (n, height, width),
    shaped (n, len(rows), len(cols)). Two matrix products in all, whatever the count.

    Scaling to ``HASH_SIDE`` and the DCT are both linear and separable, so the low frequencies of
    every region of a grid are ``L @ picture @ R.T``, with L and R the per-interval scaling and DCT
    matrices stacked. Unlike ``cv2.resize`` the scaled region is not rounded to whole grey levels:
    a hash can differ from one computed that way in a bit or two, never more than re-encoding
    moves it."""
    single = pictures.ndim == 2
    stack = np.asarray(pictures[None] if single else pictures, np.float32)
    count, height, width = stack.shape
    left, right = _stacked(rows, height), _stacked(cols, width)
    # cv2.gemm, not numpy's @: OpenBLAS threads small products, several times slower on busy cores
    columns = np.ascontiguousarray(stack.transpose(1, 0, 2)).reshape(height, count * width)
    scaled = cv2.gemm(left, columns, 1.0, None, 0.0).reshape(_BAND * len(rows), count, width)
    scaled = np.ascontiguousarray(scaled.transpose(1, 0, 2)).reshape(count * _BAND * len(rows), width)
    coefficients = cv2.gemm(scaled, right, 1.0, None, 0.0, flags=cv2.GEMM_2_T)
    coefficients = coefficients.reshape(count, len(rows), _BAND, len(cols), _BAND)
    low = coefficients.transpose(0, 1, 3, 2, 4)[..., _ROWS, _COLS]  # (n, rows, cols, 64)
    hashes = _pack(low > np.median(low, axis=-1, keepdims=True))
    return hashes[0] if single else hashes


CHUNK = 64  # pictures hashed in one stack: bounds the float copies (~10 MB at 256x144)


def hash_pictures(pictures: list[np.ndarray], compute: Callable[[np.ndarray], np.ndarray]) -> np.ndarray:
    """`compute` (a stack (n, height, width) -> one row of hashes a picture) over `pictures`, a
    stack of up to ``CHUNK`` same-sized pictures at a time, rows in the pictures' order."""
    if not pictures:
        return np.zeros((0, 0), np.uint64)
    rows: list[np.ndarray | None] = [None] * len(pictures)
    by_shape: dict[tuple[int, ...], list[int]] = {}
    for i, picture in enumerate(pictures):
        by_shape.setdefault(picture.shape, []).append(i)
    for indices in by_shape.values():
        for start in range(0, len(indices), CHUNK):
            chunk = indices[start:start + CHUNK]
            for i, row in zip(chunk, compute(np.stack([pictures[i] for i in chunk]))):
                rows[i] = row
    return np.stack(rows)  # type: ignore[arg-type]


def interval(centre: float, side: float, length: int) -> tuple[int, int]:
    """The pixels [start, end) of a line of `length` centred at share `centre`, `side` long (a share),
    clipped to the line."""
    start = int(round((centre - side / 2) * length))
    end = int(round((centre + side / 2) * length))
    return max(start, 0), min(end, length)


def dct_hash(region: np.ndarray) -> int:
    """The 64-bit hash of a grey region (any size, uint8 or float) as an unsigned int."""
    height, width = region.shape[:2]
    return int(grid_hashes(region, [(0, height)], [(0, width)])[0, 0])


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


def window(picture: np.ndarray, centre_x: float, centre_y: float, side: float) -> np.ndarray:
    """The part of `picture` centred at (centre_x, centre_y) with sides `side` of the picture's,
    all in shares of the picture's width and height, clipped to the picture."""
    height, width = picture.shape[:2]
    y0, y1 = interval(centre_y, side, height)
    x0, x1 = interval(centre_x, side, width)
    return picture[y0:y1, x0:x1]


def centred_grid(pictures: np.ndarray, xs, ys, side: float) -> np.ndarray:
    """Hashes of the windows of `side` centred at every (x, y) of `ys` x `xs` (shares), shaped
    (len(ys), len(xs)) (or (n, ...) for a stack of pictures): a grid of `window`s in one `grid_hashes`."""
    height, width = pictures.shape[-2:]
    return grid_hashes(pictures, [interval(y, side, height) for y in ys], [interval(x, side, width) for x in xs])


def whole_and_centre(pictures: np.ndarray, centre: tuple[float, float, float] = (0.5, 0.5, CENTRE)) -> np.ndarray:
    """The hashes of each picture of a stack (n, height, width) whole and of its `centre`
    (x, y, side), as a registered frame has them: shaped (n, 2)."""
    height, width = pictures.shape[-2:]
    x, y, side = centre
    grid = grid_hashes(pictures, [(0, height), interval(y, side, height)], [(0, width), interval(x, side, width)])
    return np.stack([grid[:, 0, 0], grid[:, 1, 1]], axis=1)


# A query that is a crop keeping share s of each side (offset o) shows the original's centre at
# (0.5 - o) / s with side CENTRE / s. Crops keep 80% or more of each side; the grid below is where
# that centre can then lie, at a spacing the hash tolerates (about 4% of the side).
_CROP_KEEPS = (0.95, 0.9, 0.85, 0.8)
_GRID_STEP = 0.03  # of the query's side, between neighbouring centre positions


def _crop_grids() -> list[tuple[np.ndarray, float]]:
    """(centre positions along each axis, side) of the original's centre in a cropped query, one
    grid per kept share, the uncropped centre first."""
    grids = [(np.array([0.5]), CENTRE)]
    for keep in _CROP_KEEPS:
        reach = (1 - keep) / 2 / keep  # how far from the middle the original's centre can be
        count = int(np.ceil(reach / _GRID_STEP))
        steps = np.linspace(-reach, reach, 2 * count + 1) if count else np.zeros(1)
        grids.append((0.5 + steps, CENTRE / keep))
    return grids


CROP_GRIDS = _crop_grids()
#: (centre x, centre y, side) of every crop hypothesis, uncropped first, row by row of each grid
CROP_HYPOTHESES = [(float(x), float(y), side) for positions, side in CROP_GRIDS
                   for y in positions for x in positions]


def query_hashes(pictures: np.ndarray, crops: bool = True) -> np.ndarray:
    """What each query picture of a stack (n, height, width) is hashed on, for itself and then its
    mirror image: the whole picture, then the centre under each of ``CROP_HYPOTHESES`` (only the
    uncropped one when `crops` is false): shaped (n, 2 x (1 + hypotheses)), uint64."""
    out = []
    grids = CROP_GRIDS if crops else CROP_GRIDS[:1]
    count, height, width = pictures.shape
    for view in (pictures, pictures[:, :, ::-1]):
        out.append(grid_hashes(view, [(0, height)], [(0, width)]).reshape(count, -1))
        out.extend(centred_grid(view, positions, positions, side).reshape(count, -1) for positions, side in grids)
    return np.concatenate(out, axis=1)
