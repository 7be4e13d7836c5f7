"""How fast the registry's video index loads on start: `VideoIndex.add_many` (what
`registry.video_index.RegistryVideoIndex.catch_up` does with every stored fingerprint) against adding
the works one at a time (the obvious alternative, which re-sorts the word tables every 65,536 rows).

    .venv/bin/python bench/video_index_load.py [--frames 1000000] [--frames-per-work 40]

Fingerprints are random (40 samples a work is a 20 s video); timing covers parsing the stored bytes
(`VideoFingerprint.from_bytes`) and indexing them.
"""

from __future__ import annotations

import sys as _sys
from pathlib import Path as _Path

# `python bench/x.py` puts bench/ first on the path, where bench/provenance.py and bench/revenue.py would
# shadow the packages of the same name: the repository root goes before it.
_sys.path.insert(0, str(_Path(__file__).resolve().parent.parent))

import argparse
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from fingerprint.video import VideoFingerprint, VideoIndex  # noqa: E402


def stored(frames: int, per_work: int, seed: int = 0) -> list[bytes]:
    rng = np.random.default_rng(seed)
    works = []
    for _ in range(frames // per_work):
        works.append(VideoFingerprint(
            per_work * 0.5, np.arange(per_work) * 0.5, rng.integers(0, 2**63, per_work, dtype=np.uint64),
            rng.integers(0, 2**63, per_work, dtype=np.uint64), rng.integers(1, 2**32, per_work, dtype=np.uint32),
        ).to_bytes())
    return works


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--frames", type=int, default=1_000_000)
    parser.add_argument("--frames-per-work", type=int, default=40)
    args = parser.parse_args()
    blobs = stored(args.frames, args.frames_per_work)
    print(f"{len(blobs):,} works, {len(blobs) * args.frames_per_work:,} frames")

    started = time.perf_counter()
    items = [(f"w{i}", VideoFingerprint.from_bytes(blob)) for i, blob in enumerate(blobs)]
    parsed = time.perf_counter()
    VideoIndex().add_many(items)
    done = time.perf_counter()
    print(f"add_many: parse {parsed - started:.2f} s, index {done - parsed:.2f} s, total {done - started:.2f} s")

    started = time.perf_counter()
    index = VideoIndex()
    for i, blob in enumerate(blobs):
        index.add(f"w{i}", VideoFingerprint.from_bytes(blob))
    print(f"one work at a time: total {time.perf_counter() - started:.2f} s")


if __name__ == "__main__":
    main()
