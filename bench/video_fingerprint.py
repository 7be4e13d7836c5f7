"""Benchmark the video fingerprint: fingerprinting speed and size per minute of video, against the
obvious alternative, Meta's vPDQ (a 256-bit PDQ hash per frame; PyPI package ``vpdq``).

    .venv/bin/pip install vpdq     # bench-only; it compiles against FFmpeg's libraries:
                                   # apt-get install libavdevice-dev libavfilter-dev libavformat-dev \\
                                   #   libavcodec-dev libswresample-dev libswscale-dev libavutil-dev
    .venv/bin/python bench/video_fingerprint.py [--seconds 30] [--runs 3] [--folder DIR]

Without vpdq the script says how to install it and prints our own figures only.

Test videos are procedural footage from ``samples/make_videos.py`` (H.264 via `write_h264`, libx264
veryfast at CRF 23, as cameras and platforms deliver video): by default 30 s at 1280x720/25 fps,
640x360/30 fps and 1280x720/30 fps. They are written to
``--folder`` (a temporary folder unless given; files already there are reused).

Each file is fingerprinted ``--runs`` times by `fingerprint_video(path)` and hashed as many times
by `vpdq.computeHash`, in two modes: its default (``seconds_per_hash=1.0``: one hash a second)
and every frame (``seconds_per_hash=0``). vPDQ decodes every frame; we decode, through PyAV on one
thread up to 1080p, only the frames other frames refer to (`fingerprint.video._decode`). The least CPU time
(all the process's threads) is compared, since other jobs share the machine and threads change the
wall time; the best and median wall times are shown too. vPDQ's ``thread_count`` is left at its
default (0: it chooses). For reference: "OpenCV decode" reads every frame with OpenCV (how we
decoded before), "PyAV no-ref" decodes as we do and converts nothing: the floor for our method.

Sizes, per minute of video:

- ours: ``VideoFingerprint.to_bytes()``: a 12-byte header, then 24 bytes a sample every 0.5 s;
- vPDQ text (``bytes/min``): its natural serialised form, one ``frame_number,hex,quality,timestamp``
  line per hash, as its README prints it;
- vPDQ binary (``bin B/min``): the least a store needs, 32 bytes of hash + uint32 frame number +
  uint8 quality = 37 bytes a hash (times follow from frame numbers).

Targets checked: ours at least 2x cheaper than vPDQ (CPU, least of runs, on every file); ours at
most 3 KB (3,000 bytes) per minute.
"""

from __future__ import annotations

import sys as _sys
from pathlib import Path as _Path

# `python bench/x.py` puts bench/ first on the path, where bench/provenance.py and bench/revenue.py would
# shadow the packages of the same name: the repository root goes before it.
_sys.path.insert(0, str(_Path(__file__).resolve().parent.parent))

import argparse
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import cv2

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "samples"))

from make_videos import Scene, film, write_h264  # noqa: E402

from fingerprint.video import fingerprint_video  # noqa: E402

VIDEOS = (  # (scene seed, width, height, fps)
    (101, 1280, 720, 25.0),
    (102, 640, 360, 30.0),
    (103, 1280, 720, 30.0),
)
VPDQ_BINARY_BYTES = 32 + 4 + 1  # hash, uint32 frame number, uint8 quality
TARGET_SPEEDUP = 2.0
TARGET_BYTES_PER_MINUTE = 3000
DECODE_ONLY = "OpenCV decode (ref.)"
PYAV_DECODE = "PyAV no-ref (ref.)"

INSTALL_HINT = ("vpdq is not installed: `.venv/bin/pip install vpdq` (it compiles against FFmpeg: first "
                "`apt-get install libavdevice-dev libavfilter-dev libavformat-dev libavcodec-dev "
                "libswresample-dev libswscale-dev libavutil-dev`)")


def make_videos(folder: Path, seconds: float) -> list[tuple[Path, float]]:
    folder.mkdir(parents=True, exist_ok=True)
    made = []
    for seed, width, height, fps in VIDEOS:
        path = folder / f"{width}x{height}-{fps:g}fps-{seconds:g}s-{seed}-h264.mp4"
        if not path.exists() or path.stat().st_size == 0:
            started = time.perf_counter()
            write_h264(path, film(Scene(seed), 0.0, seconds, fps=fps, size=(width, height)), fps)
            print(f"  wrote {path.name} ({path.stat().st_size / 1e6:.1f} MB) "
                  f"in {time.perf_counter() - started:.1f} s")
        made.append((path, seconds))
    return made


def decode_only(path: Path) -> int:
    """OpenCV reading every frame (what the fingerprint decoded with before PyAV)."""
    capture = cv2.VideoCapture(str(path))
    frames = 0
    while capture.grab():
        frames += 1
    capture.release()
    return frames


def decode_pyav(path: Path) -> int:
    """PyAV as `sample_frames` drives it (one thread up to 1080p, non-reference frames skipped),
    converting nothing."""
    import av

    from fingerprint.video._decode import tune_decoder

    with av.open(str(path)) as container:
        stream = container.streams.video[0]
        tune_decoder(stream.codec_context, skip_nonref=True)
        return sum(1 for _ in container.decode(stream))


def timed(runs: int, work: Callable[[], object]) -> tuple[float, float, float, object]:
    """(best, median) wall seconds of `runs` calls, their least CPU seconds (all threads of this
    process), and the last result."""
    times, cpu, result = [], [], None
    for _ in range(runs):
        started, started_cpu = time.perf_counter(), time.process_time()
        result = work()
        times.append(time.perf_counter() - started)
        cpu.append(time.process_time() - started_cpu)
    return min(times), statistics.median(times), min(cpu), result


def vpdq_text(features) -> bytes:
    return "".join(f"{f.frame_number},{f.hex},{f.quality},{f.timestamp}\n" for f in features).encode()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=30.0, help="length of each test video")
    parser.add_argument("--runs", type=int, default=3, help="runs per file and method (best is compared)")
    parser.add_argument("--folder", type=Path, default=None, help="where the test videos go (reused)")
    args = parser.parse_args()

    try:
        import vpdq
    except ImportError:
        vpdq = None
        print(INSTALL_HINT)
        print("Only our own figures follow.\n")

    folder = args.folder or Path(tempfile.mkdtemp(prefix="video-fingerprint-bench-"))
    print(f"Test videos in {folder}")
    videos = make_videos(folder, args.seconds)

    modes: list[tuple[str, Callable[[Path], object]]] = [("ours", fingerprint_video), (DECODE_ONLY, decode_only),
                                                         (PYAV_DECODE, decode_pyav)]
    if vpdq is not None:
        modes += [("vpdq 1/s (default)", lambda path: vpdq.computeHash(str(path))),
                  ("vpdq every frame", lambda path: vpdq.computeHash(str(path), seconds_per_hash=0))]
    rivals = [name for name, _ in modes if name.startswith("vpdq")]

    print(f"\nBest and median wall seconds and least CPU seconds of {args.runs} runs; "
          "sizes per minute of video.\n")
    header = (f"{'video':<26} {'method':<20} {'best s':>7} {'median s':>8} {'cpu s':>6} {'x realtime':>10} "
              f"{'hashes':>7} {'bytes/min':>10} {'bin B/min':>10} {'ours faster wall / cpu':>22}")
    print(header)
    print("-" * len(header))
    best_of: dict[str, list[float]] = {name: [] for name, _ in modes}
    wall_gain: dict[str, list[float]] = {name: [] for name in rivals}
    cpu_gain: dict[str, list[float]] = {name: [] for name in rivals}
    ours_sizes = []
    for path, seconds in videos:
        minutes = seconds / 60
        ours_best = ours_cpu = 0.0
        for name, work in modes:
            best, median, cpu, result = timed(args.runs, lambda: work(path))
            best_of[name].append(best)
            hashes = size = binary = versus = ""
            if name == "ours":
                ours_best, ours_cpu = best, cpu
                ours_sizes.append(len(result.to_bytes()) / minutes)
                hashes, size = f"{len(result)}", f"{ours_sizes[-1]:,.0f}"
            elif name in rivals:
                hashes, size = f"{len(result)}", f"{len(vpdq_text(result)) / minutes:,.0f}"
                binary = f"{len(result) * VPDQ_BINARY_BYTES / minutes:,.0f}"
                wall_gain[name].append(best / ours_best)
                cpu_gain[name].append(cpu / ours_cpu)
                versus = f"{best / ours_best:.1f}x / {cpu / ours_cpu:.1f}x"
            print(f"{path.name:<26} {name:<20} {best:>7.2f} {median:>8.2f} {cpu:>6.2f} {seconds / best:>10.1f} "
                  f"{hashes:>7} {size:>10} {binary:>10} {versus:>22}")

    print("\nSummary (best of runs per file):")
    total_seconds = sum(s for _, s in videos)
    for name, _ in modes:
        print(f"  {name:<20} {sum(best_of[name]):6.2f} s for {total_seconds:g} s of video "
              f"({total_seconds / sum(best_of[name]):.1f}x realtime)")
    share = [ours / decode for ours, decode in zip(best_of["ours"], best_of[PYAV_DECODE])]
    print(f"  decoding alone (PyAV, as we decode) is {1 / max(share):.0%}..{1 / min(share):.0%} of our time")
    worst = max(ours_sizes)
    print(f"  ours size: {min(ours_sizes):,.0f}..{worst:,.0f} bytes per minute "
          f"(target <= {TARGET_BYTES_PER_MINUTE:,}): {'met' if worst <= TARGET_BYTES_PER_MINUTE else 'MISSED'}")
    if vpdq is None:
        print(f"  speed versus vpdq: not measured. {INSTALL_HINT}")
        return
    for name in rivals:
        wall, cpu = wall_gain[name], cpu_gain[name]
        verdict = "met" if min(cpu) >= TARGET_SPEEDUP else "MISSED"
        print(f"  ours faster than {name}: wall {min(wall):.1f}x..{max(wall):.1f}x "
              f"(median {statistics.median(wall):.1f}x), cpu {min(cpu):.1f}x..{max(cpu):.1f}x "
              f"(median {statistics.median(cpu):.1f}x); target >= {TARGET_SPEEDUP:g}x CPU on every file: {verdict}")


if __name__ == "__main__":
    main()
