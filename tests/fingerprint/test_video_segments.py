"""Segments of a video fingerprint: scene changes, gaps, the length limit; they tile the video."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from fingerprint.video import VideoFingerprint, video_segments
from fingerprint.video._segments import MAX_SEGMENT_SECONDS, MIN_SEGMENT_SECONDS

RNG = np.random.default_rng(7)


def _flip(value: int, bits: int, rng: np.random.Generator) -> int:
    for bit in rng.choice(64, size=bits, replace=False):
        value ^= 1 << int(bit)
    return value


def shot(seconds: float, drift_bits: int, rng: np.random.Generator, start: float = 0.0) -> list[tuple[float, int]]:
    """A shot sampled every 0.5 s whose hash drifts `drift_bits` bits a sample (a pan: many)."""
    value = int(rng.integers(0, 2**63)) * 2 + 1
    out = []
    for i in range(int(seconds / 0.5)):
        out.append((start + i * 0.5, value))
        value = _flip(value, drift_bits, rng)
    return out


def fingerprint_of(samples: list[tuple[float, int]], duration: float) -> VideoFingerprint:
    times = np.array([t for t, _ in samples], np.float64)
    whole = np.array([h for _, h in samples], np.uint64)
    return VideoFingerprint(duration, times, whole, whole.copy(), np.zeros(len(samples), np.uint32))


def causes(fp: VideoFingerprint) -> list[tuple[float, str]]:
    return [(s.start, s.cause) for s in video_segments(fp)]


def then(samples: list[tuple[float, int]], seconds: float, drift: int, rng, gap: float = 0.0):  # type: ignore[no-untyped-def]
    start = samples[-1][0] + 0.5 + gap
    return samples + shot(seconds, drift, rng, start)


@pytest.mark.parametrize(
    ("build", "duration", "expected"),
    [
        # a steady 25 s shot: cut only by the length limit
        (lambda rng: shot(25, 2, rng), 25.0, [(0.0, "start"), (10.0, "length"), (20.0, "length")]),
        # two steady shots, the second from 6 s: a scene cut there
        (lambda rng: then(shot(6, 2, rng), 8, 2, rng), 14.0, [(0.0, "start"), (6.0, "scene")]),
        # a fast pan, every sample 20 bits from the last: no pair stands out from its neighbours,
        # so only the length limit cuts it
        (lambda rng: shot(14, 20, rng), 14.0, [(0.0, "start"), (10.0, "length")]),
        # a 4 s fade to black (frames left out) between two shots: a gap cut
        (lambda rng: then(shot(5, 2, rng), 5, 2, rng, gap=4.0), 14.0, [(0.0, "start"), (9.0, "gap")]),
        # fast motion (20 bits a sample) with one pair 34 apart (a zoom, measured on real footage):
        # not steady around it, so not a cut
        (lambda rng: then(shot(5, 20, rng), 6, 20, rng), 11.0, [(0.0, "start"), (10.0, "length")]),
        # quick cuts every second: no segment under MIN_SEGMENT_SECONDS is cut at a scene change
        (lambda rng: then(then(then(shot(1, 1, rng), 1, 1, rng), 1, 1, rng), 5, 1, rng), 8.0,
         [(0.0, "start"), (2.0, "scene")]),
    ],
    ids=["steady-shot", "scene-change", "fast-pan", "fade-gap", "cut-inside-motion", "quick-cuts"],
)
def test_segments_cut_where_expected(build, duration, expected):
    fp = fingerprint_of(build(np.random.default_rng(11)), duration)
    assert causes(fp) == expected


def test_no_samples_no_segments():
    assert video_segments(fingerprint_of([], 3.0)) == []


def test_a_segment_fingerprint_is_its_samples():
    fp = fingerprint_of(shot(25, 2, np.random.default_rng(3)), 25.0)
    second = video_segments(fp)[1]
    part = second.fingerprint(fp)
    assert list(part.times) == [t for t in fp.times if 10.0 <= t < 20.0]
    assert VideoFingerprint.from_bytes(part.to_bytes()).whole.tolist() == part.whole.tolist()


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(st.floats(0.05, 4.0), st.integers(0, 2**64 - 1)), min_size=1, max_size=120),
       st.floats(0.0, 3.0))
def test_segments_tile_the_video_and_partition_its_samples(steps, tail):
    times = np.cumsum([step for step, _ in steps]).round(3)
    fp = VideoFingerprint(float(times[-1] + tail), times, np.array([h for _, h in steps], np.uint64),
                          np.zeros(len(steps), np.uint64), np.zeros(len(steps), np.uint32))
    segments = video_segments(fp)
    assert segments[0].start == 0.0 and segments[0].first == 0 and segments[-1].stop == len(fp)
    assert segments[-1].end == pytest.approx(max(fp.duration, times[-1]), abs=1e-3)
    for before, after in zip(segments, segments[1:]):
        assert before.end == after.start and before.stop == after.first
    for number, segment in enumerate(segments):
        assert segment.number == number and segment.stop > segment.first  # every segment has a sample
        inside = times[segment.first:segment.stop]
        assert (inside >= segment.start - 1e-6).all() and (inside < segment.end + 1e-6).all()
        # at most MAX_SEGMENT_SECONDS of sampled video; longer only when one sample stands alone
        # after a flat stretch
        assert inside[-1] - segment.start < MAX_SEGMENT_SECONDS + 1e-6 or segment.stop - segment.first == 1
        if segment.cause in ("scene", "gap"):
            assert segment.start - segments[number - 1].start >= MIN_SEGMENT_SECONDS - 1e-6
