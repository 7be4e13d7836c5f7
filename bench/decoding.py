"""Benchmark: the latency a decoding worker adds (`registry.decoding`), beside decoding in process.

    .venv/bin/python bench/decoding.py [--runs 7] [--folder DIR]

Media, made here (procedural footage from ``samples/make_videos.py``, seeded) or shipped:

- a 10 s video at 1280x720, 25 fps (mp4v), decoded as a registration does (a sample every 0.5 s);
- the same as a query does (a sample every 0.25 s: twice the pictures to send back);
- the sample 640x360 JPEG (``samples/media/market-street-still.jpg``);
- a 4000x3000 JPEG (a phone's 12 megapixels).

Each is decoded ``--runs`` times in this process (`registry.decoding.decode`, what
``AIGC_REGISTRY_DECODE_ISOLATION=false`` does) and as many times through a warm `DecodePool` of one
worker, interleaved; the medians are printed with the difference (the latency isolation adds:
sending the job, progress reports, pickling the pictures back). Then the cold start: a new pool's
first decode of the sample JPEG (a worker importing OpenCV, what a registration pays after a worker
was replaced), and the worker's address space, idle and at its peak after all the decodes above (what
``AIGC_REGISTRY_DECODE_MEMORY_MB`` must leave room for), and its resident memory.
"""

from __future__ import annotations

import sys as _sys
from pathlib import Path as _Path

# `python bench/x.py` puts bench/ first on the path, where bench/provenance.py and bench/revenue.py would
# shadow the packages of the same name: the repository root goes before it.
_sys.path.insert(0, str(_Path(__file__).resolve().parent.parent))

import argparse
import os
import statistics
import tempfile
import time

import cv2
import numpy as np

from fingerprint.video import INTERVAL, QUERY_INTERVAL, DecodeLimits
from registry.decoding import DecodeJob, DecodePool, decode

ROOT = _Path(__file__).resolve().parent.parent
MEMORY_MB = 2048  # the default limit


def _media(folder: _Path) -> list[tuple[str, DecodeJob]]:
    _sys.path.insert(1, str(ROOT / "samples"))
    from make_videos import Scene, film, write_video

    video = folder / "walk-720p-10s.mp4"
    if not video.exists():
        write_video(video, film(Scene(5), 0.0, 10.0, fps=25.0, size=(1280, 720)), 25.0)
    photo = folder / "photo-4000x3000.jpg"
    if not photo.exists():
        frame = Scene(6).frame(2.0, 4000, 3000)
        cv2.imwrite(str(photo), frame, [cv2.IMWRITE_JPEG_QUALITY, 90])
    still = ROOT / "samples" / "media" / "market-street-still.jpg"
    return [
        ("10 s 720p video, registration (0.5 s)", DecodeJob("video", video, DecodeLimits(), INTERVAL)),
        ("10 s 720p video, query (0.25 s)", DecodeJob("video", video, DecodeLimits(), QUERY_INTERVAL)),
        ("640x360 JPEG (the sample still)", DecodeJob("image", still, DecodeLimits(), QUERY_INTERVAL)),
        ("4000x3000 JPEG", DecodeJob("image", photo, DecodeLimits(), QUERY_INTERVAL)),
    ]


def _worker_memory() -> tuple[float, float, float]:
    """(address space, its peak, resident) in MB of this process's decoding worker."""
    for entry in _Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat, command = (entry / "stat").read_text(), (entry / "cmdline").read_bytes()
        except OSError:
            continue
        if int(stat.rsplit(")", 1)[1].split()[1]) == os.getpid() and b"registry.decoding" in command:
            fields = dict(line.split(":", 1) for line in (entry / "status").read_text().splitlines())
            return tuple(int(fields[k].split()[0]) / 1024 for k in ("VmSize", "VmPeak", "VmRSS"))  # type: ignore[return-value]
    return (0.0, 0.0, 0.0)


def _timed(run) -> float:  # type: ignore[no-untyped-def]
    started = time.perf_counter()
    run()
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--folder", type=_Path, help="where the made media go (default: a temporary folder)")
    args = parser.parse_args()
    folder = args.folder or _Path(tempfile.mkdtemp(prefix="bench-decoding-"))
    folder.mkdir(parents=True, exist_ok=True)
    media = _media(folder)

    pool = DecodePool(workers=1)
    try:
        pool.decode(media[2][1], memory_mb=MEMORY_MB, timeout_seconds=60)  # warm: the worker started
        idle = _worker_memory()
        print(f"{'what':<40} {'in process':>11} {'worker':>9} {'added':>9} {'pictures':>9}")
        for label, job in media:
            pictures = len(decode(job).pictures)
            here, there = [], []
            for _ in range(args.runs):
                here.append(_timed(lambda job=job: decode(job)))
                there.append(_timed(lambda job=job: pool.decode(job, memory_mb=MEMORY_MB, timeout_seconds=600)))
            a, b = statistics.median(here), statistics.median(there)
            print(f"{label:<40} {a * 1000:>8.1f} ms {b * 1000:>6.1f} ms {(b - a) * 1000:>+6.1f} ms {pictures:>9}")
        busy = _worker_memory()
    finally:
        pool.close()

    cold = []
    for _ in range(3):
        fresh = DecodePool(workers=1)
        try:
            cold.append(_timed(lambda pool=fresh: pool.decode(media[2][1], memory_mb=MEMORY_MB, timeout_seconds=60)))
        finally:
            fresh.close()
    warm = statistics.median(_timed(lambda: decode(media[2][1])) for _ in range(args.runs))
    print(f"cold start (a new worker's first decode of the sample still): median {statistics.median(cold):.2f} s "
          f"(in process: {warm * 1000:.1f} ms)")
    print(f"worker address space: idle {idle[0]:,.0f} MB; after the decodes {busy[0]:,.0f} MB, peak {busy[1]:,.0f} MB "
          f"(limit {MEMORY_MB:,} MB); resident {idle[2]:,.0f} MB idle, {busy[2]:,.0f} MB after")
    print(f"numpy {np.__version__}, OpenCV {cv2.__version__}, {os.cpu_count()} CPUs")


if __name__ == "__main__":
    main()
