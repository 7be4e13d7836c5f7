"""Seeded test footage: small procedural videos written with OpenCV (samples/make_videos.py)."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[2]
sys.path[:0] = [str(ROOT / "samples"), str(ROOT / "bench")]

from make_videos import Scene, film, write_video  # noqa: E402
from video_transforms import TRANSFORMS, compose, crop  # noqa: E402

SIZE = (320, 180)

__all__ = ["SIZE", "TRANSFORMS", "Scene", "clip", "compose", "crop", "film", "write_video"]


def clip(folder: Path, name: str, seed: int, start: float, seconds: float, fps: float = 10.0,
         transform=None, size: tuple[int, int] = SIZE) -> Path:  # type: ignore[no-untyped-def]
    """Film `seconds` of scene `seed` from `start`, apply `transform` to each frame, write an MP4."""
    frames = film(Scene(seed), start, seconds, fps=fps, size=size)
    if transform is not None:
        apply = transform(np.random.default_rng(seed * 1000 + int(start * 10)))
        frames = (apply(frame) for frame in frames)
    return write_video(folder / name, frames, fps)
