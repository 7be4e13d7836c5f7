"""A long suspect matched end to end: a 10-minute compilation against a registry of videos.

    .venv/bin/python bench/match_long_video.py [--minutes 10] [--size 640x360] [--works 10] [--folder DIR]

``--works`` pieces of procedural footage (``samples/make_videos.py``, 30 s each, 640x360, 25 fps,
H.264) are registered into a fresh registry (SQLite, temporary data folder, decoding isolated in the
decode pool as a served registry does). The suspect is ``--minutes`` of H.264 at ``--size``: each
minute holds a 10 s excerpt of one registered work (taken from 8 s into it) and 50 s of footage no
work shows. It is matched with `match_media`, the rights team's path; the script prints the wall
time end to end and per stage (fingerprint = decoding and sampling; search), how many of the
excerpts were found at the right place of the right work (within 1 s), and how many other works
were reported.

The obvious alternative, in the same run: decoding the suspect with OpenCV, every frame (what the
registry did before PyAV), against PyAV as the registry decodes it, CPU seconds of this process.
Files are written to ``--folder`` (temporary unless given; files already there are reused).
"""

from __future__ import annotations

import sys as _sys
from pathlib import Path as _Path

_sys.path.insert(0, str(_Path(__file__).resolve().parent.parent))

import argparse
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
_sys.path.append(str(ROOT / "samples"))
_sys.path.append(str(ROOT / "bench"))

from make_videos import Scene, film, write_h264  # noqa: E402
from register_video import StageClock  # noqa: E402

from fingerprint.video import QUERY_INTERVAL  # noqa: E402
from fingerprint.video._decode import sample_frames  # noqa: E402
from registry.registration.media import match_media, register_media  # noqa: E402
from registry.requests import RegistrationRequest  # noqa: E402
from registry.service import Registry  # noqa: E402
from registry.settings import Settings  # noqa: E402

WORK_SECONDS = 30.0
EXCERPT_START, EXCERPT_SECONDS = 8.0, 10.0  # of the work; each minute of the suspect starts with one
FPS = 25.0


def works(folder: Path, count: int) -> list[Path]:
    paths = [folder / f"work-{seed}.mp4" for seed in range(100, 100 + count)]
    for seed, path in zip(range(100, 100 + count), paths):
        if not path.exists():
            write_h264(path, film(Scene(seed=seed), 0.0, WORK_SECONDS, FPS, (640, 360)), FPS)
    return paths


def suspect(folder: Path, minutes: int, size: tuple[int, int], count: int) -> Path:
    path = folder / f"suspect-{minutes}min-{size[0]}x{size[1]}-{count}works.mp4"
    if path.exists():
        return path
    print(f"filming a {minutes}-minute suspect at {size[0]}x{size[1]} ...", flush=True)

    def frames():  # type: ignore[no-untyped-def]
        for minute in range(minutes):
            yield from film(Scene(seed=100 + minute % count), EXCERPT_START, EXCERPT_SECONDS, FPS, size)
            yield from film(Scene(seed=5000 + minute), 0.0, 60.0 - EXCERPT_SECONDS, FPS, size)

    return write_h264(path, frames(), FPS, crf=26)


def cpu_seconds(run) -> float:  # type: ignore[no-untyped-def]
    started = time.process_time()
    run()
    return time.process_time() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--minutes", type=int, default=10)
    parser.add_argument("--size", default="640x360")
    parser.add_argument("--works", type=int, default=10)
    parser.add_argument("--folder", type=Path)
    args = parser.parse_args()
    size = tuple(int(v) for v in args.size.split("x"))
    with tempfile.TemporaryDirectory() as scratch:
        folder = args.folder or Path(scratch) / "videos"
        folder.mkdir(parents=True, exist_ok=True)
        registry = Registry.open(Settings(data_dir=Path(scratch) / "data", load_samples=False))
        try:
            ids = {}
            for i, path in enumerate(works(folder, args.works)):
                ids[register_media(registry, path, RegistrationRequest(kind="video", title=path.stem,
                                                                       model="bench-model")).work_id] = i
            query = suspect(folder, args.minutes, size, args.works)
            print(f"{args.works} works of {WORK_SECONDS:.0f} s registered; suspect {query.name} "
                  f"({query.stat().st_size / 1e6:.1f} MB)", flush=True)
            clock = StageClock()
            matches = match_media(registry, query, limit=args.works + 5, progress=clock)
            ended = time.perf_counter()
            stages = "  ".join(f"{k} {v:.2f}" for k, v in clock.stages(ended).items())
            found = 0
            for minute in range(args.minutes):
                at, work = minute * 60.0, minute % args.works
                found += any(ids.get(m.work_id) == work and any(
                    s["query_start"] <= at + 2 and s["query_end"] >= at + EXCERPT_SECONDS - 2
                    and abs(s["work_start"] - s["query_start"] - (EXCERPT_START - at)) <= 1.0 for s in m.segments)
                    for m in matches)
            others = [m.work_id for m in matches if ids.get(m.work_id) is None]
            print(f"\nmatch of a {args.minutes}-minute suspect, end to end: {ended - clock.started:.1f} s "
                  f"(target <= 30 s)  stages (s): {stages}")
            print(f"  excerpts found at the right place: {found}/{args.minutes}; works reported: {len(matches)}"
                  f" (of {min(args.works, args.minutes)} shown); unknown works: {len(others)}")

            print("\ndecoding the suspect, CPU seconds of this process:")
            import cv2

            def opencv_every_frame() -> None:
                capture = cv2.VideoCapture(str(query))
                while capture.grab():
                    capture.retrieve()
                capture.release()

            ours = cpu_seconds(lambda: sum(1 for _ in sample_frames(query, QUERY_INTERVAL)))
            alternative = cpu_seconds(opencv_every_frame)
            print(f"  OpenCV, every frame (alternative) {alternative:7.2f} s")
            print(f"  PyAV, as the registry samples     {ours:7.2f} s  ({alternative / ours:.1f}x less)")
        finally:
            registry.close()


if __name__ == "__main__":
    main()
