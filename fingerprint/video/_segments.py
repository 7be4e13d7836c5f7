"""Cut a video fingerprint into segments: at scene changes, and at most ``MAX_SEGMENT_SECONDS`` each.

A segment is a run of consecutive samples. The segments tile the video: the first starts at 0, each
ends where the next begins (at its first sample's time), the last ends at the video's duration.
A new segment begins at sample ``i`` when

- the segment so far would otherwise span ``MAX_SEGMENT_SECONDS`` or more (``"length"``);
- the samples before and at ``i`` are more than ``MAX_SAMPLE_GAP`` seconds apart: the frames
  between them were flat (a fade to black, a title card) and left out (``"gap"``);
- or the shot changes at ``i`` (``"scene"``): the whole-picture hashes of samples ``i - 1`` and
  ``i`` are at least ``SCENE_BITS`` apart, and ``SCENE_MARGIN`` more than the pairs on either
  side, which are at most ``STEADY_BITS`` apart (steady on both sides of the cut; measured on
  real clips put end to end, a cut between steady shots moved the hash 22-32 bits). Half a
  second of fast motion moves a hash 14-36 bits on real footage (a zooming bird, a diver), as far
  as a cut does, so a cut inside moving footage cannot be told from motion by the hashes: such
  footage is cut at the length limit only.

Scene and gap cuts wait until the segment so far spans ``MIN_SEGMENT_SECONDS``: a burst of quick
cuts makes one segment, not one per shot. The cut is a pure function of the fingerprint, so
anyone holding a registered fingerprint can recompute its segments.

>>> import numpy as np
>>> from fingerprint.video._fingerprint import VideoFingerprint
>>> times = np.arange(0, 30, 0.5)
>>> whole = np.array([0] * 24 + [2**64 - 1] * 36, np.uint64)  # one scene change at 12 s
>>> fp = VideoFingerprint(30.0, times, whole, whole, np.zeros(60, np.uint32))
>>> [(s.start, s.end, s.cause) for s in video_segments(fp)]
[(0.0, 10.0, 'start'), (10.0, 12.0, 'length'), (12.0, 22.0, 'scene'), (22.0, 30.0, 'length')]
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from fingerprint.video._fingerprint import VideoFingerprint
from fingerprint.video._index import hamming

MAX_SEGMENT_SECONDS = 10.0  # a segment spans at most this much sampled video
MIN_SEGMENT_SECONDS = 2.0  # a scene or gap cut waits until the segment spans this much
MAX_SAMPLE_GAP = 2.0  # seconds between kept samples beyond which the flat stretch between them cuts
SCENE_BITS = 20  # of 64: unrelated pictures differ by 32 on average (22-32 seen at real cuts)
SCENE_MARGIN = 12  # bits beyond the neighbouring pairs' distances
STEADY_BITS = 12  # most the neighbouring pairs may differ for a scene cut between them

CAUSES = ("start", "length", "gap", "scene")


@dataclass(frozen=True)
class VideoSegment:
    """Samples ``first`` to ``stop - 1`` of a fingerprint, covering ``[start, end)`` seconds."""

    number: int  # 0 for the first segment
    start: float
    end: float
    first: int
    stop: int
    cause: str  # why it begins here: one of CAUSES

    @property
    def start_ms(self) -> int:
        return round(self.start * 1000)

    @property
    def end_ms(self) -> int:
        return round(self.end * 1000)

    def fingerprint(self, fingerprint: VideoFingerprint) -> VideoFingerprint:
        """This segment's samples of `fingerprint` (times unchanged, from the start of the video)."""
        return fingerprint.slice(self.first, self.stop)


def _distances(whole: np.ndarray) -> np.ndarray:
    """Hamming distance between each whole-picture hash and the one after it."""
    return hamming(whole[1:], whole[:-1]).astype(np.int64)


def _scene_changes(whole: np.ndarray) -> np.ndarray:
    """True at sample i (i >= 1) when a steady shot gives way to another there."""
    distance = _distances(whole)  # distance[k] is between samples k and k + 1
    padded = np.concatenate([[0], distance, [0]])
    around = np.maximum(padded[:-2], padded[2:])  # the pairs just before and just after each pair
    change = (distance >= SCENE_BITS) & (distance - around >= SCENE_MARGIN) & (around <= STEADY_BITS)
    return np.concatenate([[False], change])


def video_segments(fingerprint: VideoFingerprint) -> list[VideoSegment]:
    """The segments of `fingerprint` in time order (none when it has no sample)."""
    times = fingerprint.times
    if len(times) == 0:
        return []
    scene = _scene_changes(fingerprint.whole)
    starts: list[tuple[int, float, str]] = [(0, 0.0, "start")]
    for i in range(1, len(times)):
        began = starts[-1][1]
        spanned = times[i] - began
        if spanned >= MAX_SEGMENT_SECONDS:
            cause = "length"
        elif spanned < MIN_SEGMENT_SECONDS:
            continue
        elif times[i] - times[i - 1] > MAX_SAMPLE_GAP:
            cause = "gap"
        elif scene[i]:
            cause = "scene"
        else:
            continue
        # a length cut lands on the limit, not on the sample after it (a long flat stretch excepted)
        at = began + MAX_SEGMENT_SECONDS if cause == "length" and times[i - 1] < began + MAX_SEGMENT_SECONDS \
            else float(times[i])
        starts.append((i, round(at, 3), cause))
    ends = [start for _, start, _ in starts[1:]] + [max(float(fingerprint.duration), float(times[-1]))]
    stops = [first for first, _, _ in starts[1:]] + [len(times)]
    return [VideoSegment(number, start, round(end, 3), first, stop, cause)
            for number, ((first, start, cause), end, stop) in enumerate(zip(starts, ends, stops))]
