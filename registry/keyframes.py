"""Pictures for the pages: a registered video's frame at a moment, or an image, scaled to one of a
few widths and encoded as JPEG; the times of a video's keyframe strip. Registered videos were
decoded in full, in the isolated decoder, when they were registered, so the few frames a page
needs are read here, in process, by seeking (OpenCV); a frame is a few tens of kilobytes, and the
last `CACHE` of them are kept in memory (registered content never changes).

>>> strip_times(80.0, 4)
[10.0, 30.0, 50.0, 70.0]
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from pathlib import Path

import cv2
import numpy as np

from .errors import InvalidInputError

WIDTHS = (160, 320, 640)
STRIP = 8  # keyframes in a work page's strip
CACHE = 512
JPEG_QUALITY = 80

_cache: OrderedDict[tuple[str, float, int], bytes] = OrderedDict()
_lock = threading.Lock()


def strip_times(duration: float, count: int = STRIP) -> list[float]:
    """`count` moments spread evenly over the video, each in the middle of its share."""
    return [round((n + 0.5) * duration / count, 2) for n in range(count)]


def video_duration(path: Path) -> float:
    capture = cv2.VideoCapture(str(path))
    try:
        return _duration(capture)
    finally:
        capture.release()


def _duration(capture: cv2.VideoCapture) -> float:
    fps = capture.get(cv2.CAP_PROP_FPS) or 0.0
    frames = capture.get(cv2.CAP_PROP_FRAME_COUNT) or 0.0
    return float(frames / fps) if fps > 0 else 0.0


def picture_jpeg(path: Path, kind: str, *, at: float = 0.0, width: int = 320, key: str | None = None) -> bytes:
    """The frame of the video at `path` nearest `at` seconds (an image: the image), `width` pixels
    wide, as JPEG. `key` names the content for the cache (its sha256)."""
    if width not in WIDTHS:
        raise InvalidInputError(f"width must be one of {', '.join(map(str, WIDTHS))}, got {width}")
    if not 0 <= at <= 86_400:
        raise InvalidInputError(f"at must be a moment in seconds from 0, got {at}")
    cache_key = (key or str(path), round(at, 1), width)
    with _lock:
        if cache_key in _cache:
            _cache.move_to_end(cache_key)
            return _cache[cache_key]
    picture = _video_frame(path, at) if kind == "video" else _image(path)
    encoded = _jpeg(_scaled(picture, width))
    with _lock:
        _cache[cache_key] = encoded
        while len(_cache) > CACHE:
            _cache.popitem(last=False)
    return encoded


def _video_frame(path: Path, at: float) -> np.ndarray:
    capture = cv2.VideoCapture(str(path))
    try:
        if not capture.isOpened():
            raise InvalidInputError(f"cannot open the video {path.name}")
        duration = _duration(capture)
        capture.set(cv2.CAP_PROP_POS_MSEC, 1000 * min(at, max(duration - 0.05, 0.0)))
        ok, frame = capture.read()
        if not ok:  # past the last frame a seek can reach: the first one
            capture.set(cv2.CAP_PROP_POS_FRAMES, 0)
            ok, frame = capture.read()
        if not ok:
            raise InvalidInputError(f"no frame could be read from {path.name}")
        return frame
    finally:
        capture.release()


def _image(path: Path) -> np.ndarray:
    picture = cv2.imread(str(path), cv2.IMREAD_COLOR)
    if picture is None:
        raise InvalidInputError(f"cannot read the image {path.name}")
    return picture


def _scaled(picture: np.ndarray, width: int) -> np.ndarray:
    height, current = picture.shape[:2]
    if current <= width:
        return picture
    return cv2.resize(picture, (width, max(1, round(height * width / current))), interpolation=cv2.INTER_AREA)


def _jpeg(picture: np.ndarray) -> bytes:
    ok, encoded = cv2.imencode(".jpg", picture, [cv2.IMWRITE_JPEG_QUALITY, JPEG_QUALITY])
    assert ok
    return encoded.tobytes()
