"""Video and image fingerprints that survive re-encoding, resizing, frame-rate changes, crops of up to
20%, mirror flips, letterbox and pillarbox bars, logos, captions, watermarks and colour grades, and
the time ranges where a copy comes from.

- ``fingerprint_video(path)`` / ``fingerprint_image(bytes)``: two 64-bit DCT hashes (whole picture,
  centre) every 0.5 s, bars removed, flat frames left out (`VideoFingerprint`, 2.4 KB per minute).
- ``video_pictures(path)`` / ``image_pictures(bytes)``: the sampled grey pictures a query keeps.
- ``VideoIndex``: registered fingerprints in two multi-index hashing tables; ``search(pictures)``
  probes with the query's views and crop hypotheses, fits one geometry per candidate work and
  aligns in time (`VideoMatch` with `Segment`s in seconds of query and work).

>>> import sys, tempfile; from pathlib import Path
>>> sys.path.insert(0, "samples"); from make_videos import Scene, film, write_video
>>> folder = Path(tempfile.mkdtemp())
>>> original = write_video(folder / "a.mp4", film(Scene(3), 0, 12, fps=10, size=(320, 180)), 10)
>>> clip = write_video(folder / "b.mp4", (f[:, ::-1] for f in film(Scene(3), 4, 4, fps=10, size=(320, 180))), 10)
>>> index = VideoIndex()
>>> index.add("work-a", fingerprint_video(original))
>>> [(work, match.mirrored, match.segments[0].work_start) for work, match in index.search(video_pictures(clip))]
[('work-a', True, 4.0)]
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
from fingerprint.video._video_index import VideoIndex

__all__ = [
    "INTERVAL",
    "QUERY_INTERVAL",
    "DecodeLimits",
    "LinearScan",
    "MultiIndexHashing",
    "Pictures",
    "Segment",
    "VideoFingerprint",
    "VideoIndex",
    "VideoMatch",
    "fingerprint_image",
    "fingerprint_pictures",
    "fingerprint_video",
    "image_pictures",
    "video_pictures",
]
