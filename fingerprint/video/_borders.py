"""Find the picture inside letterbox and pillarbox bars, once for a whole video.

A bar is a run of edge rows (or columns) that, in every sampled frame, are mostly one colour (a
channel logo may sit on part of a bar, and captions may cross some of its lines). Deciding over the whole video, not per frame,
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
BAR_LINES_SHARE = 0.6  # of the lines from the edge to a bar's last line that must be bar lines


def _bar_length(lines: np.ndarray, limit: int) -> int:
    """How many leading lines of `lines` (shaped (n frames, lines, pixels)) are bar: the last line,
    within `limit`, that is mostly the first line's colour in every frame, provided at least
    ``BAR_LINES_SHARE`` of the lines up to it are too (captions drawn on a bar break it in places)."""
    if lines.shape[1] == 0:
        return 0
    count = min(limit, lines.shape[1])
    colour = np.median(lines[:, 0, :], axis=1)  # per frame
    near = np.abs(lines[:, :count, :] - colour[:, None, None]) <= FLAT_LEVELS
    is_bar = near.mean(axis=2).min(axis=0) >= FLAT_SHARE
    if count == 0 or not is_bar[0]:
        return 0
    share = np.cumsum(is_bar) / np.arange(1, count + 1)
    ends = np.flatnonzero(is_bar & (share >= BAR_LINES_SHARE))
    return int(ends[-1]) + 1


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
