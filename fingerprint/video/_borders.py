"""Find the picture inside letterbox and pillarbox bars, once for a whole video.

A bar is a run of edge rows (or columns) that stay flat in every sampled frame: little spread along
the row and little change over time. Deciding over the whole video, not per frame, keeps a dark
night scene or a fade to black from being mistaken for bars.

>>> import numpy as np
>>> frames = np.zeros((3, 90, 160), np.uint8)
>>> frames[:, 15:75, :] = np.random.default_rng(0).integers(0, 255, (3, 60, 160))
>>> content_box(frames)
(0, 15, 160, 75)
"""

from __future__ import annotations

import numpy as np

FLAT_SPREAD = 6.0  # grey levels: a bar row's standard deviation along itself, at most
MAX_BAR_SHARE = 0.35  # of each side: no bar is taken to be wider than this


def _bar_length(profile_spread: np.ndarray, profile_mean: np.ndarray, limit: int) -> int:
    """How many leading lines are flat and alike (one bar colour over time)."""
    if len(profile_spread) == 0:
        return 0
    colour = profile_mean[0]
    count = 0
    for spread, mean in zip(profile_spread[:limit], profile_mean[:limit]):
        if spread > FLAT_SPREAD or np.abs(mean - colour).max() > FLAT_SPREAD:
            break
        count += 1
    return count


def content_box(frames: np.ndarray) -> tuple[int, int, int, int]:
    """(x0, y0, x1, y1) of the picture in grey `frames` shaped (n, height, width)."""
    frames = frames.astype(np.float32)
    _, height, width = frames.shape
    # per line: its worst spread in any frame, and its mean in every frame
    row_spread = frames.std(axis=2).max(axis=0)
    row_mean = frames.mean(axis=2).T  # (height, n)
    top = _bar_length(row_spread, row_mean, int(height * MAX_BAR_SHARE))
    bottom = _bar_length(row_spread[::-1], row_mean[::-1], int(height * MAX_BAR_SHARE))
    inner = frames[:, top:height - bottom]  # columns are judged between the horizontal bars
    col_spread = inner.std(axis=1).max(axis=0)
    col_mean = inner.mean(axis=1).T  # (width, n)
    left = _bar_length(col_spread, col_mean, int(width * MAX_BAR_SHARE))
    right = _bar_length(col_spread[::-1], col_mean[::-1], int(width * MAX_BAR_SHARE))
    return left, top, width - right, height - bottom
