"""The alterations a pirate makes to a video, as functions of one BGR frame (seeded, deterministic).

Each transform is built once per video (`make(rng)` draws its parameters: where the crop is, which
logo, what caption) and then applied to every frame, as an editor would apply it to the whole clip.
The evaluation harness (`bench/eval_video.py`) and the tests use these; clip-level changes (cutting,
frame rate, re-encoding) are done where the video is written.

>>> import numpy as np
>>> frame = np.full((90, 160, 3), 128, np.uint8)
>>> TRANSFORMS["flip"](np.random.default_rng(0))(frame).shape
(90, 160, 3)
"""

from __future__ import annotations

from collections.abc import Callable

import cv2
import numpy as np

Frame = np.ndarray
Transform = Callable[[Frame], Frame]


def crop(share_low: float, share_high: float) -> Callable[[np.random.Generator], Transform]:
    """Cut away share_low..share_high of each side's length, at a random position, and scale back."""
    def make(rng: np.random.Generator) -> Transform:
        cut_x, cut_y = rng.uniform(share_low, share_high, 2)
        at_x, at_y = rng.uniform(0, 1, 2)

        def apply(frame: Frame) -> Frame:
            h, w = frame.shape[:2]
            cw, ch = int(w * cut_x), int(h * cut_y)
            x0, y0 = int(cw * at_x), int(ch * at_y)
            return cv2.resize(frame[y0:h - (ch - y0), x0:w - (cw - x0)], (w, h), interpolation=cv2.INTER_AREA)
        return apply
    return make


def flip(rng: np.random.Generator) -> Transform:
    return lambda frame: np.ascontiguousarray(frame[:, ::-1])


def letterbox(rng: np.random.Generator) -> Transform:
    """Fit the picture into a 4:3 (or 1:1) frame with black bars above and below."""
    aspect = rng.choice([4 / 3, 1.0])

    def apply(frame: Frame) -> Frame:
        h, w = frame.shape[:2]
        out_h = int(round(w / aspect))
        canvas = np.zeros((out_h, w, 3), np.uint8)
        top = (out_h - h) // 2
        canvas[top:top + h] = frame
        return canvas
    return apply


def pillarbox(rng: np.random.Generator) -> Transform:
    """Shrink the picture into the middle of the same frame with black bars left and right."""
    keep = rng.uniform(0.6, 0.8)

    def apply(frame: Frame) -> Frame:
        h, w = frame.shape[:2]
        inner_w = int(w * keep)
        canvas = np.zeros_like(frame)
        x0 = (w - inner_w) // 2
        canvas[:, x0:x0 + inner_w] = cv2.resize(frame, (inner_w, h), interpolation=cv2.INTER_AREA)
        return canvas
    return apply


def logo(rng: np.random.Generator) -> Transform:
    """An opaque channel logo in a corner, about 15% of the width."""
    corner = rng.integers(0, 4)
    colour = tuple(int(c) for c in rng.integers(0, 256, 3))
    text = "".join(chr(int(c)) for c in rng.integers(65, 91, 3))

    def apply(frame: Frame) -> Frame:
        frame = frame.copy()
        h, w = frame.shape[:2]
        lw, lh = int(w * 0.16), int(h * 0.12)
        x0 = int(w * 0.03) if corner % 2 == 0 else w - lw - int(w * 0.03)
        y0 = int(h * 0.04) if corner < 2 else h - lh - int(h * 0.04)
        cv2.rectangle(frame, (x0, y0), (x0 + lw, y0 + lh), colour, -1)
        cv2.putText(frame, text, (x0 + lw // 10, y0 + int(lh * 0.8)), cv2.FONT_HERSHEY_SIMPLEX,
                    lh / 40, (255, 255, 255), max(1, lh // 12))
        return frame
    return apply


def subtitles(rng: np.random.Generator) -> Transform:
    """Two lines of white captions with a dark outline near the bottom."""
    words = ["".join(chr(int(c)) for c in rng.integers(97, 123, int(rng.integers(2, 8)))) for _ in range(10)]
    lines = (" ".join(words[:5]), " ".join(words[5:]))

    def apply(frame: Frame) -> Frame:
        frame = frame.copy()
        h, w = frame.shape[:2]
        scale = h / 400
        for i, line in enumerate(lines):
            y = int(h * (0.86 + 0.08 * i))
            cv2.putText(frame, line, (int(w * 0.1), y), cv2.FONT_HERSHEY_SIMPLEX, scale, (0, 0, 0), max(2, int(5 * scale)))
            cv2.putText(frame, line, (int(w * 0.1), y), cv2.FONT_HERSHEY_SIMPLEX, scale, (255, 255, 255), max(1, int(2 * scale)))
        return frame
    return apply


def watermark(rng: np.random.Generator) -> Transform:
    """A large half-transparent word across the middle."""
    text = "".join(chr(int(c)) for c in rng.integers(65, 91, 6))

    def apply(frame: Frame) -> Frame:
        h, w = frame.shape[:2]
        layer = frame.copy()
        cv2.putText(layer, text, (int(w * 0.12), int(h * 0.58)), cv2.FONT_HERSHEY_DUPLEX, w / 300,
                    (255, 255, 255), max(2, w // 150))
        return cv2.addWeighted(layer, 0.35, frame, 0.65, 0)
    return apply


def brightness_contrast(rng: np.random.Generator) -> Transform:
    gain, bias = rng.uniform(0.7, 1.3), rng.uniform(-35, 35)
    return lambda frame: cv2.convertScaleAbs(frame, alpha=gain, beta=bias)


def colour(rng: np.random.Generator) -> Transform:
    """A colour grade: hue turned by 6-16 degrees, saturation 0.7-1.3x, white balance 0.9-1.1x."""
    hue, saturation = int(rng.integers(3, 9)), rng.uniform(0.7, 1.3)
    balance = rng.uniform(0.9, 1.1, 3)

    def apply(frame: Frame) -> Frame:
        hsv = cv2.cvtColor(frame, cv2.COLOR_BGR2HSV).astype(np.int16)
        hsv[..., 0] = (hsv[..., 0] + hue) % 180
        hsv[..., 1] = np.clip(hsv[..., 1] * saturation, 0, 255)
        graded = cv2.cvtColor(hsv.astype(np.uint8), cv2.COLOR_HSV2BGR).astype(np.float32) * balance
        return np.clip(graded, 0, 255).astype(np.uint8)
    return apply


def resize(rng: np.random.Generator) -> Transform:
    """Down to a third or half of the size (the file is then smaller, not just re-scaled)."""
    factor = rng.choice([0.33, 0.5, 0.75])
    return lambda frame: cv2.resize(frame, None, fx=factor, fy=factor, interpolation=cv2.INTER_AREA)


def identity(rng: np.random.Generator) -> Transform:
    return lambda frame: frame


TRANSFORMS: dict[str, Callable[[np.random.Generator], Transform]] = {
    "reencode": identity,  # the copy is written again (another codec and bit rate)
    "crop10": crop(0.08, 0.12),
    "crop20": crop(0.16, 0.2),
    "flip": flip,
    "letterbox": letterbox,
    "pillarbox": pillarbox,
    "logo": logo,
    "subtitles": subtitles,
    "watermark": watermark,
    "brightness": brightness_contrast,
    "colour": colour,
    "resize": resize,
}


def compose(*makers: Callable[[np.random.Generator], Transform]) -> Callable[[np.random.Generator], Transform]:
    def make(rng: np.random.Generator) -> Transform:
        steps = [maker(rng) for maker in makers]

        def apply(frame: Frame) -> Frame:
            for step in steps:
                frame = step(frame)
            return frame
        return apply
    return make
