"""Seeded test footage: small procedural videos written with OpenCV (samples/make_videos.py)."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[2]


def _load(name: str, path: Path):  # type: ignore[no-untyped-def]
    """Import a script by its path (bench/ and samples/ are not packages, and bench/ holds names
    such as revenue.py that must not shadow the project's packages)."""
    if name in sys.modules:
        return sys.modules[name]
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)  # type: ignore[arg-type]
    sys.modules[name] = module
    spec.loader.exec_module(module)  # type: ignore[union-attr]
    return module


_videos = _load("make_videos", ROOT / "samples" / "make_videos.py")
_transforms = _load("video_transforms", ROOT / "bench" / "video_transforms.py")
Scene, film, write_video = _videos.Scene, _videos.film, _videos.write_video
TRANSFORMS, compose, crop = _transforms.TRANSFORMS, _transforms.compose, _transforms.crop

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
