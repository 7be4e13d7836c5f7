"""The video index at scale: an API process opening a memory-mapped snapshot (`VideoIndex.load`,
what `registry.video_index` does with the snapshot a worker wrote) against loading every frame row
into its own memory (`VideoIndex.add_many`, the obvious alternative and what a process without a
snapshot does), at 10^7 rows and at 10^8.

    .venv/bin/python bench/video_index_snapshot.py                 # 10^7 and 10^8 rows (about 10 min, 5 GB disk)
    .venv/bin/python bench/video_index_snapshot.py --rows 10000000 --in-memory-rows 10000000
    .venv/bin/python bench/video_index_snapshot.py --quick         # 10^6 rows

Rows are random 64-bit hashes, 40 frames a work (a 20 s video). Each phase runs in a fresh process
so that its memory is its own; memory is read from /proc/self/status: RssAnon (the process's own
memory) and RssFile (mapped file pages: the kernel's page cache, shared by every process mapping
the same snapshot and dropped under memory pressure).

1. In memory (the alternative), at `--in-memory-rows` (10^7 by default; 10^8 would need about 8 GB
   in every process, extrapolated from the measured bytes a row, not run): build time, RssAnon a row.
2. Snapshot written by `write_snapshot` (what `VideoIndex.save` calls) straight from the arrays: time,
   bytes a row. At 10^8 rows the arrays are made as such (no 2.5 million `VideoFingerprint` objects).
3. Snapshot opened in a fresh process: open time, memory after opening, the first query pictures
   with the file's pages dropped from the page cache (`posix_fadvise DONTNEED`, which drops only
   pages already written back: right after writing, "cold" is partly warm), then warm query
   pictures (412 probes: 4 uncropped at radius 8, 408 crop probes at radius 5, as
   `VideoIndex.search` makes for one picture), memory after them; a few probes checked against the
   linear scan.
4. Up to `--in-memory-rows`, both in one process taking turns on the same query pictures (the
   machine's load falls on both alike): the speed comparison to trust.
"""

from __future__ import annotations

import sys as _sys
from pathlib import Path as _Path

# `python bench/x.py` puts bench/ first on the path, where bench/provenance.py and bench/revenue.py would
# shadow the packages of the same name: the repository root goes before it.
_sys.path.insert(0, str(_Path(__file__).resolve().parent.parent))

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from fingerprint.video import VideoFingerprint, VideoIndex
from fingerprint.video._index import hamming
from fingerprint.video._match import PROBE_RADIUS, UNCROPPED_PROBE_RADIUS
from fingerprint.video._snapshot import write_snapshot

PER_WORK = 40
PROBES = 412


def status() -> dict[str, int]:
    found = {}
    for line in Path("/proc/self/status").read_text().splitlines():
        key, _, value = line.partition(":")
        if key in ("RssAnon", "RssFile", "VmHWM"):
            found[key] = int(value.split()[0]) * 1024
    return found


def columns(rows: int, seed: int = 0) -> dict:
    """The arrays of `rows` random frame rows, 40 a work."""
    rng = np.random.default_rng(seed)
    works = rows // PER_WORK
    rows = works * PER_WORK
    return {
        "work_ids": [f"{i:026d}" for i in range(works)],
        "durations": np.full(works, PER_WORK * 0.5, np.float32),
        "frame_starts": np.arange(works + 1, dtype=np.int64) * PER_WORK,
        "ms": np.tile(np.arange(PER_WORK, dtype=np.uint32) * 500, works),
        "whole": rng.integers(0, 2**64 - 1, rows, dtype=np.uint64, endpoint=True),
        "centre": rng.integers(0, 2**64 - 1, rows, dtype=np.uint64, endpoint=True),
        "motion": rng.integers(0, 2**32 - 1, rows, dtype=np.uint32, endpoint=True),
    }


def query_pictures(stored: np.ndarray, count: int, seed: int = 1) -> list[np.ndarray]:
    """`count` batches of 412 probes, a quarter of them near a stored hash (0 to 5 bits flipped)."""
    rng = np.random.default_rng(seed)
    batches = []
    for _ in range(count):
        probes = rng.integers(0, 2**64 - 1, PROBES, dtype=np.uint64, endpoint=True)
        near = rng.choice(PROBES, PROBES // 4, replace=False)
        probes[near] = stored[rng.integers(0, len(stored), len(near))]
        for i in near:
            for bit in rng.choice(64, int(rng.integers(0, 6)), replace=False):
                probes[i] ^= np.uint64(1) << np.uint64(int(bit))
        batches.append(probes)
    return batches


def search_picture(search, probes: np.ndarray) -> int:
    """One query picture's searches, as `VideoIndex.search` makes them; `search(table, hashes, radius)`."""
    hits = len(search("whole", probes[:2], UNCROPPED_PROBE_RADIUS)[0])
    hits += len(search("centre", probes[2:4], UNCROPPED_PROBE_RADIUS)[0])
    return hits + len(search("centre", probes[4:], PROBE_RADIUS)[0])


def timed(search, batches: list[np.ndarray]) -> list[float]:
    out = []
    for probes in batches:
        started = time.perf_counter()
        search_picture(search, probes)
        out.append((time.perf_counter() - started) * 1000)
    return out


def phase_memory(rows: int, pictures: int) -> dict:
    data = columns(rows)
    items = []
    for slot, work_id in enumerate(data["work_ids"]):
        a, b = data["frame_starts"][slot], data["frame_starts"][slot + 1]
        items.append((work_id, VideoFingerprint(float(data["durations"][slot]), data["ms"][a:b] / 1000,
                                                data["whole"][a:b], data["centre"][a:b], data["motion"][a:b])))
    batches = query_pictures(data["centre"][: 1 << 20], pictures + 3)
    del data
    before = status()
    started = time.perf_counter()
    index = VideoIndex()
    index.add_many(items)
    seconds = time.perf_counter() - started
    after = status()
    tables = {"whole": index._whole, "centre": index._centre}
    warm = timed(lambda table, hashes, radius: tables[table].search(hashes, radius), batches)[3:]
    return {"rows": index.frames, "seconds": seconds, "peak": after["VmHWM"],
            "anon_per_row": (after["RssAnon"] - before["RssAnon"]) / index.frames,
            "warm_p50": float(np.percentile(warm, 50)), "warm_p95": float(np.percentile(warm, 95))}


def phase_write(rows: int, path: Path) -> dict:
    data = columns(rows)
    started = time.perf_counter()
    write_snapshot(path, data["work_ids"], data["durations"], data["frame_starts"], data["ms"], data["whole"],
                   data["centre"], data["motion"], {"rows": len(data["ms"])})
    return {"rows": len(data["ms"]), "seconds": time.perf_counter() - started, "bytes": path.stat().st_size,
            "peak": status()["VmHWM"]}


def phase_open(path: Path, pictures: int) -> dict:
    with open(path, "rb") as handle:
        os.posix_fadvise(handle.fileno(), 0, 0, os.POSIX_FADV_DONTNEED)  # cold: the file's pages out of the cache
    before = status()
    started = time.perf_counter()
    index = VideoIndex.load(path)
    frozen = index.base
    opened_ms = (time.perf_counter() - started) * 1000
    after_open = status()
    batches = query_pictures(np.asarray(frozen._a["centre"][: 1 << 20]), pictures + 3)
    cold = timed(frozen.search, batches[:3])
    started = time.perf_counter()
    for array in frozen._a.values():  # every page read once, in order: the page cache warm, and mapped
        for first in range(0, len(array), 1 << 24):
            np.asarray(array[first:first + (1 << 24)]).view(np.uint8).max()
    warmed = time.perf_counter() - started
    warm = timed(frozen.search, batches[3:])
    after = status()
    checked = 0
    centre = frozen._a["centre"]
    for probe in batches[3][:3]:  # against the linear scan over every row
        q, slots, frames, distances = frozen.search("centre", probe[None], PROBE_RADIUS)
        rows = np.flatnonzero(hamming(centre, probe) <= PROBE_RADIUS)
        found = np.asarray(frozen._a["frame_starts"])[slots] + frames
        assert sorted(found.tolist()) == rows.tolist(), "the snapshot and the linear scan disagree"
        checked += 1
    return {"rows": frozen.frames, "open_ms": opened_ms, "anon_after_open": after_open["RssAnon"] - before["RssAnon"],
            "cold_ms": cold, "warmed_s": warmed, "warm_p50": float(np.percentile(warm, 50)),
            "warm_p95": float(np.percentile(warm, 95)), "anon_after_queries": after["RssAnon"] - before["RssAnon"],
            "file_after_queries": after["RssFile"], "checked": checked}


def phase_race(path: Path, rows: int, pictures: int) -> dict:
    """The same query pictures against the in-memory index and the (warm) snapshot, taking turns."""
    data = columns(rows)
    index = VideoIndex()
    index.add_many([(data["work_ids"][slot], VideoFingerprint(
        float(data["durations"][slot]), data["ms"][a:b] / 1000, data["whole"][a:b], data["centre"][a:b],
        data["motion"][a:b])) for slot, (a, b) in enumerate(zip(data["frame_starts"][:-1], data["frame_starts"][1:]))])
    tables = {"whole": index._whole, "centre": index._centre}
    frozen = VideoIndex.load(path).base
    for array in frozen._a.values():
        for first in range(0, len(array), 1 << 24):
            np.asarray(array[first:first + (1 << 24)]).view(np.uint8).max()
    batches = query_pictures(data["centre"][: 1 << 20], pictures)
    in_memory, mapped = [], []
    for i, probes in enumerate(batches):
        pair = [(in_memory, lambda t, h, r: tables[t].search(h, r)), (mapped, frozen.search)]
        for out, search in (pair if i % 2 else pair[::-1]):
            out.extend(timed(search, [probes]))
    return {"memory_p50": float(np.percentile(in_memory, 50)), "memory_p95": float(np.percentile(in_memory, 95)),
            "mapped_p50": float(np.percentile(mapped, 50)), "mapped_p95": float(np.percentile(mapped, 95))}


def run_phase(*args: str) -> dict:
    ran = subprocess.run([sys.executable, __file__, "--phase", *args], capture_output=True, text=True)
    if ran.returncode != 0:
        raise SystemExit(ran.stderr)
    return json.loads(ran.stdout.strip().splitlines()[-1])


def mb(n: float) -> str:
    return f"{n / 2**20:,.1f} MB"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, nargs="+", default=[10**7, 10**8], help="snapshot sizes")
    parser.add_argument("--in-memory-rows", type=int, default=10**7)
    parser.add_argument("--pictures", type=int, default=30, help="warm query pictures per size")
    parser.add_argument("--quick", action="store_true", help="10^6 rows only")
    parser.add_argument("--folder", type=Path, default=None, help="where snapshots are written (default: a temp dir)")
    parser.add_argument("--phase", nargs="+", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.phase:
        name, *rest = args.phase
        phases = {"memory": lambda: phase_memory(int(rest[0]), int(rest[1])),
                  "write": lambda: phase_write(int(rest[0]), Path(rest[1])),
                  "open": lambda: phase_open(Path(rest[0]), int(rest[1])),
                  "race": lambda: phase_race(Path(rest[0]), int(rest[1]), int(rest[2]))}
        result = phases[name]()
        print(json.dumps(result))
        return
    if args.quick:
        args.rows, args.in_memory_rows = [10**6], 10**6

    memory = run_phase("memory", str(args.in_memory_rows), str(args.pictures))
    print(f"in memory (VideoIndex.add_many), {memory['rows']:,} rows: built in {memory['seconds']:.1f} s, "
          f"{memory['anon_per_row']:.1f} bytes a row of the process's own memory, peak RSS {mb(memory['peak'])}; "
          f"query picture p50 {memory['warm_p50']:.1f} ms p95 {memory['warm_p95']:.1f} ms")
    for rows in args.rows:
        print(f"  at {rows:,} rows that is {mb(memory['anon_per_row'] * rows)} in every API process "
              f"({'measured' if rows == memory['rows'] else 'extrapolated'})")
    folder = args.folder or Path(tempfile.mkdtemp(prefix="avix-"))
    folder.mkdir(parents=True, exist_ok=True)
    for rows in args.rows:
        path = folder / f"bench-{rows}.avix"
        written = run_phase("write", str(rows), str(path))
        print(f"snapshot of {written['rows']:,} rows: written in {written['seconds']:.1f} s (peak RSS "
              f"{mb(written['peak'])}), {written['bytes'] / written['rows']:.1f} bytes a row on disk "
              f"({mb(written['bytes'])})")
        opened = run_phase("open", str(path), str(args.pictures))
        print(f"  opened in {opened['open_ms']:.2f} ms; own memory after opening {mb(opened['anon_after_open'])}, "
              f"after {args.pictures + 3} query pictures {mb(opened['anon_after_queries'])} "
              f"({opened['anon_after_queries'] / opened['rows']:.3f} bytes a row); mapped file pages "
              f"{mb(opened['file_after_queries'])} (page cache, shared)")
        print(f"  query picture (412 probes): cold (file not in the page cache) "
              f"{', '.join(f'{ms:.0f}' for ms in opened['cold_ms'])} ms; file read through in "
              f"{opened['warmed_s']:.1f} s; then p50 {opened['warm_p50']:.1f} ms p95 {opened['warm_p95']:.1f} ms; "
              f"{opened['checked']} probes = the linear scan's rows")
        if rows <= args.in_memory_rows:
            race = run_phase("race", str(path), str(rows), str(2 * args.pictures))
            print(f"  taking turns on the same query pictures: in memory p50 {race['memory_p50']:.1f} ms p95 "
                  f"{race['memory_p95']:.1f} ms; snapshot p50 {race['mapped_p50']:.1f} ms "
                  f"p95 {race['mapped_p95']:.1f} ms")
        path.unlink()


if __name__ == "__main__":
    main()
