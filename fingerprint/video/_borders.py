"""Find the picture inside letterbox and pillarbox bars, once for a whole video.

A bar is a run of edge lines (rows or columns) that, in every sampled frame, are mostly one colour
(a channel logo may sit on part of a bar, and captions may cross some of its lines). Deciding over
the whole video, not per frame, keeps a dark night scene or a fade to black from being mistaken
for bars.

Flat picture content at an edge (a plain wall above a subject, a sky, a table top, an edge that a
brightness change saturated) looks like a bar in one frame. Cutting it away would cut an original
and its copies differently (their noise and sampling differ), so bars are taken as evidence, not as
a cut: bars come in pairs, top and bottom or left and right, of about the same width and the same
colour, and that colour holds still over the sampled frames; its pixels sit on that colour and do
not flicker (a low-light scene's dark sky and floor are near black too, but noisy). A flat area on
one side only, or one whose colour drifts with the exposure, stays part of the picture. A caption or logo over one bar of
a pair does not break it: the other bar's width is taken when most of the crossed bar still has
the bar's colour.

>>> import numpy as np
>>> frames = np.zeros((3, 90, 160), np.uint8)
>>> frames[:, 15:75, :] = np.random.default_rng(0).integers(0, 255, (3, 60, 160))
>>> content_box(frames)
(0, 15, 160, 75)
>>> frames[:, :15, :] = 230  # a white wall above the picture, dark floor below: not a pair
>>> content_box(frames)
(0, 0, 160, 90)
"""

from __future__ import annotations

import numpy as np

FLAT_LEVELS = 10.0  # grey levels: a bar pixel is this close to its line's bar colour
FLAT_SHARE = 0.7  # of a line's pixels, in every sampled frame: a logo or caption may cover the rest
MAX_BAR_SHARE = 0.35  # of each side: no bar is taken to be wider than this
BAR_LINES_SHARE = 0.6  # of the lines from the edge to a bar's last line that must be bar lines
STEADY_LEVELS = 8.0  # grey levels: a bar's colour varies by at most this over the sampled frames
PAIR_LEVELS = 16.0  # grey levels: the two bars of a pair differ in colour by at most this
PAIR_SLACK = (2, 0.25)  # pixels, share of the wider: the two bars' widths may differ by the larger
CROSSED_SHARE = 0.5  # of a crossed bar's pixels that must still have the other bar's colour
MAX_SPREAD = 2.0  # grey levels: median distance of a bar's pixels from its colour, and from their own
#                   value in the other frames (a bar is drawn flat and still; a dark scene has noise)


def _bar(lines: np.ndarray, limit: int) -> tuple[int, np.ndarray]:
    """(how many leading lines of `lines` (shaped (n frames, lines, pixels)) are bar, the bar's
    colour in each frame): the last line, within `limit`, that is mostly the first line's colour
    in every frame, provided at least ``BAR_LINES_SHARE`` of the lines up to it are too (captions
    drawn on a bar break it in places)."""
    if lines.shape[1] == 0:
        return 0, np.zeros(lines.shape[0], np.float32)
    colour = np.median(lines[:, 0, :], axis=1)  # per frame
    count = min(limit, lines.shape[1])
    if count == 0:
        return 0, colour
    head = lines[:, :count, :]
    offset = np.abs(head - colour[:, None, None])
    near = (offset <= FLAT_LEVELS).mean(axis=2).min(axis=0) >= FLAT_SHARE
    if not near[0]:
        return 0, colour
    span = int(np.flatnonzero(near)[-1]) + 1  # the costlier flatness test only where a bar can be
    is_bar = near[:span] & _flat_and_still(head[:, :span], offset[:, :span])
    if not is_bar[0]:
        return 0, colour
    share = np.cumsum(is_bar) / np.arange(1, span + 1)
    ends = np.flatnonzero(is_bar & (share >= BAR_LINES_SHARE))
    return int(ends[-1]) + 1, colour


def _flat_and_still(lines: np.ndarray, offset: np.ndarray) -> np.ndarray:
    """Per line of `lines` (frames, lines, pixels; `offset` their distance from the bar colour):
    whether its pixels sit on the colour (median distance within ``MAX_SPREAD`` in every frame, so
    a logo on part of it does not count) and do not flicker from frame to frame. The night sky or
    dark floor of a low-light scene is near black too, but noisy."""
    flat = np.median(offset, axis=2).max(axis=0) <= MAX_SPREAD
    if lines.shape[0] == 1:
        return flat
    flicker = np.median(np.abs(lines - np.median(lines, axis=0)), axis=2).mean(axis=0)
    return flat & (flicker <= MAX_SPREAD)


def _steady(colour: np.ndarray) -> bool:
    return float(np.ptp(colour)) <= STEADY_LEVELS


def _crossed(lines: np.ndarray, width: int, colour: np.ndarray) -> bool:
    """Whether the first `width` lines of `lines` are, in every frame, mostly `colour` (per frame):
    a bar that a caption or logo crosses."""
    if width == 0 or width > lines.shape[1]:
        return False
    near = np.abs(lines[:, :width, :] - colour[:, None, None]) <= FLAT_LEVELS
    return bool(near.mean(axis=(1, 2)).min() >= CROSSED_SHARE)


def _pair(first: np.ndarray, second: np.ndarray, limit: int) -> tuple[int, int]:
    """The widths of the bars at the start of `first` and of `second` (the same frames' lines
    from the two opposite edges), (0, 0) unless they make a pair."""
    width_a, colour_a = _bar(first, limit)
    width_b, colour_b = _bar(second, limit)
    if not width_a and not width_b:
        return 0, 0
    if width_a and width_b:
        same_colour = abs(float(np.median(colour_a)) - float(np.median(colour_b))) <= PAIR_LEVELS
        slack = max(PAIR_SLACK[0], PAIR_SLACK[1] * max(width_a, width_b))
        if same_colour and _steady(colour_a) and _steady(colour_b) and abs(width_a - width_b) <= slack:
            return width_a, width_b
    # one bar, or two that disagree: the wider is a bar if the other side, crossed by a caption or
    # a logo, still mostly has its colour over as many lines
    if width_a >= width_b:
        wide, colour, other = width_a, colour_a, second
    else:
        wide, colour, other = width_b, colour_b, first
    if _steady(colour) and _crossed(other, wide, colour):
        return wide, wide
    return 0, 0


def content_box(frames: np.ndarray) -> tuple[int, int, int, int]:
    """(x0, y0, x1, y1) of the picture in grey `frames` shaped (n, height, width)."""
    frames = frames.astype(np.float32)
    _, height, width = frames.shape
    top, bottom = _pair(frames, frames[:, ::-1, :], int(height * MAX_BAR_SHARE))
    inner = frames[:, top:height - bottom, :].transpose(0, 2, 1)  # columns judged between the bars
    left, right = _pair(inner, inner[:, ::-1, :], int(width * MAX_BAR_SHARE))
    return left, top, width - right, height - bottom
