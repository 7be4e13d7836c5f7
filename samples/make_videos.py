"""Procedural footage: seeded scenes filmed by a moving camera, written as real video files.

Nothing here is downloaded or copied: every pixel comes from a seeded generator, so the corpus can be
rebuilt anywhere and carries no licence but the project's (Apache-2.0). A *scene* is a large canvas of
multi-octave (1/f) colour noise with random shapes and lettering on it, a few textured objects that
move across it, and a light level that drifts; a *camera* pans and zooms over the canvas on a smooth,
non-repeating path with a little hand-held shake. The same scene filmed later (`start` seconds further
on) shows the same place, objects and style but other views and other moments: the hard negatives of
the evaluation harness.

    .venv/bin/python samples/make_videos.py samples/videos     # writes the shipped sample clips

>>> frame = Scene(seed=7).frame(1.5, 160, 90)
>>> frame.shape, frame.dtype.name
((90, 160, 3), 'uint8')
"""

from __future__ import annotations

import sys
from dataclasses import dataclass, field
from pathlib import Path

import cv2
import numpy as np

CANVAS_HEIGHT = 1200
CANVAS_WIDTH = 4800
PAN_SPEED = 0.11  # of the canvas height per second: about one screen width every 8 s


def _noise_canvas(rng: np.random.Generator, height: int, width: int) -> np.ndarray:
    """Colour 1/f noise: octaves of smooth random fields, each half the amplitude of the last."""
    canvas = np.zeros((height, width, 3), np.float32)
    amplitude = 1.0
    for cells in (3, 6, 12, 24, 48, 96, 192):
        small = rng.random((cells, cells * width // height, 3), dtype=np.float32)
        canvas += amplitude * cv2.resize(small, (width, height), interpolation=cv2.INTER_CUBIC)
        amplitude *= 0.55
    canvas -= canvas.min()
    canvas *= 255.0 / max(float(canvas.max()), 1e-6)
    return canvas


def _draw_shapes(rng: np.random.Generator, canvas: np.ndarray, count: int) -> None:
    height, width = canvas.shape[:2]
    for _ in range(count):
        colour = tuple(float(c) for c in rng.integers(0, 256, 3))
        x, y = int(rng.integers(0, width)), int(rng.integers(0, height))
        size = int(rng.integers(height // 40, height // 6))
        kind = rng.integers(0, 4)
        if kind == 0:
            cv2.circle(canvas, (x, y), size, colour, -1, cv2.LINE_AA)
        elif kind == 1:
            cv2.rectangle(canvas, (x, y), (x + size, y + int(size * rng.uniform(0.3, 2))), colour, -1)
        elif kind == 2:
            points = rng.integers(-size, size, (int(rng.integers(3, 7)), 2)) + [x, y]
            cv2.fillPoly(canvas, [points.astype(np.int32)], colour, cv2.LINE_AA)
        else:
            text = "".join(chr(int(c)) for c in rng.integers(65, 91, int(rng.integers(3, 9))))
            cv2.putText(canvas, text, (x, y), cv2.FONT_HERSHEY_DUPLEX, size / 40, colour, max(2, size // 12))


@dataclass
class MovingObject:
    sprite: np.ndarray  # float32 BGR
    mask: np.ndarray  # float32 0..1
    start: np.ndarray  # canvas position at t = 0
    velocity: np.ndarray  # canvas pixels per second


@dataclass
class Scene:
    """One place: a canvas, its moving objects, its light; `frame(t, w, h)` films it at time t."""

    seed: int
    objects: int = 6
    tripod: bool = False  # a fixed camera (a street cam, a tripod shot): only the objects and light move
    canvas: np.ndarray = field(init=False, repr=False)
    movers: list[MovingObject] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        rng = np.random.default_rng(self.seed)
        canvas = _noise_canvas(rng, CANVAS_HEIGHT, CANVAS_WIDTH).astype(np.uint8)
        _draw_shapes(rng, canvas, 220)
        self.canvas = canvas.astype(np.float32)
        self.movers = [self._mover(rng) for _ in range(self.objects)]
        self._phase = rng.uniform(0, 2 * np.pi, 6)
        self._light = rng.uniform(0, 2 * np.pi, 2)

    def _mover(self, rng: np.random.Generator) -> MovingObject:
        size = int(rng.integers(CANVAS_HEIGHT // 10, CANVAS_HEIGHT // 4))
        sprite = _noise_canvas(rng, size, size)
        mask = np.zeros((size, size), np.float32)
        cv2.ellipse(mask, (size // 2, size // 2), (size // 2 - 1, int(size * rng.uniform(0.2, 0.5))),
                    float(rng.uniform(0, 180)), 0, 360, 1.0, -1, cv2.LINE_AA)
        start = np.array([rng.uniform(0, CANVAS_WIDTH), rng.uniform(0, CANVAS_HEIGHT)])
        velocity = rng.uniform(-120, 120, 2)
        return MovingObject(sprite, mask[..., None], start, velocity)

    def camera(self, t: float) -> tuple[float, float, float]:
        """Centre (x, y) on the canvas and view height, at time t: a pan with drift, zoom and shake."""
        p = self._phase
        if self.tripod:
            return CANVAS_WIDTH * 0.5 + 0.5 * np.sin(3.1 * t), CANVAS_HEIGHT * 0.5, CANVAS_HEIGHT * 0.5
        view = CANVAS_HEIGHT * (0.42 + 0.06 * np.sin(0.21 * t + p[0]))
        x = CANVAS_WIDTH * 0.12 + PAN_SPEED * CANVAS_HEIGHT * t + 60 * np.sin(0.37 * t + p[1])
        x = CANVAS_WIDTH * 0.12 + (x - CANVAS_WIDTH * 0.12) % (CANVAS_WIDTH * 0.76)
        y = CANVAS_HEIGHT * 0.5 + 180 * np.sin(0.13 * t + p[2]) + 40 * np.sin(0.9 * t + p[3])
        shake = 4 * np.sin(7.1 * t + p[4]), 4 * np.sin(5.3 * t + p[5])
        return float(x + shake[0]), float(y + shake[1]), float(view)

    def frame(self, t: float, width: int, height: int) -> np.ndarray:
        x, y, view = self.camera(t)
        view_width = view * width / height
        x0, y0 = int(x - view_width / 2), int(y - view / 2)
        x1, y1 = x0 + int(view_width), y0 + int(view)
        patch = self.canvas[max(y0, 0):y1, max(x0, 0):x1].copy()
        for number, mover in enumerate(self.movers):
            self._paste(patch, mover, number, t, x0, y0)
        light = 1.0 + 0.12 * np.sin(0.05 * t + self._light[0]) + 0.05 * np.sin(0.31 * t + self._light[1])
        patch = np.clip(patch * light, 0, 255).astype(np.uint8)
        return cv2.resize(patch, (width, height), interpolation=cv2.INTER_AREA)

    def _paste(self, patch: np.ndarray, mover: MovingObject, number: int, t: float, x0: int, y0: int) -> None:
        position = mover.start + mover.velocity * t
        if self.tripod:  # objects cross the fixed view again and again, each time in another lane
            size = mover.sprite.shape[0]
            span = np.array([CANVAS_HEIGHT * 0.5 * 16 / 9 + size, CANVAS_HEIGHT * 0.5 + size])
            corner = np.array([CANVAS_WIDTH * 0.5, CANVAS_HEIGHT * 0.5]) - span / 2
            lap = int(np.floor(position[0] / span[0]))
            lane = np.random.default_rng([self.seed, number, lap + 10**6]).uniform(0, span[1])
            position = corner + np.array([position[0] % span[0], (position[1] + lane) % span[1]]) - size / 2
        else:
            position %= (CANVAS_WIDTH, CANVAS_HEIGHT)
        size = mover.sprite.shape[0]
        px, py = int(position[0]) - x0, int(position[1]) - y0
        ph, pw = patch.shape[:2]
        if px >= pw or py >= ph or px + size <= 0 or py + size <= 0:
            return
        sx0, sy0 = max(0, -px), max(0, -py)
        sx1, sy1 = min(size, pw - px), min(size, ph - py)
        region = patch[py + sy0:py + sy1, px + sx0:px + sx1]
        alpha = mover.mask[sy0:sy1, sx0:sx1]
        region[:] = region * (1 - alpha) + mover.sprite[sy0:sy1, sx0:sx1] * alpha


def write_video(path: Path, frames, fps: float, codec: str = "mp4v") -> Path:
    """Write BGR frames with OpenCV (mp4v in .mp4 unless told otherwise)."""
    writer = None
    for frame in frames:
        if writer is None:
            height, width = frame.shape[:2]
            writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*codec), fps, (width, height))
            if not writer.isOpened():
                raise RuntimeError(f"OpenCV cannot write {path} with codec {codec}")
        writer.write(frame)
    if writer is None:
        raise ValueError("no frames to write")
    writer.release()
    return path


def write_h264(path: Path, frames, fps: float, crf: int = 23, preset: str = "veryfast") -> Path:
    """Write BGR frames as H.264 (libx264, yuv420p) in an MP4 through PyAV, as cameras and
    platforms deliver video; `crf` sets the quality (lower is better)."""
    import av
    from fractions import Fraction

    with av.open(str(path), "w") as out:
        stream = None
        for frame in frames:
            if stream is None:
                stream = out.add_stream("libx264", rate=Fraction(fps).limit_denominator(1001))
                stream.height, stream.width = frame.shape[:2]
                stream.pix_fmt = "yuv420p"
                stream.options = {"preset": preset, "crf": str(crf)}
            for packet in stream.encode(av.VideoFrame.from_ndarray(np.ascontiguousarray(frame), format="bgr24")):
                out.mux(packet)
        if stream is None:
            raise ValueError("no frames to write")
        for packet in stream.encode():
            out.mux(packet)
    return path


def film(scene: Scene, start: float, seconds: float, fps: float = 25.0,
         size: tuple[int, int] = (640, 360)):
    """Frames of `scene` from `start` for `seconds` at `fps`, `size` = (width, height)."""
    for i in range(int(round(seconds * fps))):
        yield scene.frame(start + i / fps, *size)


SAMPLE_CLIPS = (
    # (file name, scene seed, start second, seconds): small clips the registry loads on first start
    ("harbour-drone-pass.mp4", 11, 0.0, 10.0),
    ("market-street-walk.mp4", 23, 0.0, 10.0),
)
SAMPLE_STILLS = (("market-street-still.jpg", 23, 30.0),)  # (file name, scene seed, time)


def make_samples(folder: Path) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for name, seed, start, seconds in SAMPLE_CLIPS:
        frames = film(Scene(seed), start, seconds, fps=15.0, size=(320, 180))
        written.append(write_video(folder / name, frames, 15.0))
    for name, seed, at in SAMPLE_STILLS:
        cv2.imwrite(str(folder / name), Scene(seed).frame(at, 640, 360), [cv2.IMWRITE_JPEG_QUALITY, 85])
        written.append(folder / name)
    return written


if __name__ == "__main__":
    for path in make_samples(Path(sys.argv[1] if len(sys.argv) > 1 else "samples/videos")):
        print(f"{path}  {path.stat().st_size:,} bytes")
