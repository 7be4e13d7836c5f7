"""Find a logo laid over a query's picture, and paint it out.

A station logo or a watermark burnt into a copy is the same pixels in every frame, while the
picture under it moves or at least flickers with noise. Over a dark, low-contrast scene a bright
logo dominates the low frequencies the hashes keep (measured: 20-26 bits off, against 0-4 for the
same copy without it), and no crop hypothesis avoids one at the centre. So a query is also tried
with its overlay painted out: the pixels that hold still over the sampled pictures (within
``STILL_LEVELS`` of their median in every picture) while standing out from the picture around them
(``CONTRAST_LEVELS`` from its median), grown a little, filled from their surroundings
(`cv2.inpaint`). Nothing is found, and the query is not tried again, when too little of the picture
moves to tell an overlay from a still scene, when the still part is too small or too large to be a
logo, or when it is spread over the picture rather than in one place (a fixed camera's lamps and
bright windows hold still too: painting them out made a later recording of such a scene match).

>>> import numpy as np
>>> rng = np.random.default_rng(0)
>>> frames = [rng.integers(10, 40, (72, 128)).astype(np.uint8) for _ in range(8)]
>>> for frame in frames:
...     frame[30:42, 50:80] = 250  # a bright logo over a dark, noisy scene
>>> mask = overlay_mask(frames)
>>> bool(mask[36, 65]), bool(mask[5, 5])
(True, False)
>>> int(without_overlay(frames, mask)[0][36, 65]) < 60
True
"""

from __future__ import annotations

import cv2
import numpy as np

STILL_LEVELS = 3  # grey levels: an overlay pixel stays this close to its median in every picture
CONTRAST_LEVELS = 48  # grey levels from the picture's median: how much an overlay must stand out
MIN_PICTURES = 6  # sampled pictures needed to judge what holds still
MIN_SHARE, MAX_SHARE = 0.003, 0.15  # of the picture: the size a logo can have
MAX_STILL_SHARE = 0.5  # of the picture held still: beyond it the scene is still and nothing is told
MAX_BOX_SHARE = 0.2  # of the picture: the box around the overlay's pixels (a logo, a caption's lines)
GROW = 2  # pixels the mask is grown by (a logo's anti-aliased edge)


def overlay_mask(pictures: list[np.ndarray]) -> np.ndarray | None:
    """The overlay's pixels (bool, one picture's shape) in same-sized grey `pictures`, or None."""
    if len(pictures) < MIN_PICTURES or len({p.shape for p in pictures}) != 1:
        return None
    stack = np.stack(pictures).astype(np.int16)
    median = np.median(stack, axis=0)
    still = (np.abs(stack - median) <= STILL_LEVELS).all(axis=0)
    if still.mean() > MAX_STILL_SHARE:
        return None  # a still scene: its own pictures hold still too
    picture_median = float(np.median(median))
    mask = still & (np.abs(median - picture_median) >= CONTRAST_LEVELS)
    if not MIN_SHARE <= mask.mean() <= MAX_SHARE:
        return None
    rows, columns = np.flatnonzero(mask.any(axis=1)), np.flatnonzero(mask.any(axis=0))
    box = (rows[-1] - rows[0] + 1) * (columns[-1] - columns[0] + 1)
    if box > MAX_BOX_SHARE * mask.size:
        return None  # still bright spots all over (a fixed camera's lamps and windows): not one overlay
    grown = cv2.dilate(mask.astype(np.uint8), np.ones((2 * GROW + 1, 2 * GROW + 1), np.uint8))
    return grown.astype(bool)


def without_overlay(pictures: list[np.ndarray], mask: np.ndarray) -> list[np.ndarray]:
    """`pictures` with the `mask` pixels filled in from around them."""
    paint = mask.astype(np.uint8)
    return [cv2.inpaint(np.ascontiguousarray(picture), paint, 3, cv2.INPAINT_TELEA) for picture in pictures]
