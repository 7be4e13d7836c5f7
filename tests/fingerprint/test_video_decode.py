"""Decoding through PyAV: pictures as OpenCV shows them (upright by the stream's rotation, full-range
grey), sampled at the stream's times, with the non-reference frames skipped."""

from __future__ import annotations

from pathlib import Path

import av
import cv2
import numpy as np
import pytest

from fingerprint.video._decode import sample_frames

from .video_media import Scene, film


def _h264(path: Path, frames: list[np.ndarray], fps: int = 25, rotation: int | None = None) -> Path:
    with av.open(str(path), "w") as out:
        stream = out.add_stream("libx264", rate=fps)
        stream.height, stream.width = frames[0].shape[:2]
        stream.pix_fmt = "yuv420p"
        stream.options = {"preset": "veryfast", "bf": "3"}  # B-frames, as cameras and platforms write
        if rotation is not None:
            stream.set_display_rotation(rotation)
        for frame in frames:
            for packet in stream.encode(av.VideoFrame.from_ndarray(frame, format="bgr24")):
                out.mux(packet)
        for packet in stream.encode():
            out.mux(packet)
    return path


def _opencv_first(path: Path) -> np.ndarray:
    capture = cv2.VideoCapture(str(path))  # applies the rotation itself
    ok, frame = capture.read()
    capture.release()
    assert ok
    return cv2.cvtColor(frame, cv2.COLOR_BGR2GRAY)


@pytest.mark.parametrize("rotation", [None, 90, -90, 180])
def test_pictures_are_upright_and_full_range_as_opencv_shows_them(tmp_path, rotation):
    frames = [np.zeros((180, 320, 3), np.uint8) for _ in range(10)]
    for frame in frames:
        frame[10:60, 10:100] = 255  # a white block in the top-left corner
        frame[120:170, 250:310] = (0, 0, 200)  # a red one bottom right
    path = _h264(tmp_path / f"rotated-{rotation}.mp4", frames, rotation=rotation)
    reference = _opencv_first(path)
    ours = next(iter(sample_frames(path, 0.5))).grey
    assert ours.shape[1] == 256 and abs(ours.shape[0] / 256 - reference.shape[0] / reference.shape[1]) < 0.02
    small = [cv2.resize(picture, (32, 32), interpolation=cv2.INTER_AREA).astype(int) for picture in (reference, ours)]
    assert np.abs(small[0] - small[1]).mean() < 1.0
    assert ours.min() <= 2 and ours.max() >= 250  # black and white, not 16 and 235


def test_samples_are_the_decoded_frames_nearest_each_time(tmp_path):
    frames = list(film(Scene(5), 0.0, 6.0, fps=25.0, size=(320, 180)))
    path = _h264(tmp_path / "b-frames.mp4", frames)
    sampled = list(sample_frames(path, 0.5))
    assert len(sampled) == 12
    times = np.array([s.time for s in sampled])
    assert np.abs(times - np.arange(12) * 0.5).max() <= 0.08  # within two frames of each sampling time
    with av.open(str(path)) as container:  # the stream has B-frames, which were skipped
        stream = container.streams.video[0]
        stream.codec_context.skip_frame = "NONREF"
        assert sum(1 for _ in container.decode(stream)) < 0.8 * len(frames)


def test_a_stream_with_frames_further_apart_than_the_interval_is_decoded_in_full(tmp_path):
    frames = list(film(Scene(6), 0.0, 6.0, fps=2.0, size=(320, 180)))  # a slideshow: a frame every 0.5 s
    path = _h264(tmp_path / "two-fps.mp4", frames, fps=2)
    sampled = list(sample_frames(path, 0.25))  # skipping B-frames would leave 1 s gaps: decoded again in full
    assert len(sampled) == len(frames)
    assert [round(s.time, 2) for s in sampled] == [i * 0.5 for i in range(len(frames))]
