"""End-to-end video registration: where the time of one registration goes, and the prior-art search
against its obvious alternative.

    .venv/bin/python bench/register_video.py [--seconds 60] [--size 1280x720] [--copies 3] [--folder DIR]

One piece of procedural footage (``samples/make_videos.py``, ``--seconds`` at ``--size``, 25 fps) is
encoded ``--copies`` times (H.264 through PyAV at CRF 23, 25, 27, ..., so each file has its own bytes)
and each copy is registered in turn into one fresh registry
(SQLite, temporary data folder) with `register_media`, in process and with decoding isolated as a
served registry does (the decode pool: a worker process within memory and time limits). The first
copy meets an empty registry; each later one finds the earlier copies as prior art. Per
registration it prints the wall time end to end and per stage (from the registry's own progress
reports: fingerprint = decoding and sampling; prior-art; sign = C2PA manifest and blobs; log).

The obvious alternative, in the same run: the prior-art search with every crop and mirror hypothesis
probed on every sample (``crop_every=1``, what a suspect's search does) against the registry's
(``PRIOR_ART_CROP_EVERY``), on the last copy's pictures against the filled registry, best of three.
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

from make_videos import Scene, film, write_h264  # noqa: E402

from fingerprint.video import INTERVAL  # noqa: E402
from registry.registration.media import PRIOR_ART_CROP_EVERY, pictures_of, media_of, register_media  # noqa: E402
from registry.requests import RegistrationRequest  # noqa: E402
from registry.service import Registry  # noqa: E402
from registry.settings import Settings  # noqa: E402


def footage(folder: Path, seconds: float, size: tuple[int, int], copies: int) -> list[Path]:
    paths = [folder / f"footage-{size[0]}x{size[1]}-{seconds:.0f}s-crf{23 + 2 * i}.mp4" for i in range(copies)]
    missing = [p for p in paths if not p.exists()]
    if missing:
        print(f"filming {seconds:.0f} s at {size[0]}x{size[1]} ...", flush=True)
        frames = list(film(Scene(seed=7), 0.0, seconds, 25.0, size))
        for path in missing:
            write_h264(path, iter(frames), 25.0, crf=23 + 2 * paths.index(path))
    return paths


class StageClock:
    def __init__(self) -> None:
        self.started = time.perf_counter()
        self.marks: list[tuple[str, float]] = []

    def __call__(self, stage: str, share: float) -> None:
        if not self.marks or self.marks[-1][0] != stage:
            self.marks.append((stage, time.perf_counter()))

    def stages(self, ended: float) -> dict[str, float]:
        out, times = {}, [t for _, t in self.marks] + [ended]
        for (stage, start), end in zip(self.marks, times[1:]):
            out[stage] = out.get(stage, 0.0) + end - start
        return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--size", default="1280x720")
    parser.add_argument("--copies", type=int, default=3)
    parser.add_argument("--folder", type=Path)
    args = parser.parse_args()
    size = tuple(int(v) for v in args.size.split("x"))
    with tempfile.TemporaryDirectory() as scratch:
        folder = args.folder or Path(scratch) / "videos"
        folder.mkdir(parents=True, exist_ok=True)
        paths = footage(folder, args.seconds, size, args.copies)
        registry = Registry.open(Settings(data_dir=Path(scratch) / "data", load_samples=False))
        try:
            print(f"\n{'copy':<34} {'total s':>8}  stages (s)")
            for i, path in enumerate(paths):
                clock = StageClock()
                result = register_media(registry, path, RegistrationRequest(kind="video", title=f"copy {i}",
                                                                            model="bench-model"), progress=clock)
                ended = time.perf_counter()
                stages = "  ".join(f"{k} {v:.2f}" for k, v in clock.stages(ended).items())
                print(f"{path.name:<34} {ended - clock.started:8.2f}  {stages}  prior art: {len(result.prior_art)}")
            pictures = pictures_of(registry, paths[-1], media_of(registry, paths[-1]), interval=INTERVAL)
            print(f"\nprior-art search of the last copy ({len(pictures.pictures)} samples) against "
                  f"{len(paths)} registered copies, best of 3:")
            for every, label in ((1, "every hypothesis on every sample (alternative)"),
                                 (PRIOR_ART_CROP_EVERY, f"crops on every {PRIOR_ART_CROP_EVERY}th sample (ours)")):
                best = None
                for _ in range(3):
                    started = time.perf_counter()
                    with registry.db.reading() as session:
                        found = registry.video_index.search(session, pictures, crop_every=every)
                    elapsed = time.perf_counter() - started
                    best = elapsed if best is None else min(best, elapsed)
                print(f"  {label:<50} {best:6.2f} s, {len(found)} works found")
        finally:
            registry.close()


if __name__ == "__main__":
    main()
