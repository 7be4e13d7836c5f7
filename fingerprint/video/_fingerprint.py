"""`VideoFingerprint`: two 64-bit hashes per sampled moment, and its compact serialised form.

A video is sampled every ``INTERVAL`` seconds; a still image is a video of one frame at time 0.
Frames with almost no detail (black, a fade, a flat card) are left out: they would match anything.
The letterbox/pillarbox box is found on the first ``BORDER_FRAMES`` samples and applied to all.

Each sample also carries a 32-bit *motion* hash: what changed in the centre since the sample before
(`motion_hash`; ``NO_MOTION`` when nothing did). It tells a copy of a fixed-camera video from later
footage of the same camera, whose pictures look the same but whose moving things are elsewhere.

Serialised: ``b"AVF2"``, duration (float32 seconds), frame count (uint32), then per frame its time
(uint32 milliseconds), whole-picture and centre hashes (uint64 each) and motion hash (uint32),
little-endian: 24 bytes per sample, 2,880 bytes per minute of video.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np

from fingerprint.errors import ImageDecodeError, InvalidFingerprintError, VideoDecodeError
from fingerprint.video._borders import content_box
from fingerprint.video._decode import DecodeLimits, Progress, SampledFrame, grey_picture, sample_frames
from fingerprint.video._hash import CENTRE, hash_pictures, motion_hash, whole_and_centre, window

INTERVAL = 0.5  # seconds between registered samples
QUERY_INTERVAL = 0.25  # seconds between a query's samples: a copy cut anywhere has some within 1/8 s
BORDER_FRAMES = 120  # samples (one minute) that decide where the bars are
MIN_DETAIL = 3.0  # grey-level standard deviation below which a frame is left out (a night scene: 5-8)
MAX_IMAGE_PIXELS = 64_000_000
#: Most bytes a still may take once decoded (width x height x channels x bytes per sample), checked
#: from its header before decoding: a 1 MB PNG can declare 20000x20000 pixels (1.6 GB decoded).
MAX_IMAGE_DECODED_BYTES = 160 * 1024 * 1024
_PNG = b"\x89PNG\r\n\x1a\n"
_PNG_CHANNELS = {0: 1, 2: 3, 3: 3, 4: 2, 6: 4}  # by IHDR colour type (a palette decodes to BGR)

_MAGIC = b"AVF2"
_HEADER = struct.Struct("<4sfI")
_ROW = np.dtype([("ms", "<u4"), ("whole", "<u8"), ("centre", "<u8"), ("motion", "<u4")])
MOTION_SIDE = CENTRE  # of the picture's side: motion is hashed over the centre (0.8 lost cropped copies)
MOTION_GAP = (0.35, 0.65)  # seconds: the sample before must be this far back for a motion hash


@dataclass(frozen=True)
class VideoFingerprint:
    duration: float  # seconds (0 for a still image)
    times: np.ndarray  # float64 seconds, increasing
    whole: np.ndarray  # uint64 hash of each sampled picture, bars removed
    centre: np.ndarray  # uint64 hash of its centre
    motion: np.ndarray  # uint32 hash of the change in its centre since the sample before, or NO_MOTION

    def __post_init__(self) -> None:
        if not (len(self.times) == len(self.whole) == len(self.centre) == len(self.motion)):
            raise InvalidFingerprintError(
                f"expected as many times as hashes, got {len(self.times)}, {len(self.whole)}, "
                f"{len(self.centre)}, {len(self.motion)}")

    def __len__(self) -> int:
        return len(self.times)

    def slice(self, first: int, stop: int) -> VideoFingerprint:
        """Samples ``first`` to ``stop - 1`` (times and duration unchanged: from the video's start)."""
        return VideoFingerprint(self.duration, self.times[first:stop], self.whole[first:stop],
                                self.centre[first:stop], self.motion[first:stop])

    def to_bytes(self) -> bytes:
        rows = np.zeros(len(self), dtype=_ROW)
        rows["ms"] = np.round(self.times * 1000).astype(np.uint32)
        rows["whole"], rows["centre"], rows["motion"] = self.whole, self.centre, self.motion
        return _HEADER.pack(_MAGIC, self.duration, len(self)) + rows.tobytes()

    @classmethod
    def from_bytes(cls, data: bytes) -> VideoFingerprint:
        if len(data) < _HEADER.size or data[:4] != _MAGIC:
            raise InvalidFingerprintError(f"expected a video fingerprint starting {_MAGIC!r}, got {data[:4]!r}")
        _, duration, count = _HEADER.unpack_from(data)
        if len(data) != _HEADER.size + _ROW.itemsize * count:
            raise InvalidFingerprintError(
                f"expected {_HEADER.size + _ROW.itemsize * count} bytes for {count} frames, got {len(data)}")
        rows = np.frombuffer(data, dtype=_ROW, offset=_HEADER.size)
        return cls(float(duration), rows["ms"].astype(np.float64) / 1000, rows["whole"].astype(np.uint64),
                   rows["centre"].astype(np.uint64), rows["motion"].astype(np.uint32))


@dataclass(frozen=True)
class Pictures:
    """Sampled grey pictures with their bars cut away (what a query keeps to refine its match).

    When bars were found, ``frames`` holds the same samples before the cut and ``box`` where the
    cut was made (x0, y0, x1, y1); ``pictures`` are then views into ``frames``. A flat edge of real
    picture (a crushed night sky) can pass for bars in a copy and not in its original, so a search
    tries the copy both ways (`untrimmed`)."""

    duration: float
    times: np.ndarray
    pictures: list[np.ndarray]
    frames: list[np.ndarray] | None = None
    box: tuple[int, int, int, int] | None = None

    @classmethod
    def cut(cls, duration: float, times: np.ndarray, frames: list[np.ndarray],
            box: tuple[int, int, int, int] | None) -> Pictures:
        """Pictures of `frames` inside `box` (None or the whole frame: no bars)."""
        if box is None or not frames or box == (0, 0, frames[0].shape[1], frames[0].shape[0]):
            return cls(duration, times, list(frames))
        x0, y0, x1, y1 = box
        return cls(duration, times, [frame[y0:y1, x0:x1] for frame in frames], list(frames), box)

    def untrimmed(self) -> Pictures | None:
        """The same samples with nothing cut away, if bars were cut."""
        return None if self.frames is None else Pictures(self.duration, self.times, self.frames)


def has_detail(picture: np.ndarray) -> bool:
    return picture.size > 0 and float(picture.std()) >= MIN_DETAIL


def _box(frames: list[SampledFrame]) -> tuple[int, int, int, int]:
    heights = {frame.grey.shape for frame in frames}
    if len(heights) != 1:
        raise VideoDecodeError(f"expected one picture size throughout, got {sorted(heights)}")
    return content_box(np.stack([frame.grey for frame in frames[:BORDER_FRAMES]]))


def video_pictures(path: Path, limits: DecodeLimits = DecodeLimits(), progress: Progress | None = None,
                   interval: float = QUERY_INTERVAL) -> Pictures:
    """Decode and sample a video into `Pictures` (bars removed, low-detail frames dropped), a
    sample every `interval` seconds (a query's default; registration uses ``INTERVAL``)."""
    frames = list(sample_frames(path, interval, limits, progress))
    duration = frames[-1].time + interval
    x0, y0, x1, y1 = box = _box(frames)
    kept = [frame for frame in frames if has_detail(frame.grey[y0:y1, x0:x1])]
    return Pictures.cut(duration, np.array([f.time for f in kept], np.float64), [f.grey for f in kept], box)


def declared_image_size(data: bytes) -> tuple[int, int, int] | None:
    """(width, height, decoded bytes) a still declares in its header, without decoding it; None
    when the header is not one we read (OpenCV then decides)."""
    if data[:8] == _PNG and len(data) >= 26 and data[12:16] == b"IHDR":
        width, height = int.from_bytes(data[16:20], "big"), int.from_bytes(data[20:24], "big")
        sample = 2 if data[24] == 16 else 1
        return width, height, width * height * _PNG_CHANNELS.get(data[25], 4) * sample
    import io
    import warnings

    from PIL import Image

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)  # we judge the size ourselves
            with Image.open(io.BytesIO(data)) as image:  # reads the header only
                width, height = image.size
                return width, height, width * height * max(len(image.getbands()), 3)
    except Image.DecompressionBombError as e:  # Pillow's own ceiling, far above ours
        raise ImageDecodeError(f"expected at most {MAX_IMAGE_PIXELS:,} pixels, got more: {e}") from e
    except (OSError, SyntaxError, ValueError):
        return None


def check_image_size(data: bytes) -> None:
    """Refuse, before any decoding, a still whose header declares more than the limits."""
    declared = declared_image_size(data)
    if declared is None:
        return
    width, height, decoded = declared
    if width * height > MAX_IMAGE_PIXELS or decoded > MAX_IMAGE_DECODED_BYTES:
        raise ImageDecodeError(
            f"expected at most {MAX_IMAGE_PIXELS:,} pixels and {MAX_IMAGE_DECODED_BYTES // 2**20} MB decoded, "
            f"got {width}x{height} ({decoded / 2**20:,.0f} MB decoded): refused before decoding")


def image_pictures(data: bytes) -> Pictures:
    """Decode a still image (any format OpenCV reads) into one-picture `Pictures`; its header's
    size is checked first (`check_image_size`)."""
    if not data:
        raise ImageDecodeError("expected an image, got no bytes")
    check_image_size(data)
    image = cv2.imdecode(np.frombuffer(data, np.uint8), cv2.IMREAD_UNCHANGED)
    if image is None:
        raise ImageDecodeError("expected an image OpenCV can decode (JPEG, PNG, WebP, ...), got something else")
    if image.shape[0] * image.shape[1] > MAX_IMAGE_PIXELS:
        raise ImageDecodeError(f"expected at most {MAX_IMAGE_PIXELS:,} pixels, got {image.shape[1]}x{image.shape[0]}")
    if image.dtype != np.uint8:
        image = cv2.convertScaleAbs(image, alpha=255.0 / max(float(image.max()), 1.0))
    grey = grey_picture(image)
    x0, y0, x1, y1 = box = content_box(grey[None])
    kept = [grey] if has_detail(grey[y0:y1, x0:x1]) else []
    return Pictures.cut(0.0, np.zeros(len(kept)), kept, box)


def motion_hashes(pictures: Pictures, centre: tuple[float, float, float] = (0.5, 0.5, CENTRE),
                  mirrored: bool = False) -> np.ndarray:
    """Per picture, the motion hash of the region ``MOTION_SIDE / CENTRE`` times the size of
    `centre` (where the original's centre lies) since the picture about ``INTERVAL`` before it."""
    x, y, side = centre
    centre = (x, y, side * MOTION_SIDE / CENTRE)
    times, out = pictures.times, np.zeros(len(pictures.pictures), np.uint32)
    views = [p[:, ::-1] if mirrored else p for p in pictures.pictures]
    for i, now in enumerate(views):
        j = int(np.searchsorted(times, times[i] - INTERVAL - 0.13))
        candidates = [k for k in range(j, i) if MOTION_GAP[0] <= times[i] - times[k] <= MOTION_GAP[1]]
        if candidates:
            before = min(candidates, key=lambda k: abs(times[i] - times[k] - INTERVAL))
            out[i] = motion_hash(window(now, *centre), window(views[before], *centre))
    return out


def fingerprint_pictures(pictures: Pictures) -> VideoFingerprint:
    hashes = hash_pictures(pictures.pictures, whole_and_centre).reshape(-1, 2)
    return VideoFingerprint(pictures.duration, pictures.times, hashes[:, 0].copy(), hashes[:, 1].copy(),
                            motion_hashes(pictures))


def fingerprint_video(path: Path, limits: DecodeLimits = DecodeLimits(),
                      progress: Progress | None = None) -> VideoFingerprint:
    """The fingerprint of the video at `path`."""
    return fingerprint_pictures(video_pictures(path, limits, progress, interval=INTERVAL))


def fingerprint_image(data: bytes) -> VideoFingerprint:
    """The fingerprint of an encoded still image: one sample at time 0 (none if it is flat)."""
    return fingerprint_pictures(image_pictures(data))
