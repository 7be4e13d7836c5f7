"""Letterbox and pillarbox bars are cut away only when the frames prove them: pairs of steady bars of
one colour. Flat picture content at one edge (a wall, a sky, a table, a saturated edge) stays."""

from __future__ import annotations

import numpy as np
import pytest

from fingerprint.video._borders import content_box

HEIGHT, WIDTH, FRAMES = 144, 256, 6


def _content(seed: int = 0) -> np.ndarray:
    """Frames of textured picture (smooth blobs and noise, changing from frame to frame)."""
    rng = np.random.default_rng(seed)
    y, x = np.mgrid[0:HEIGHT, 0:WIDTH]
    frames = []
    for i in range(FRAMES):
        phase = rng.uniform(0, 6.3, 3)
        picture = (128 + 50 * np.sin(x / 9.0 + phase[0]) * np.cos(y / 7.0 + phase[1])
                   + 20 * np.sin((x + y) / 5.0 + phase[2]))
        frames.append(np.clip(picture + rng.normal(0, 8, picture.shape), 0, 255))
    return np.stack(frames).astype(np.uint8)


def letterbox(frames, top=18, bottom=18, colour=0):
    frames = frames.copy()
    frames[:, :top] = colour
    frames[:, HEIGHT - bottom:] = colour
    return frames


def pillarbox(frames, side=32):
    frames = frames.copy()
    frames[:, :, :side] = 0
    frames[:, :, WIDTH - side:] = 0
    return frames


def flat(frames, rows=slice(None), cols=slice(None), level=230, drift=0.0, noise=0.0, seed=1):
    frames = frames.copy()
    rng = np.random.default_rng(seed)
    for i in range(FRAMES):
        region = frames[i, rows, cols]
        frames[i, rows, cols] = np.clip(level + drift * i + rng.normal(0, noise, region.shape), 0, 255)
    return frames


def captioned(frames):
    frames = letterbox(frames)
    frames[:, HEIGHT - 14:HEIGHT - 4, 60:170] = 235  # a caption across the bottom bar
    return frames


def logo_on_bar(frames):
    frames = letterbox(frames)
    frames[:, 3:16, 8:48] = 200  # a channel logo in the top bar's corner
    return frames


CASES = [
    ("no bars", lambda f: f, (0, 0, WIDTH, HEIGHT)),
    ("letterbox", letterbox, (0, 18, WIDTH, HEIGHT - 18)),
    ("letterbox a line uneven", lambda f: letterbox(f, 18, 19), (0, 18, WIDTH, HEIGHT - 19)),
    ("pillarbox", pillarbox, (32, 0, WIDTH - 32, HEIGHT)),
    ("letterbox and pillarbox", lambda f: pillarbox(letterbox(f)), (32, 18, WIDTH - 32, HEIGHT - 18)),
    ("grey bars", lambda f: letterbox(f, colour=40), (0, 18, WIDTH, HEIGHT - 18)),
    ("caption across the bottom bar", captioned, (0, 18, WIDTH, HEIGHT - 18)),
    ("logo on the top bar", logo_on_bar, (0, 18, WIDTH, HEIGHT - 18)),
    ("white wall above the subject", lambda f: flat(f, rows=slice(0, 25), noise=2), (0, 0, WIDTH, HEIGHT)),
    ("table top below", lambda f: flat(f, rows=slice(HEIGHT - 30, None), level=90, noise=2), (0, 0, WIDTH, HEIGHT)),
    ("saturated right edge", lambda f: flat(f, cols=slice(WIDTH - 36, None), level=255), (0, 0, WIDTH, HEIGHT)),
    ("dark sky above, black bar below", lambda f: flat(letterbox(f, 0, 18), rows=slice(0, 30), level=12, noise=1.5),
     (0, 0, WIDTH, HEIGHT)),
    ("flat top and bottom whose exposure drifts",
     lambda f: flat(flat(f, rows=slice(0, 20), drift=6), rows=slice(HEIGHT - 20, None), drift=6, seed=2),
     (0, 0, WIDTH, HEIGHT)),
    ("a night scene: dark noisy sky and floor", lambda f: flat(flat(f, rows=slice(0, 40), level=4, noise=6),
                                                               rows=slice(HEIGHT - 40, None), level=4, noise=6, seed=2),
     (0, 0, WIDTH, HEIGHT)),
    ("black bars over a night scene", lambda f: letterbox(flat(f, rows=slice(18, 60), level=4, noise=6)),
     (0, 18, WIDTH, HEIGHT - 18)),
    ("white and black bars", lambda f: flat(letterbox(f), rows=slice(0, 18), level=235), (0, 0, WIDTH, HEIGHT)),
]


@pytest.mark.parametrize(("name", "make", "box"), CASES, ids=[name for name, _, _ in CASES])
def test_bars_are_cut_only_when_the_frames_prove_them(name, make, box):
    assert content_box(make(_content())) == box


def test_a_still_image_is_judged_by_the_same_rules():
    assert content_box(letterbox(_content())[:1]) == (0, 18, WIDTH, HEIGHT - 18)
    assert content_box(flat(_content(), rows=slice(0, 25))[:1]) == (0, 0, WIDTH, HEIGHT)


def test_a_copy_and_its_original_are_cut_alike_whatever_the_noise():
    original = flat(_content(), rows=slice(0, 25), level=236, noise=1.0)  # a plain wall, top only
    copy = np.clip(original.astype(np.int16) + np.random.default_rng(5).normal(0, 3, original.shape), 0, 255)
    brighter = np.clip(original.astype(np.float32) * 1.15, 0, 255)  # saturates the wall
    assert content_box(original) == content_box(copy.astype(np.uint8)) == content_box(brighter.astype(np.uint8))
