"""Video and image matching: every pirate transform is found at the right time, look-alikes are not,
and bad files are refused with an error that names the problem."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
import pytest

from fingerprint.errors import ImageDecodeError, InvalidFingerprintError, VideoDecodeError, VideoLimitError
from fingerprint.video import (
    DecodeLimits,
    VideoFingerprint,
    VideoIndex,
    fingerprint_image,
    fingerprint_video,
    image_pictures,
    video_pictures,
)

from .video_media import TRANSFORMS, Scene, clip, compose, crop, film, write_video

WORKS = {"harbour": 21, "market": 22, "forest": 23}  # work id -> scene seed
WORK_SECONDS = 16.0


@pytest.fixture(scope="module")
def folder(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("videos")


@pytest.fixture(scope="module")
def index(folder) -> VideoIndex:
    index = VideoIndex()
    for work_id, seed in WORKS.items():
        index.add(work_id, fingerprint_video(clip(folder, f"{work_id}.mp4", seed, 0.0, WORK_SECONDS)))
    return index


CASES = [(name, maker) for name, maker in TRANSFORMS.items()] + [
    ("crop20+flip", compose(crop(0.16, 0.2), TRANSFORMS["flip"])),
    ("letterbox+logo", compose(TRANSFORMS["letterbox"], TRANSFORMS["logo"])),
    ("crop10+subtitles", compose(crop(0.08, 0.12), TRANSFORMS["subtitles"])),
    ("colour+resize", compose(TRANSFORMS["colour"], TRANSFORMS["resize"])),
]


@pytest.mark.parametrize(("name", "transform"), CASES, ids=[name for name, _ in CASES])
def test_a_transformed_clip_is_found_where_it_was_cut(index, folder, name, transform):
    work_id, start, seconds = "market", 6.3, 5.0
    query = clip(folder, f"q-{name}.mp4", WORKS[work_id], start, seconds, fps=15.0, transform=transform)
    results = index.search(video_pictures(query))
    assert [found for found, _ in results] == [work_id], results
    segment = results[0][1].segments[0]
    assert abs((segment.work_start - segment.query_start) - start) <= 1.0
    assert segment.work_end <= start + seconds + 1.0
    assert results[0][1].mirrored == ("flip" in name)


def test_a_compilation_reports_each_source(index, folder):
    parts = [clip(folder, f"part{i}.mp4", WORKS[w], s, 4.0, fps=10.0)
             for i, (w, s) in enumerate([("harbour", 2.0), ("forest", 9.0), ("market", 1.0)])]
    frames = []
    for part in parts:
        capture = cv2.VideoCapture(str(part))
        while (ok := capture.read())[0]:
            frames.append(ok[1])
        capture.release()
    query = write_video(folder / "compilation.mp4", frames, 10.0)
    results = dict(index.search(video_pictures(query)))
    assert set(results) == set(WORKS)
    assert results["forest"].segments[0].query_start == pytest.approx(4.0, abs=1.0)
    assert results["forest"].segments[0].work_start == pytest.approx(9.0, abs=1.0)


@pytest.mark.parametrize(
    ("seed", "start"),
    [(22, 45.0),  # the same scene filmed later: same place, other views and moments
     (90, 0.0),  # an unrelated scene
     (91, 3.0)],
    ids=["same-scene-later", "unrelated", "unrelated-2"],
)
def test_look_alikes_are_not_matched(index, folder, seed, start):
    query = clip(folder, f"neg-{seed}.mp4", seed, start, 6.0, fps=15.0)
    assert index.search(video_pictures(query)) == []


@pytest.fixture(scope="module")
def street_cam(folder) -> VideoIndex:
    """A fixed camera: the same place in every frame, only the traffic moves."""
    index = VideoIndex()
    index.add("street-cam", fingerprint_video(_tripod_clip(folder, "street.mp4", 0.0, 16.0)))
    return index


def _tripod_clip(folder: Path, name: str, start: float, seconds: float, transform=None) -> Path:  # type: ignore[no-untyped-def]
    frames = film(Scene(41, tripod=True), start, seconds, fps=12.0, size=(320, 180))
    if transform is not None:
        apply = transform(np.random.default_rng(5))
        frames = (apply(frame) for frame in frames)
    return write_video(folder / name, frames, 12.0)


@pytest.mark.parametrize("start", [30.0, 47.5, 90.0])
def test_later_footage_of_a_fixed_camera_is_not_a_copy(street_cam, folder, start):
    assert street_cam.search(video_pictures(_tripod_clip(folder, f"later-{start}.mp4", start, 6.0))) == []


@pytest.mark.parametrize("name", ["reencode", "crop20", "logo", "colour"])
def test_a_copy_of_a_fixed_camera_is_found_at_its_time(street_cam, folder, name):
    query = _tripod_clip(folder, f"cam-copy-{name}.mp4", 7.0, 5.0, TRANSFORMS[name])
    (work_id, match), = street_cam.search(video_pictures(query))
    segment = match.segments[0]
    assert abs(segment.work_start - segment.query_start - 7.0) <= 1.0


def test_a_still_frame_finds_its_image_and_the_video_it_comes_from(index, folder):
    frame = Scene(WORKS["forest"]).frame(8.0, 320, 180)
    png = cv2.imencode(".png", frame)[1].tobytes()
    index.add("forest-still", fingerprint_image(png))
    query = cv2.imencode(".jpg", cv2.flip(frame, 1), [cv2.IMWRITE_JPEG_QUALITY, 60])[1].tobytes()
    found = dict(index.search(image_pictures(query)))
    assert "forest-still" in found and found["forest-still"].mirrored
    assert "forest" in found and abs(found["forest"].segments[0].work_start - 8.0) <= 1.0


def test_fingerprint_round_trips_and_stays_small(folder):
    fp = fingerprint_video(clip(folder, "size.mp4", 5, 0.0, 12.0))
    data = fp.to_bytes()
    assert VideoFingerprint.from_bytes(data).to_bytes() == data
    assert len(data) / (fp.duration / 60) <= 3 * 1024  # bytes per minute
    with pytest.raises(InvalidFingerprintError, match="expected"):
        VideoFingerprint.from_bytes(data[:-3])


def _file(name: str, data: bytes):  # type: ignore[no-untyped-def]
    def make(folder: Path) -> Path:
        (folder / name).write_bytes(data)
        return folder / name
    return make


def _truncated(folder: Path) -> Path:
    whole = clip(folder, "whole.mp4", 7, 0.0, 6.0).read_bytes()
    path = folder / "truncated.mp4"
    path.write_bytes(whole[: len(whole) // 3])
    return path


@pytest.mark.parametrize(
    ("make", "limits", "error", "words"),
    [
        (_file("text.mp4", b"not a video at all\n" * 50), DecodeLimits(), VideoDecodeError, "expected a video"),
        (_file("empty.mp4", b""), DecodeLimits(), VideoDecodeError, "expected"),
        (_truncated, DecodeLimits(), VideoDecodeError, "truncated"),
        (lambda f: clip(f, "big.mp4", 8, 0.0, 1.0), DecodeLimits(max_pixels=100 * 100), VideoLimitError, "pixels"),
        (lambda f: clip(f, "long.mp4", 8, 0.0, 3.0), DecodeLimits(max_seconds=1.0), VideoLimitError, "s of video"),
        (lambda f: clip(f, "many.mp4", 8, 0.0, 3.0), DecodeLimits(max_frames=10), VideoLimitError, "frames"),
    ],
    ids=["not-a-video", "zero-length", "truncated", "too-many-pixels", "too-long", "too-many-frames"],
)
def test_bad_videos_are_refused_with_a_reason(folder, make, limits, error, words):
    with pytest.raises(error, match=words):
        video_pictures(make(folder), limits)


@pytest.mark.parametrize("data", [b"", b"\x89PNG\r\n\x1a\n" + b"\x00" * 40, b"plain text"], ids=["empty", "broken-png", "text"])
def test_bad_images_are_refused(data):
    with pytest.raises(ImageDecodeError):
        image_pictures(data)


def test_a_flat_image_has_no_frames_to_match():
    grey = cv2.imencode(".png", np.full((90, 160, 3), 128, np.uint8))[1].tobytes()
    assert len(fingerprint_image(grey)) == 0


def test_a_search_probing_crops_on_every_fourth_picture_still_finds_a_cropped_copy(index, folder):
    from fingerprint.video._match import probes

    query = clip(folder, "q-sparse-crop.mp4", WORKS["market"], 4.0, 8.0, fps=15.0,
                 transform=compose(crop(0.12, 0.15), TRANSFORMS["flip"]))
    pictures = video_pictures(query, interval=0.5)  # sampled as a registration samples
    assert len(probes(pictures, crop_every=4).hashes) < 0.3 * len(probes(pictures).hashes)
    results = index.search(pictures, crop_every=4)
    assert [found for found, _ in results] == ["market"], results
    segment = results[0][1].segments[0]
    assert abs((segment.work_start - segment.query_start) - 4.0) <= 1.0
    assert results[0][1].mirrored


def test_time_offsets_are_tried_by_how_closely_their_pairs_match():
    from fingerprint.video._match import FRAME_RADIUS, _offsets_by_support

    assert FRAME_RADIUS == 10  # a pair at distance d weighs 11 - d
    bins = np.array([5, 5, 5, 2, 2, 2, 9, 7, 7, 7, 7])
    distances = np.array([8, 7, 9, 1, 2, 3, 0, 10, 10, 9, 9])
    # bin 2: 27; bin 9: one exact pair, 11; bin 5: three loose ones, 9; bin 7: four looser, 6
    assert _offsets_by_support(bins, distances) == [(2, 3), (9, 1), (5, 3), (7, 4)]
    # equal weights: the closer on average first
    assert _offsets_by_support(np.array([1, 1, 4]), np.array([5, 6, 0])) == [(4, 1), (1, 2)]


def _still_video(folder: Path, name: str, seconds: float, mover: bool = False, noise_seed: int = 1) -> Path:
    """A fixed camera on a still scene (its own sensor noise only), or with a block crossing it."""
    rng = np.random.default_rng(noise_seed)
    background = Scene(31).frame(5.0, 320, 180).astype(np.int16)
    frames = []
    for i in range(int(seconds * 10)):
        frame = background + rng.normal(0, 2, background.shape).astype(np.int16)
        if mover:
            x = 20 + (i * 7) % 260
            frame[60:120, x:x + 40] = (40, 200, 230)
        frames.append(np.clip(frame, 0, 255).astype(np.uint8))
    return write_video(folder / name, frames, 10.0)


def test_a_clip_of_a_still_scene_is_found_with_the_span_it_fits_and_movement_there_is_not(folder):
    index = VideoIndex()
    index.add("still", fingerprint_video(_still_video(folder, "still.mp4", 16.0)))
    clip_of_it = video_pictures(_still_video(folder, "still-clip.mp4", 4.0, noise_seed=2))
    results = index.search(clip_of_it)
    assert [found for found, _ in results] == ["still"], results
    span = results[0][1].segments[0].still_span
    assert span is not None and span[0] <= 1.0 and span[1] >= 15.0  # any moment of the still scene fits
    assert "still_span" in results[0][1].segments[0].to_dict()
    later = video_pictures(_still_video(folder, "still-later.mp4", 6.0, mover=True, noise_seed=3))
    assert index.search(later) == []  # the same view with something moving: not this still work


def _dark_edges_video(path: Path, crushed: bool, seconds: float = 8.0, start: float = 0.0) -> Path:
    """A scene in the middle band, dark noisy sky above and floor below (crushed to black in a
    copy whose colour grade clipped the shadows: then the dark edges look like bars)."""
    rng = np.random.default_rng(9)
    out = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"mp4v"), 10, (320, 180))
    for frame in film(Scene(31), start, seconds, fps=10.0, size=(320, 180)):
        grey = cv2.cvtColor(frame, cv2.COLOR_BGR2GRAY)
        for band in (slice(0, 50), slice(130, 180)):
            grey[band] = 0 if crushed else rng.integers(4, 40, grey[band].shape)
        out.write(cv2.cvtColor(grey, cv2.COLOR_GRAY2BGR))
    out.release()
    return path


def test_a_copy_whose_dark_edges_pass_for_bars_is_found_as_it_was_before_the_cut(tmp_path):
    index = VideoIndex()
    original = video_pictures(_dark_edges_video(tmp_path / "night.mp4", crushed=False, seconds=16.0), interval=0.5)
    assert original.frames is None  # noisy dark edges are picture, not bars
    index.add("night", fingerprint_video(tmp_path / "night.mp4"))
    copy = video_pictures(_dark_edges_video(tmp_path / "graded.mp4", crushed=True, seconds=6.0, start=5.0))
    assert copy.box is not None and copy.box[1] >= 35  # the crushed edges were cut as bars
    assert copy.pictures[0].base is not None  # pictures are views into the uncut frames
    (work_id, match), = index.search(copy)
    assert work_id == "night" and abs(match.segments[0].work_start - match.segments[0].query_start - 5.0) <= 1.0
    cut_only = type(copy)(copy.duration, copy.times, copy.pictures)  # the cut pictures alone miss it
    assert index.search(cut_only) == []


def _dark_video(path: Path, seconds: float, start: float = 0.0, logo: bool = False) -> Path:
    """A dark, low-contrast, noisy scene; with `logo`, a bright station logo over its centre."""
    rng = np.random.default_rng(4)
    out = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"mp4v"), 10, (320, 180))
    for frame in film(Scene(33), start, seconds, fps=10.0, size=(320, 180)):
        grey = cv2.cvtColor(frame, cv2.COLOR_BGR2GRAY).astype(np.float32) * 0.12 + 12
        grey = np.clip(grey + rng.normal(0, 1.5, grey.shape), 0, 255).astype(np.uint8)
        if logo:
            cv2.rectangle(grey, (120, 72), (200, 106), 245, -1)
            cv2.putText(grey, "TVX", (128, 100), cv2.FONT_HERSHEY_DUPLEX, 0.9, 20, 2)
        out.write(cv2.cvtColor(grey, cv2.COLOR_GRAY2BGR))
    out.release()
    return path


def test_a_bright_logo_over_a_dark_scene_is_painted_out_before_matching(tmp_path):
    from fingerprint.video._overlay import overlay_mask

    index = VideoIndex()
    index.add("night", fingerprint_video(_dark_video(tmp_path / "night.mp4", 16.0)))
    copy = video_pictures(_dark_video(tmp_path / "logo.mp4", 6.0, start=6.0, logo=True))
    mask = overlay_mask(copy.pictures)
    assert mask is not None and 0.03 < mask.mean() < 0.12  # the logo, a little grown
    (work_id, match), = index.search(copy)
    assert work_id == "night" and abs(match.segments[0].work_start - match.segments[0].query_start - 6.0) <= 1.0
    assert index._search(copy, 10, 1) == []  # with the logo left in, nothing is found
    # a plain copy holds no overlay: nothing is painted out, it is searched once
    assert overlay_mask(video_pictures(_dark_video(tmp_path / "plain.mp4", 6.0, start=6.0)).pictures) is None


def _pan_video(folder: Path, name: str, start: float, seconds: float, crop_at: float | None = None) -> Path:
    """A camera panning right at a steady 48 px/s across a large textured picture, 320x180 at 10 fps;
    `crop_at` cuts 20% of each side away (at that horizontal position, 0 left to 1 right) and scales
    back, as a copy cropped off-centre does."""
    rng = np.random.default_rng(11)
    photo = cv2.GaussianBlur(rng.integers(0, 255, (240, 2400, 3)).astype(np.float32), (0, 0), 6)
    photo = cv2.normalize(photo, None, 0, 255, cv2.NORM_MINMAX).astype(np.uint8)
    for k in range(40):  # shapes, so the texture has edges and not only blur
        x, y = int(rng.integers(0, 2350)), int(rng.integers(0, 200))
        cv2.rectangle(photo, (x, y), (x + int(rng.integers(10, 60)), y + int(rng.integers(10, 40))),
                      tuple(int(c) for c in rng.integers(0, 255, 3)), -1)
    frames = []
    for i in range(int(round(seconds * 10))):
        x = int(round((start + i / 10) * 48))
        frame = cv2.resize(photo[:, x:x + 427], (320, 180), interpolation=cv2.INTER_AREA)
        if crop_at is not None:
            cw, ch = 64, 36
            x0, y0 = int(cw * crop_at), ch // 2
            frame = cv2.resize(frame[y0:180 - (ch - y0), x0:320 - (cw - x0)], (320, 180), interpolation=cv2.INTER_AREA)
        frames.append(frame)
    return write_video(folder / name, frames, 10.0)


def test_a_pan_cropped_off_centre_is_reported_with_the_moments_it_fits_as_well(folder):
    # an off-centre crop of a steady pan shows the same pixels as a crop elsewhere a moment earlier or
    # later: the match says so with its crop_span, which holds the moment the copy really comes from
    index = VideoIndex()
    index.add("pan", fingerprint_video(_pan_video(folder, "pan.mp4", 0.0, 24.0)))
    copy = video_pictures(_pan_video(folder, "pan-crop.mp4", 10.0, 5.0, crop_at=1.0))
    results = index.search(copy)
    assert [found for found, _ in results] == ["pan"], results
    segment = results[0][1].segments[0]
    assert segment.crop_span is not None, segment
    start, end = segment.crop_span
    assert start <= 10.0 + 0.5 and end >= 15.0 - 0.5, segment  # it holds where the copy comes from
    assert start <= segment.work_start and end >= segment.work_end
    assert end - start <= 5.0 + 2 * 4.0 + 0.5  # and no more than the search's reach either way
    assert "crop_span" in segment.to_dict()
    uncropped = index.search(video_pictures(_pan_video(folder, "pan-copy.mp4", 10.0, 5.0)))
    segment = uncropped[0][1].segments[0]
    assert abs(segment.work_start - segment.query_start - 10.0) <= 0.5
    assert segment.crop_span is None or segment.crop_span[1] - segment.crop_span[0] <= 5.0 + 1.0, segment
