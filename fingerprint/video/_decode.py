"""Sample grey frames from a video by time, within limits that keep one bad file from hurting a server.

OpenCV decodes every frame (an H.264 stream needs them all as references) but only the sampled ones
are converted, made grey and scaled down to ``WORK_WIDTH``: that is what makes the fingerprint much
cheaper than hashing every frame at full size. Sampling follows the stream's timestamps, not frame
numbers, so a copy at another frame rate is sampled at the same moments.

Limits (``DecodeLimits``): the picture's pixel count and sides, the stream's declared frame count and
duration, the number of frames actually read, and the wall-clock time spent. A file OpenCV cannot
open, a stream with no frame, or one that breaks off early (fewer frames than declared, by more than
a tenth) is refused with a `VideoDecodeError` that says which.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np

from fingerprint.errors import VideoDecodeError, VideoLimitError
from fingerprint.video._container import declared_seconds_of

WORK_WIDTH = 256  # pixels: frames are hashed at this width (heights keep the aspect ratio)

Progress = Callable[[float], None]


@dataclass(frozen=True)
class DecodeLimits:
    max_pixels: int = 4096 * 2304  # 4K UHD and a little more: a decoding bomb declares far more
    max_side: int = 8192
    max_seconds: float = 3600.0  # of video (sampled pictures are kept in memory: ~150 MB an hour)
    max_frames: int = 3 * 3600 * 120  # read, whatever the stream declares
    max_wall_seconds: float = 600.0  # of decoding


@dataclass(frozen=True)
class SampledFrame:
    time: float  # seconds from the start of the stream
    grey: np.ndarray  # uint8, WORK_WIDTH wide


def _scaled_grey(frame: np.ndarray) -> np.ndarray:
    grey = cv2.cvtColor(frame, cv2.COLOR_BGR2GRAY) if frame.ndim == 3 else frame
    height, width = grey.shape[:2]
    new_height = max(1, int(round(height * WORK_WIDTH / width)))
    return cv2.resize(grey, (WORK_WIDTH, new_height), interpolation=cv2.INTER_AREA)


def grey_picture(image: np.ndarray) -> np.ndarray:
    """A decoded still image (BGR, BGRA or grey) as the grey working picture."""
    if image.ndim == 3 and image.shape[2] == 4:
        image = cv2.cvtColor(image, cv2.COLOR_BGRA2BGR)
    return _scaled_grey(image)


def sample_frames(path: Path, interval: float, limits: DecodeLimits = DecodeLimits(),
                  progress: Progress | None = None) -> Iterator[SampledFrame]:
    """Grey frames every `interval` seconds (the first frame at or after each multiple)."""
    capture = cv2.VideoCapture(str(path))
    try:
        if not capture.isOpened():
            raise VideoDecodeError(f"expected a video OpenCV can decode, got {Path(path).name!r}: not a video, "
                                   "a truncated or corrupt file, or a container or codec it does not know")
        width = int(capture.get(cv2.CAP_PROP_FRAME_WIDTH))
        height = int(capture.get(cv2.CAP_PROP_FRAME_HEIGHT))
        fps = capture.get(cv2.CAP_PROP_FPS) or 0.0
        declared = int(capture.get(cv2.CAP_PROP_FRAME_COUNT) or 0)
        _check_declared(width, height, fps, declared, limits)
        _check_container(path, declared / fps if fps > 0 and declared > 0 else None, limits)
        yield from _read(capture, interval, declared, fps, limits, progress)
    finally:
        capture.release()


def _check_declared(width: int, height: int, fps: float, declared: int, limits: DecodeLimits) -> None:
    if width <= 0 or height <= 0:
        raise VideoDecodeError(f"expected a picture size, got {width}x{height}: the stream has no video")
    if width > limits.max_side or height > limits.max_side or width * height > limits.max_pixels:
        raise VideoLimitError(f"expected at most {limits.max_pixels:,} pixels per frame and "
                              f"{limits.max_side} per side, got {width}x{height}")
    if declared > limits.max_frames:
        raise VideoLimitError(f"expected at most {limits.max_frames:,} frames, the file declares {declared:,}")
    if fps > 0 and declared / fps > limits.max_seconds:
        raise VideoLimitError(f"expected at most {limits.max_seconds:,.0f} s of video, "
                              f"the file declares {declared / fps:,.0f} s")


def _check_container(path: Path, stream_seconds: float | None, limits: DecodeLimits) -> None:
    """The container's own declared length (MP4/MOV `mvhd`) within the limits and in line with its
    stream's: a duration patched to 0xffffffff is a damaged or altered file, not a 49-day video."""
    container = declared_seconds_of(Path(path))
    if container is None:
        return
    if container > limits.max_seconds:
        raise VideoLimitError(f"expected at most {limits.max_seconds:,.0f} s of video, "
                              f"the container declares {container:,.0f} s")
    if stream_seconds is not None and abs(container - stream_seconds) > max(2.0, 0.5 * stream_seconds):
        raise VideoDecodeError(f"expected the container's duration ({container:,.1f} s) to agree with its "
                               f"stream's ({stream_seconds:,.1f} s): the file is damaged or altered")


def _read(capture: cv2.VideoCapture, interval: float, declared: int, fps: float, limits: DecodeLimits,
          progress: Progress | None) -> Iterator[SampledFrame]:
    started = time.monotonic()
    next_sample = 0.0
    read = 0
    last_time = -1.0
    while capture.grab():
        read += 1
        if read > limits.max_frames:
            raise VideoLimitError(f"expected at most {limits.max_frames:,} frames, read more")
        if read % 64 == 0:
            if time.monotonic() - started > limits.max_wall_seconds:
                raise VideoLimitError(f"expected decoding to finish within {limits.max_wall_seconds:.0f} s, "
                                      f"it had read {read:,} frames")
            if progress is not None and declared > 0:
                progress(min(read / declared, 1.0))
        stamp = capture.get(cv2.CAP_PROP_POS_MSEC) / 1000.0
        if stamp <= last_time and fps > 0:  # some containers report no timestamps
            stamp = (read - 1) / fps
        last_time = stamp
        if stamp > limits.max_seconds:
            raise VideoLimitError(f"expected at most {limits.max_seconds:,.0f} s of video, read past it")
        if stamp + 1e-6 < next_sample:
            continue
        ok, frame = capture.retrieve()
        if not ok or frame is None:
            raise VideoDecodeError(f"expected frame {read} to decode, it did not: the file is corrupt")
        yield SampledFrame(stamp, _scaled_grey(frame))
        while next_sample <= stamp + 1e-6:
            next_sample += interval
    if read == 0:
        raise VideoDecodeError("expected at least one frame, got none: the video is empty or truncated")
    if declared > 0 and read < 0.9 * declared:
        raise VideoDecodeError(f"expected {declared:,} frames as the file declares, could read {read:,}: "
                               "the file is truncated or corrupt")
    if progress is not None:
        progress(1.0)
