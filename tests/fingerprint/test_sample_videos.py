"""samples/make_videos.py, run as a user would run it: it writes the sample clips and still."""

from __future__ import annotations

import subprocess
import sys

from fingerprint.video import fingerprint_image, fingerprint_video

from .video_media import ROOT


def test_make_videos_writes_the_samples(tmp_path):
    done = subprocess.run([sys.executable, str(ROOT / "samples" / "make_videos.py"), str(tmp_path)],
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    shipped = sorted(p.name for p in (ROOT / "samples" / "media").iterdir() if p.suffix != ".json")
    assert sorted(p.name for p in tmp_path.iterdir()) == shipped
    for path in tmp_path.iterdir():
        fingerprint = fingerprint_image(path.read_bytes()) if path.suffix == ".jpg" else fingerprint_video(path)
        assert len(fingerprint) > 0
