"""Video and image fingerprints that survive re-encoding, resizing, frame-rate changes, crops of up to
20%, mirror flips, letterbox and pillarbox bars, logos, captions, watermarks and colour grades, and
the time ranges where a copy comes from.

- ``fingerprint_video(path)`` / ``fingerprint_image(bytes)``: two 64-bit DCT hashes (whole picture,
  centre) every 0.5 s, bars removed, flat frames left out (`VideoFingerprint`, 2.4 KB per minute).
- ``video_pictures(path)`` / ``image_pictures(bytes)``: the sampled grey pictures a query keeps.
- ``VideoIndex``: registered fingerprints in two multi-index hashing tables; ``search(pictures)``
  probes with the query's views and crop hypotheses, fits one geometry per candidate work and
  aligns in time (`VideoMatch` with `Segment`s in seconds of query and work); a query whose bars
  were cut is tried uncut too, and one with a logo over it with the logo painted out. ``save(path)`` writes
  a snapshot; ``VideoIndex.load(path)`` searches it memory-mapped (`FrozenVideoIndex`) and keeps
  works added later in memory.
- ``video_segments(fingerprint)``: the fingerprint cut at scene changes, at most 10 s a segment
  (`VideoSegment`), what segment ids name.

>>> import tempfile, cv2, numpy as np; from pathlib import Path
>>> land = cv2.resize(np.random.default_rng(3).random((24, 160)), (2400, 360)) * 255
>>> def write(path, start, seconds, mirror=False):
...     out = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"mp4v"), 10, (320, 180))
...     for i in range(int(seconds * 10)):  # a camera panning over the land at 80 px/s
...         x = int(80 * (start + i / 10))
...         frame = cv2.resize(land[:, x:x + 640], (320, 180)).astype(np.uint8)
...         out.write(cv2.cvtColor(frame[:, ::-1] if mirror else frame, cv2.COLOR_GRAY2BGR))
...     out.release()
...     return path
>>> folder = Path(tempfile.mkdtemp())
>>> index = VideoIndex()
>>> index.add("work-a", fingerprint_video(write(folder / "a.mp4", 0, 12)))
>>> found = index.search(video_pictures(write(folder / "b.mp4", 4, 4, mirror=True)))
>>> [(work, match.mirrored, round(match.segments[0].work_start - match.segments[0].query_start)) for work, match in found]
[('work-a', True, 4)]
"""

from fingerprint.video._decode import DecodeLimits
from fingerprint.video._fingerprint import (
    INTERVAL,
    QUERY_INTERVAL,
    Pictures,
    VideoFingerprint,
    fingerprint_image,
    fingerprint_pictures,
    fingerprint_video,
    image_pictures,
    video_pictures,
)
from fingerprint.video._index import LinearScan, MultiIndexHashing
from fingerprint.video._match import Segment, VideoMatch
from fingerprint.video._segments import MAX_SEGMENT_SECONDS, VideoSegment, video_segments
from fingerprint.video._snapshot import FrozenVideoIndex
from fingerprint.video._video_index import FingerprintMatch, VideoIndex

__all__ = [
    "INTERVAL",
    "QUERY_INTERVAL",
    "DecodeLimits",
    "FingerprintMatch",
    "FrozenVideoIndex",
    "LinearScan",
    "MAX_SEGMENT_SECONDS",
    "MultiIndexHashing",
    "Pictures",
    "Segment",
    "VideoFingerprint",
    "VideoIndex",
    "VideoMatch",
    "VideoSegment",
    "fingerprint_image",
    "fingerprint_pictures",
    "fingerprint_video",
    "image_pictures",
    "video_pictures",
    "video_segments",
]
