"""Find the picture inside letterbox and pillarbox bars, once for a whole video.

A bar is a run of edge rows (or columns) that, in every sampled frame, are mostly one colour (a
channel logo or a caption may sit on part of a bar). Deciding over the whole video, not per frame,
keeps a dark night scene or a fade to black from being mistaken for bars.

>>> import numpy as np
>>> frames = np.zeros((3, 90, 160), np.uint8)
>>> frames[:, 15:75, :] = np.random.default_rng(0).integers(0, 255, (3, 60, 160))
>>> content_box(frames)
(0, 15, 160, 75)
"""

from __future__ import annotations

import numpy as np

FLAT_LEVELS = 10.0  # grey levels: a bar pixel is this close to its line's bar colour
FLAT_SHARE = 0.7  # of a line's pixels, in every sampled frame: a logo or caption may cover the rest
MAX_BAR_SHARE = 0.35  # of each side: no bar is taken to be wider than this


def _bar_length(lines: np.ndarray, limit: int) -> int:
    """How many leading lines of `lines` (shaped (n frames, lines, pixels)) are bar: in every frame
    mostly one colour, the same colour as the first line's."""
    if lines.shape[1] == 0:
        return 0
    colour = np.median(lines[:, 0, :], axis=1)  # per frame
    count = 0
    for i in range(min(limit, lines.shape[1])):
        near = np.abs(lines[:, i, :] - colour[:, None]) <= FLAT_LEVELS
        if near.mean(axis=1).min() < FLAT_SHARE:
            break
        count += 1
    return count


def content_box(frames: np.ndarray) -> tuple[int, int, int, int]:
    """(x0, y0, x1, y1) of the picture in grey `frames` shaped (n, height, width)."""
    frames = frames.astype(np.float32)
    _, height, width = frames.shape
    top = _bar_length(frames, int(height * MAX_BAR_SHARE))
    bottom = _bar_length(frames[:, ::-1, :], int(height * MAX_BAR_SHARE))
    inner = frames[:, top:height - bottom, :].transpose(0, 2, 1)  # columns judged between the bars
    left = _bar_length(inner, int(width * MAX_BAR_SHARE))
    right = _bar_length(inner[:, ::-1, :], int(width * MAX_BAR_SHARE))
    return left, top, width - right, height - bottom
