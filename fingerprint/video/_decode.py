"""Sample grey frames from a video by time, within limits that keep one bad file from hurting a server.

FFmpeg decodes, through PyAV, on one thread (FFmpeg's threads above 1080p), skipping the frames no
other frame refers to (an H.264 stream's B-frames: about half its frames and its decoding time),
which a sampling every 0.25 s or more can spare: each sample is the decoded frame nearest its time.
Where the reference frames alone are further apart than the interval (an intra-refresh or
keyframe-only stream), the file is decoded again in full. Only sampled frames are converted: grey
(full range, as from BGR), turned upright by the stream's rotation, and scaled down to
``WORK_WIDTH`` by FFmpeg's area filter, which is what makes the fingerprint much cheaper than
hashing every frame at full size. Sampling follows the stream's timestamps, not frame numbers, so a
copy at another frame rate is sampled at the same moments.

Limits (``DecodeLimits``): the picture's pixel count and sides, the stream's declared frame count and
duration, the number of frames (packets) actually read, and the wall-clock time spent. A file FFmpeg
cannot open, a stream with no frame, or one that breaks off early (fewer frames than declared, by
more than a tenth) is refused with a `VideoDecodeError` that says which.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import av
import cv2
import numpy as np

from fingerprint.errors import VideoDecodeError, VideoLimitError
from fingerprint.video._container import declared_seconds_of

WORK_WIDTH = 256  # pixels: frames are hashed at this width (heights keep the aspect ratio)
THREADED_PIXELS = 1920 * 1080  # frames up to this size decode on one thread, larger on FFmpeg's threads

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
    """Grey frames every `interval` seconds: for each multiple of it, the decoded frame nearest to it."""
    started = time.monotonic()
    try:
        sampled = _sample(path, interval, limits, progress, started, skip_nonref=True)
    except _SparseDecoding:  # the stream's reference frames alone are too far apart: decode them all
        sampled = _sample(path, interval, limits, progress, started, skip_nonref=False)
    yield from sampled


def _sample(path: Path, interval: float, limits: DecodeLimits, progress: Progress | None, started: float,
            skip_nonref: bool) -> list[SampledFrame]:
    """Open the file (a decoder's threading is set before it opens, so a full decode opens anew),
    check what it declares, and sample it."""
    try:
        container = av.open(str(path))
    except (av.error.FFmpegError, UnicodeDecodeError) as e:
        raise VideoDecodeError(f"expected a video FFmpeg can decode, got {Path(path).name!r}: not a video, "
                               f"a truncated or corrupt file, or a container or codec it does not know ({e})") from e
    with container:
        if not container.streams.video:
            raise VideoDecodeError(f"expected a video stream in {Path(path).name!r}, the file has none")
        stream = container.streams.video[0]
        width, height = stream.codec_context.width, stream.codec_context.height
        rate = stream.average_rate or stream.guessed_rate
        fps = float(rate) if rate else 0.0
        declared = int(stream.frames or 0)
        _check_declared(width, height, fps, declared, limits)
        _check_container(path, declared / fps if fps > 0 and declared > 0 else None, limits)
        return _read(container, stream, interval, declared, limits, progress, started, skip_nonref)


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


class _SparseDecoding(Exception):
    """Skipping non-reference frames left a gap longer than the sampling interval."""


def _grey(frame: av.VideoFrame) -> np.ndarray:
    """The frame grey, scaled to ``WORK_WIDTH`` by FFmpeg's area filter (which also stretches a
    limited-range luma, 16-235, to 0-255, as a BGR-to-grey conversion gives) and turned upright."""
    width, height = frame.width, frame.height
    rotation = int(getattr(frame, "rotation", 0) or 0) % 360
    upright_width = height if rotation in (90, 270) else width
    scale = WORK_WIDTH / upright_width
    out_width, out_height = max(1, int(round(width * scale))), max(1, int(round(height * scale)))
    grey = frame.reformat(width=out_width, height=out_height, format="gray", interpolation="AREA").to_ndarray()
    if rotation:
        grey = np.ascontiguousarray(np.rot90(grey, rotation // 90))  # FFmpeg's rotation is counter-clockwise
    return grey


def tune_decoder(codec, skip_nonref: bool) -> None:
    """One decoding thread up to ``THREADED_PIXELS`` a frame (FFmpeg's frame threads cost more CPU
    than they save wall time there: measured 0.26 against 0.42 CPU s for 30 s of 640x360, and
    0.86 against 1.12 s at 1280x720 for 0.80 against 0.86 s wall), threads above it; if
    `skip_nonref`, without the frames nothing refers to. Options take effect when the decoder
    opens, at the first packet. (Skipping the deblocking filter too saved another quarter of the
    decoding, but its error drifts from reference frame to reference frame until a keyframe, worst
    on a still scene: 2 of 21 real tripod copies were lost.)"""
    if codec.width * codec.height <= THREADED_PIXELS:
        codec.thread_type = "NONE"
        codec.options = {"threads": "1"}
    else:
        codec.thread_type = "AUTO"
    codec.skip_frame = "NONREF" if skip_nonref else "DEFAULT"


def _read(container, stream, interval: float, declared: int, limits: DecodeLimits, progress: Progress | None,
          started: float, skip_nonref: bool) -> list[SampledFrame]:
    """Demux every packet (counted against the limits and the declared frame count) and decode
    them (`tune_decoder`: if `skip_nonref`, without the frames no other frame refers to, B-frames,
    usually half of an H.264 stream), keeping for each sampling time the nearest decoded frame."""
    codec = stream.codec_context
    tune_decoder(codec, skip_nonref)
    base = stream.time_base
    first_pts = stream.start_time
    sampled: list[SampledFrame] = []
    next_sample = 0.0
    packets = 0
    previous: tuple[float, av.VideoFrame] | None = None
    last_time = -1.0

    def keep(stamp: float, frame: av.VideoFrame) -> None:
        """`frame` serves the sampling time due (and any it passed): the next is after both."""
        nonlocal next_sample
        sampled.append(SampledFrame(stamp, _grey(frame)))
        due = next_sample
        while next_sample <= max(stamp, due) + 1e-6:
            next_sample += interval

    try:
        for packet in container.demux(stream):
            if packet.size:
                packets += 1
                if packets > limits.max_frames:
                    raise VideoLimitError(f"expected at most {limits.max_frames:,} frames, read more")
                if packets % 64 == 0:
                    if time.monotonic() - started > limits.max_wall_seconds:
                        raise VideoLimitError(f"expected decoding to finish within {limits.max_wall_seconds:.0f} s, "
                                              f"it had read {packets:,} frames")
                    if progress is not None and declared > 0:
                        progress(min(packets / declared, 1.0))
            for frame in packet.decode():
                if frame.pts is None or base is None:
                    stamp = last_time + 1.0 / 25.0 if last_time >= 0 else 0.0
                else:
                    stamp = float((frame.pts - (first_pts or 0)) * base)
                if stamp <= last_time:
                    continue  # a repeated or out-of-order timestamp
                if skip_nonref and last_time >= 0 and stamp - last_time > interval + 1e-6:
                    raise _SparseDecoding
                last_time = stamp
                if stamp > limits.max_seconds:
                    raise VideoLimitError(f"expected at most {limits.max_seconds:,.0f} s of video, read past it")
                if stamp + 1e-6 >= next_sample:
                    if previous is not None and next_sample - previous[0] < stamp - next_sample:
                        keep(*previous)  # the frame before the sampling time is the nearer one
                    if stamp + 1e-6 >= next_sample:
                        keep(stamp, frame)
                        previous = None
                    else:
                        previous = (stamp, frame)
                else:
                    previous = (stamp, frame)
    except av.error.FFmpegError as e:
        raise VideoDecodeError(f"expected frame {packets + 1} to decode, it did not: the file is corrupt ({e})") from e
    if packets == 0 or not sampled:
        raise VideoDecodeError("expected at least one frame, got none: the video is empty or truncated")
    if declared > 0 and packets < 0.9 * declared:
        raise VideoDecodeError(f"expected {declared:,} frames as the file declares, could read {packets:,}: "
                               "the file is truncated or corrupt")
    if progress is not None:
        progress(1.0)
    return sampled
