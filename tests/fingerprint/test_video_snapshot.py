"""A video index snapshot, searched memory-mapped, returns exactly what the linear scan and the
in-memory index return; a snapshot plus works added since is the same as one index of them all."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

from fingerprint.errors import InvalidFingerprintError
from fingerprint.video import FrozenVideoIndex, LinearScan, VideoFingerprint, VideoIndex, video_pictures
from fingerprint.video import _index
from fingerprint.video._video_index import FRAME_BITS

from .test_video_index import _near
from .video_media import TRANSFORMS, clip


def _random_works(rng: np.random.Generator, works: int, most_frames: int) -> list[tuple[str, VideoFingerprint]]:
    out = []
    for i in range(works):
        frames = int(rng.integers(1, most_frames + 1))
        out.append((f"W{i:05d}", VideoFingerprint(
            frames * 0.5, np.arange(frames) * 0.5, rng.integers(0, 2**64 - 1, frames, dtype=np.uint64, endpoint=True),
            rng.integers(0, 2**64 - 1, frames, dtype=np.uint64, endpoint=True),
            rng.integers(0, 2**32 - 1, frames, dtype=np.uint32))))
    return out


@settings(max_examples=25, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), works=st.integers(0, 60), radius=st.integers(0, _index.MAX_RADIUS),
       flips=st.integers(0, 16), table=st.sampled_from(["whole", "centre"]))
def test_a_snapshot_finds_the_linear_scans_pairs(tmp_path_factory, seed, works, radius, flips, table):
    rng = np.random.default_rng(seed)
    items = _random_works(rng, works, 80)
    index = VideoIndex()
    index.add_many(items)
    path = tmp_path_factory.mktemp("snapshot") / "index.avix"
    index.save(path)
    frozen = FrozenVideoIndex.open(path)
    scan = LinearScan()
    for slot, (_, fingerprint) in enumerate(items):
        scan.add(getattr(fingerprint, table), (slot << FRAME_BITS) | np.arange(len(fingerprint)))
    stored = np.concatenate([getattr(f, table) for _, f in items]) if items else np.zeros(0, np.uint64)
    queries = (_near(rng, stored[:20], flips) if len(stored) else rng.integers(0, 2**63, 5, dtype=np.uint64))
    q, slots, frames, distances = frozen.search(table, queries, radius)
    expected_q, refs, expected_d = scan.search(queries, radius)
    np.testing.assert_array_equal(q, expected_q)
    np.testing.assert_array_equal(slots, refs >> FRAME_BITS)
    np.testing.assert_array_equal(frames, refs & ((1 << FRAME_BITS) - 1))
    np.testing.assert_array_equal(distances, expected_d)


def test_a_snapshot_keeps_every_work_as_it_was(tmp_path):
    items = _random_works(np.random.default_rng(5), 30, 50)
    index = VideoIndex()
    index.add_many(items)
    index.save(tmp_path / "index.avix", {"through": 41})
    loaded = VideoIndex.load(tmp_path / "index.avix")
    assert (len(loaded), loaded.frames, loaded.added_frames) == (30, index.frames, 0)
    assert loaded.base.metadata == {"through": 41}
    for slot, (work_id, fingerprint) in enumerate(items):
        assert work_id in loaded and loaded._work_id(slot) == work_id
        again = loaded._fingerprint(slot)
        assert again.to_bytes() == fingerprint.to_bytes()
    assert "W99999" not in loaded
    loaded.add(items[3][0], items[3][1])  # already in the base: ignored
    assert (len(loaded), loaded.added_frames) == (30, 0)


SCENES = {"harbour": 21, "market": 22, "forest": 23, "river": 24, "city": 25}


@pytest.fixture(scope="module")
def registered(tmp_path_factory):
    """Five works, two queries (a flipped excerpt of one work, an unrelated clip) and what one
    in-memory index of every work answers them (checked against the linear scan)."""
    from fingerprint.video import fingerprint_video

    folder = tmp_path_factory.mktemp("videos")
    works = [(name, fingerprint_video(clip(folder, f"{name}.mp4", seed, 0.0, 12.0))) for name, seed in SCENES.items()]
    queries = [video_pictures(clip(folder, "q-market.mp4", 22, 3.2, 5.0, fps=15.0, transform=TRANSFORMS["flip"])),
               video_pictures(clip(folder, "q-none.mp4", 77, 0.0, 4.0))]
    whole, linear = VideoIndex(), VideoIndex(linear=True)
    whole.add_many(works), linear.add_many(works)
    answers = [whole.search(pictures) for pictures in queries]
    assert [linear.search(pictures) for pictures in queries] == answers
    assert [w for w, _ in answers[0]] == ["market"]
    return works, queries, answers, whole.frames


@pytest.mark.parametrize("in_base", [0, 2, 5])
def test_a_snapshot_and_later_works_search_like_one_index(registered, tmp_path, in_base):
    works, queries, answers, frames = registered
    first = VideoIndex()
    first.add_many(works[:in_base])
    first.save(tmp_path / "index.avix")
    split = VideoIndex.load(tmp_path / "index.avix")
    split.add_many(works[in_base:])
    assert (len(split), split.frames) == (len(works), frames)
    assert [split.search(pictures) for pictures in queries] == answers
    split.save(tmp_path / "again.avix")  # the base and the added works, as one snapshot
    again = VideoIndex.load(tmp_path / "again.avix")
    assert (again.frames, again.added_frames) == (frames, 0)
    assert [again.search(pictures) for pictures in queries] == answers


@pytest.mark.parametrize(("damage", "words"), [
    (lambda data: b"NOPE" + data[4:], "expected a video index snapshot"),
    (lambda data: data[: len(data) // 2], "is truncated"),
])
def test_a_damaged_snapshot_is_refused(tmp_path, damage, words):
    index = VideoIndex()
    index.add_many(_random_works(np.random.default_rng(2), 5, 10))
    index.save(tmp_path / "index.avix")
    broken = tmp_path / "broken.avix"
    broken.write_bytes(damage((tmp_path / "index.avix").read_bytes()))
    with pytest.raises(InvalidFingerprintError, match=words):
        FrozenVideoIndex.open(broken)
