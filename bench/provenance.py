"""Benchmark: embedding C2PA manifests into images and videos, and verifying them.

    .venv/bin/python bench/provenance.py [--runs 30] [--video-runs 10] [--big-mb 100] [--quick]

Measures `ManifestSigner.sign_media` (file to file, what the registry does) and `verify_media`
against four targets, each beside the obvious alternative in the same run:

1. sign a 1 MB JPEG in at most 15 ms (median, judged with the local timestamp the registry adds;
   without it too); alternative: c2pa's default, an automatic
   thumbnail (c2pa-python called directly, same definition, our other settings);
2. sign a 20 MB MP4 in at most 150 ms (median); alternative: read it into memory and sign
   BytesIO to BytesIO;
3. peak memory signing a 100 MB MP4 at most 1.2x its size: how far the peak RSS rises in a fresh
   (spawned) process once imports are done and the signer is built (VmHWM, reset first; a spawned
   child's ru_maxrss starts at its parent's RSS); alternative: the in-memory way;
4. verifications per second with 1 and 2 threads; alternative: 2 processes.

The signing rows also show c2pa-python called directly with our settings (what the wrapper costs)
and with ``verify_after_sign`` off (what re-reading the signed file costs). The video rows also show
c2pa with ``core.backing_store_memory_threshold_in_mb`` at its default, 512: c2pa-rs keeps its two
working copies of the asset in memory up to that size, and in temporary files above it; ours sets
32 (``provenance._c2pa.SPILL_TO_DISK_MB``).

Media are made here from fixed seeds in a temporary folder: a JPEG of noise over gradients (its
quality searched to reach the size) and MP4s (OpenCV, mp4v, 1280x720 noise frames) written until
they reach the size. Timed variants take turns, run by run, so drift hits them all alike.
--quick is a smoke run with small files (its verdicts are only indicative).
"""

from __future__ import annotations

import argparse
import contextlib
import functools
import io
import math
import multiprocessing
import os
import resource
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from concurrent.futures import Executor, ProcessPoolExecutor, ThreadPoolExecutor
from pathlib import Path
from typing import Any, BinaryIO, Protocol

# This script shares its name with the package it measures: drop its own folder from the path so
# that `import provenance` finds the package, not this file.
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != Path(__file__).resolve().parent]

import c2pa  # noqa: E402

from provenance import _c2pa  # noqa: E402
from provenance.assertions import ImplicitLabel  # noqa: E402
from provenance.keys import SigningMaterial, create_local_pki  # noqa: E402
from provenance.manifest import manifest_definition  # noqa: E402
from provenance.record import AIProvenance  # noqa: E402
from provenance.sign import DEFAULT_CLAIM_GENERATOR, ManifestSigner  # noqa: E402
from provenance.timestamp import LocalTimestampServer, TimestampAuthority  # noqa: E402
from provenance.verify import verify_media  # noqa: E402

MB = 1_000_000
JPEG_TARGET_MS = 15.0  # median, 1 MB JPEG, file to file
VIDEO_TARGET_MS = 150.0  # median, 20 MB MP4, file to file
PEAK_MEMORY_TARGET = 1.2  # peak RSS growth signing a 100 MB MP4, as a multiple of its size
TARGET_SIZES_MB = {"jpeg_mb": 1.0, "video_mb": 20.0, "big_mb": 100.0}

VIDEO_SIZE = (1280, 720)
VIDEO_FPS = 25.0
RECORD = AIProvenance("model", "1")
SPILL_MB = 512  # c2pa-rs's default: its working copies stay in memory below this (ours: 32 MB)

# name: (default, --quick)
DEFAULTS: dict[str, tuple[float, float]] = {
    "jpeg_mb": (1.0, 0.25), "video_mb": (20.0, 2.0), "big_mb": (100.0, 10.0), "verify_video_mb": (5.0, 1.0),
    "runs": (30, 5), "video_runs": (10, 3), "verify_files": (20, 4), "verify_rounds": (10, 3),
}


class MediaSigner(Protocol):
    def sign_media(self, source: BinaryIO, media_type: str, record: AIProvenance, *, work_id: str,
                   dest: BinaryIO) -> bytes: ...


class C2paDirect:
    """c2pa-python without our wrapper: the definition ``ManifestSigner`` writes, signed under
    ``settings`` (our ``builder_settings`` with one thing changed, for the alternatives)."""

    def __init__(self, material: SigningMaterial, settings: dict[str, Any]) -> None:
        info = c2pa.C2paSignerInfo(material.alg.encode("ascii"), material.chain_pem, material.key_pem, None)
        self._signer = c2pa.Signer.from_info(info)
        self._settings = settings

    def sign_media(self, source: BinaryIO, media_type: str, record: AIProvenance, *, work_id: str,
                   dest: BinaryIO) -> bytes:
        name, _, version = DEFAULT_CLAIM_GENERATOR.partition("/")
        definition = manifest_definition(
            record, work_id=work_id, media_type=media_type, generator={"name": name, "version": version},
            implicit_label=ImplicitLabel(content_producer="aigc-registry", produce_id=work_id),
        )
        with (
            c2pa.Context.from_dict(self._settings) as context,
            c2pa.Builder(definition, context=context) as builder,
        ):
            return builder.sign(self._signer, media_type, source, dest)


def c2pa_settings(*, thumbnail: bool = False, verify_after_sign: bool = True,
                  spill_mb: int | None = None) -> dict[str, Any]:
    settings = _c2pa.builder_settings()
    settings["builder"]["thumbnail"]["enabled"] = thumbnail
    settings["verify"]["verify_after_sign"] = verify_after_sign
    if spill_mb is not None:
        settings["core"] = {"backing_store_memory_threshold_in_mb": spill_mb}
    return settings


# -- media -----------------------------------------------------------------------------------------

def make_jpeg(path: Path, target_bytes: int, seed: int) -> int:
    """Noise over colour gradients, 4:3, about 3 pixels a byte; the lowest quality that reaches
    ``target_bytes`` is kept. Returns that quality."""
    import numpy as np  # imported here: the spawned workers need neither
    from PIL import Image

    width = max(64, round(math.sqrt(target_bytes * 3 * 4 / 3) / 16) * 16)
    height = width * 3 // 4
    rng = np.random.default_rng(seed)
    x = np.linspace(0, 255, width, dtype=np.float32)[None, :]
    y = np.linspace(0, 255, height, dtype=np.float32)[:, None]
    base = np.stack(np.broadcast_arrays(x, y, (x + y) / 2), axis=-1)
    noise = rng.normal(0, 12, (height, width, 3)).astype(np.float32)
    image = Image.fromarray(np.clip(base + noise, 0, 255).astype(np.uint8))

    encoded: dict[int, bytes] = {}

    def encode(quality: int) -> bytes:
        if quality not in encoded:
            buffer = io.BytesIO()
            image.save(buffer, "JPEG", quality=quality)
            encoded[quality] = buffer.getvalue()
        return encoded[quality]

    low, high = 30, 98
    while low < high:
        middle = (low + high) // 2
        if len(encode(middle)) >= target_bytes:
            high = middle
        else:
            low = middle + 1
    path.write_bytes(encode(low))
    return low


def make_mp4(path: Path, target_bytes: int, seed: int) -> int:
    """1280x720 frames of seeded noise (four tiles, shifted at random) until the file reaches
    ``target_bytes``. Returns the number of frames."""
    import cv2
    import numpy as np

    width, height = VIDEO_SIZE
    rng = np.random.default_rng(seed)
    tiles = rng.integers(0, 256, (4, height + 64, width + 64, 3), dtype=np.uint8)
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"mp4v"), VIDEO_FPS, (width, height))
    if not writer.isOpened():
        raise SystemExit("OpenCV cannot write mp4v video here")
    frames = 0
    try:
        while not path.exists() or path.stat().st_size < target_bytes:
            dx, dy = rng.integers(0, 64, 2)
            writer.write(np.ascontiguousarray(tiles[frames % 4, dy:dy + height, dx:dx + width]))
            frames += 1
    finally:
        writer.release()
    return frames


# -- signing ---------------------------------------------------------------------------------------

def sign_file(signer: MediaSigner, source: Path, media_type: str, dest: Path, work_id: str = "w-1") -> bytes:
    with open(source, "rb") as src, open(dest, "w+b") as out:
        return signer.sign_media(src, media_type, RECORD, work_id=work_id, dest=out)


def sign_in_memory(signer: MediaSigner, source: Path, media_type: str) -> io.BytesIO:
    out = io.BytesIO()
    signer.sign_media(io.BytesIO(source.read_bytes()), media_type, RECORD, work_id="w-1", dest=out)
    return out


def interleaved_ms(calls: dict[str, Callable[[], object]], runs: int) -> dict[str, list[float]]:
    """Milliseconds of each call, ``runs`` times, taking turns; one warm-up call each first."""
    for call in calls.values():
        call()
    samples: dict[str, list[float]] = {label: [] for label in calls}
    for _ in range(runs):
        for label, call in calls.items():
            start = time.perf_counter()
            call()
            samples[label].append((time.perf_counter() - start) * 1000)
    return samples


def report_ms(samples: dict[str, list[float]], labels: dict[str, str]) -> dict[str, float]:
    """Print each variant's median and p95 under its label; return the medians by key."""
    medians = {}
    for key, values in samples.items():
        values = sorted(values)
        medians[key] = statistics.median(values)
        p95 = values[min(len(values) - 1, int(len(values) * 0.95))]
        print(f"  {labels[key]:<58} median {medians[key]:8.2f} ms   p95 {p95:8.2f} ms   (n={len(values)})")
    return medians


def verdict(ok: bool) -> str:
    return "PASS" if ok else "MISS"


# -- memory, in a fresh process --------------------------------------------------------------------

def _peak_rss_bytes() -> int:
    """This process's peak RSS. On Linux, VmHWM: ``ru_maxrss`` there starts at the parent's RSS at
    the fork (the kernel carries it across exec), which hides whatever a small child adds."""
    status = Path("/proc/self/status")
    if status.exists():
        for line in status.read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) * 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * (1 if sys.platform == "darwin" else 1024)


def _reset_peak_rss() -> None:
    """Restart the peak from the current RSS (Linux), so an earlier transient (imports, key
    generation, the signer's probe) cannot hide growth."""
    with contextlib.suppress(OSError):
        Path("/proc/self/clear_refs").write_text("5")


def peak_rss_growth(way: str, source: str, media_type: str, material: SigningMaterial) -> tuple[int, float]:
    """Run in a spawned process: sign ``source`` one way; return how far the peak RSS rose above
    the RSS once the signer was ready, and the seconds signing took."""
    signer: MediaSigner = (C2paDirect(material, c2pa_settings(spill_mb=SPILL_MB)) if way == "c2pa-spill"
                           else ManifestSigner(material))
    src = Path(source)
    _reset_peak_rss()
    before = _peak_rss_bytes()
    start = time.perf_counter()
    if way == "memory":
        sign_in_memory(signer, src, media_type)
    else:
        sign_file(signer, src, media_type, src.with_name(f"{src.stem}-{way}{src.suffix}"))
    return _peak_rss_bytes() - before, time.perf_counter() - start


def in_fresh_process(function: Callable[..., Any], *args: Any) -> Any:
    with multiprocessing.get_context("spawn").Pool(1) as pool:
        return pool.apply(function, args)


# -- verification ----------------------------------------------------------------------------------

POOLS: dict[str, Callable[[], Executor]] = {
    "1 thread": lambda: ThreadPoolExecutor(1),
    "2 threads": lambda: ThreadPoolExecutor(2),
    "2 processes": lambda: ProcessPoolExecutor(2, mp_context=multiprocessing.get_context("spawn")),
}


def verify_state(path: Path, media_type: str, anchors: bytes) -> str:
    return verify_media(path, media_type, trust_anchors_pem=anchors).state


def verifications_per_second(pool: Executor, paths: list[Path], media_type: str, anchors: bytes, rounds: int) -> float:
    state = functools.partial(verify_state, media_type=media_type, anchors=anchors)
    list(pool.map(state, paths))  # warm up, and start every worker
    jobs = [path for _ in range(rounds) for path in paths]
    start = time.perf_counter()
    states = set(pool.map(state, jobs))
    elapsed = time.perf_counter() - start
    assert states == {"Trusted"}, states
    return len(jobs) / elapsed


def loadavg() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


def make_media(tmp: Path, args: argparse.Namespace) -> dict[str, Path]:
    start = time.perf_counter()
    media = {name: tmp / name for name in ("picture.jpg", "video.mp4", "big.mp4", "small.mp4")}
    quality = make_jpeg(media["picture.jpg"], int(args.jpeg_mb * MB), args.seed)
    made = [f"JPEG {media['picture.jpg'].stat().st_size / MB:.2f} MB (quality {quality})"]
    for name, size_mb, seed in (("video.mp4", args.video_mb, 1), ("big.mp4", args.big_mb, 2),
                                ("small.mp4", args.verify_video_mb, 3)):
        frames = make_mp4(media[name], int(size_mb * MB), args.seed + seed)
        made.append(f"MP4 {media[name].stat().st_size / MB:.1f} MB ({frames} frames)")
    print(f"media: {', '.join(made)}; made in {time.perf_counter() - start:.1f} s")
    return media


def bench_jpeg(jpeg: Path, material: SigningMaterial, runs: int, tsa_url: str) -> dict[str, float]:
    print(f"\n1. sign a {jpeg.stat().st_size / MB:.2f} MB JPEG, file to file, {runs} runs each")
    ours = ManifestSigner(material)
    stamped = ManifestSigner(material, tsa_url=tsa_url)
    direct, thumbnail, no_verify = (C2paDirect(material, c2pa_settings(**changes))
                                    for changes in ({}, {"thumbnail": True}, {"verify_after_sign": False}))
    out = jpeg.with_name("signed.jpg")
    ms = report_ms(interleaved_ms({
        "ours": lambda: sign_file(ours, jpeg, "image/jpeg", out),
        "ours+tsa": lambda: sign_file(stamped, jpeg, "image/jpeg", out),
        "direct": lambda: sign_file(direct, jpeg, "image/jpeg", out),
        "thumbnail": lambda: sign_file(thumbnail, jpeg, "image/jpeg", out),
        "no verify": lambda: sign_file(no_verify, jpeg, "image/jpeg", out),
    }, runs), {
        "ours": "ManifestSigner.sign_media (ours)",
        "ours+tsa": "the same with the local RFC 3161 TSA (the registry)",
        "direct": "c2pa direct, our settings",
        "thumbnail": "c2pa direct, auto thumbnail on (c2pa's default)",
        "no verify": "c2pa direct, verify_after_sign off",
    })
    print(f"  target: median <= {JPEG_TARGET_MS:.0f} ms -> {verdict(ms['ours+tsa'] <= JPEG_TARGET_MS)} "
          f"({ms['ours']:.2f} ms, {ms['ours+tsa']:.2f} ms with the timestamp); the thumbnail would cost {ms['thumbnail'] - ms['direct']:.0f} ms, "
          f"verify_after_sign costs {ms['direct'] - ms['no verify']:.2f} ms")
    return ms


def bench_video(video: Path, material: SigningMaterial, runs: int, tsa_url: str) -> dict[str, float]:
    print(f"\n2. sign a {video.stat().st_size / MB:.1f} MB MP4, {runs} runs each")
    ours = ManifestSigner(material)
    stamped = ManifestSigner(material, tsa_url=tsa_url)
    direct, no_verify, spill = (C2paDirect(material, c2pa_settings(**changes))
                                for changes in ({}, {"verify_after_sign": False}, {"spill_mb": SPILL_MB}))
    out = video.with_name("signed.mp4")
    ms = report_ms(interleaved_ms({
        "ours": lambda: sign_file(ours, video, "video/mp4", out),
        "ours+tsa": lambda: sign_file(stamped, video, "video/mp4", out),
        "memory": lambda: sign_in_memory(ours, video, "video/mp4"),
        "direct": lambda: sign_file(direct, video, "video/mp4", out),
        "no verify": lambda: sign_file(no_verify, video, "video/mp4", out),
        "spill": lambda: sign_file(spill, video, "video/mp4", out),
    }, runs), {
        "ours": "ManifestSigner.sign_media, file to file (ours)",
        "ours+tsa": "the same with the local RFC 3161 TSA (the registry)",
        "memory": "read into memory, BytesIO to BytesIO",
        "direct": "c2pa direct, our settings",
        "no verify": "c2pa direct, verify_after_sign off",
        "spill": f"c2pa direct, its default: working copies in memory (<{SPILL_MB} MB)",
    })
    print(f"  target: median <= {VIDEO_TARGET_MS:.0f} ms -> {verdict(ms['ours+tsa'] <= VIDEO_TARGET_MS)} "
          f"({ms['ours']:.1f} ms, {ms['ours+tsa']:.1f} ms with the timestamp); verify_after_sign costs {ms['direct'] - ms['no verify']:.1f} ms, "
          f"c2pa's default {ms['spill'] - ms['direct']:+.1f} ms")
    return ms


def bench_memory(big: Path, material: SigningMaterial, anchors: bytes) -> dict[str, float]:
    """Peak RSS growth per way, as a multiple of the file's size."""
    size_mb = big.stat().st_size / MB
    print(f"\n3. peak memory signing a {size_mb:.1f} MB MP4 (peak RSS growth in a fresh process)")
    multiples = {}
    for way, label in (("file", "ManifestSigner, file to file (ours)"),
                       ("memory", "read into memory, BytesIO to BytesIO"),
                       ("c2pa-spill", f"c2pa direct, its default: copies in memory (<{SPILL_MB} MB)")):
        grown, seconds = in_fresh_process(peak_rss_growth, way, str(big), "video/mp4", material)
        multiples[way] = grown / MB / size_mb
        print(f"  {label:<58} +{grown / MB:7.1f} MB = {multiples[way]:4.2f}x the file   ({seconds:.2f} s)")
    state = verify_media(big.with_name(f"{big.stem}-file{big.suffix}"), "video/mp4", trust_anchors_pem=anchors).state
    ok = multiples["file"] <= PEAK_MEMORY_TARGET
    print(f"  target: <= {PEAK_MEMORY_TARGET}x -> {verdict(ok)} ({multiples['file']:.2f}x); "
          f"the signed file verifies {state}")
    return multiples


def bench_verify(sources: dict[str, Path], material: SigningMaterial, anchors: bytes,
                 files: int, rounds: int) -> dict[str, dict[str, float]]:
    print(f"\n4. verification throughput (os.cpu_count() = {os.cpu_count()}), "
          f"{files} signed files x {rounds} rounds")
    signer = ManifestSigner(material)
    throughput = {}
    for media_type, source in sources.items():
        paths = [source.with_name(f"verify-{i}{source.suffix}") for i in range(files)]
        for i, path in enumerate(paths):
            sign_file(signer, source, media_type, path, work_id=f"w-{i}")
        size = source.stat().st_size / MB
        what = f"{size:.2f} MB JPEG" if media_type == "image/jpeg" else f"{size:.1f} MB MP4"
        rates = {}
        for label, make_pool in POOLS.items():
            with make_pool() as pool:
                rates[label] = verifications_per_second(pool, paths, media_type, anchors, rounds)
        one = rates["1 thread"]
        shown = ", ".join(f"{label} {rate:6.1f}/s ({rate / one:.2f}x)" for label, rate in rates.items())
        print(f"  {what:<14} {shown}; {1000 / one:.1f} ms each")
        throughput[what] = rates
    return throughput


def print_summary(sizes: dict[str, float], jpeg: dict[str, float], video: dict[str, float],
                  memory: dict[str, float], throughput: dict[str, dict[str, float]]) -> None:
    print("\n| what | figure | obvious alternative, same run |")
    print("|---|---|---|")
    print(f"| sign a {sizes['jpeg']:.2f} MB JPEG, file to file (`provenance.py`, `ManifestSigner.sign_media`) "
          f"| median {jpeg['ours']:.1f} ms, {jpeg['ours+tsa']:.1f} ms with the local timestamp "
          f"(target {JPEG_TARGET_MS:.0f} ms: {verdict(jpeg['ours+tsa'] <= JPEG_TARGET_MS)}) "
          f"| c2pa's default auto thumbnail: {jpeg['thumbnail']:.0f} ms; c2pa direct with our settings "
          f"{jpeg['direct']:.1f} ms, without verify_after_sign {jpeg['no verify']:.1f} ms |")
    print(f"| sign a {sizes['video']:.1f} MB MP4, file to file "
          f"| median {video['ours']:.0f} ms, {video['ours+tsa']:.0f} ms with the local timestamp "
          f"(target {VIDEO_TARGET_MS:.0f} ms: {verdict(video['ours+tsa'] <= VIDEO_TARGET_MS)}) "
          f"| read into memory, BytesIO to BytesIO: {video['memory']:.0f} ms; without verify_after_sign "
          f"{video['no verify']:.0f} ms; c2pa's default (working copies in memory) {video['spill']:.0f} ms |")
    print(f"| peak memory signing a {sizes['big']:.0f} MB MP4, file to file "
          f"| +{memory['file'] * sizes['big']:.0f} MB = {memory['file']:.2f}x the file "
          f"(target {PEAK_MEMORY_TARGET}x: {verdict(memory['file'] <= PEAK_MEMORY_TARGET)}) "
          f"| in memory: +{memory['memory'] * sizes['big']:.0f} MB = {memory['memory']:.2f}x; c2pa's default, working "
          f"copies in memory: +{memory['c2pa-spill'] * sizes['big']:.0f} MB = {memory['c2pa-spill']:.2f}x |")
    for what, rates in throughput.items():
        one, two, processes = rates.values()
        print(f"| verify a signed {what} with the trust anchor | {one:.0f}/s with 1 thread, {two:.0f}/s with 2 "
              f"({two / one:.2f}x; {os.cpu_count()} CPUs) | 2 processes: {processes:.0f}/s ({processes / one:.2f}x) |")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--jpeg-mb", type=float, help="JPEG size (default 1)")
    parser.add_argument("--video-mb", type=float, help="MP4 size for the timing target (default 20)")
    parser.add_argument("--big-mb", type=float, help="MP4 size for the memory target (default 100)")
    parser.add_argument("--verify-video-mb", type=float, help="MP4 size for verification throughput (default 5)")
    parser.add_argument("--runs", type=int, help="JPEG signing runs per variant (default 30)")
    parser.add_argument("--video-runs", type=int, help="MP4 signing runs per variant (default 10)")
    parser.add_argument("--verify-files", type=int, help="signed files for the throughput test (default 20)")
    parser.add_argument("--verify-rounds", type=int, help="times each file is verified per pool (default 10)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--quick", action="store_true", help="smoke run: small files, few runs")
    args = parser.parse_args()
    for name, (full, quick) in DEFAULTS.items():
        if getattr(args, name) is None:
            setattr(args, name, quick if args.quick else full)

    print(f"c2pa-rs {c2pa.sdk_version()}, Python {sys.version.split()[0]}, os.cpu_count() = {os.cpu_count()}, "
          f"load average {loadavg()}")
    pki = create_local_pki("bench")
    material, anchors = pki.signing_material(), pki.trust_anchor_pem
    with tempfile.TemporaryDirectory(prefix="bench-provenance-") as folder:
        media = make_media(Path(folder), args)
        jpeg, video, big = media["picture.jpg"], media["video.mp4"], media["big.mp4"]
        for path, media_type in ((jpeg, "image/jpeg"), (video, "video/mp4")):
            check = path.with_name(f"check{path.suffix}")
            sign_file(ManifestSigner(material), path, media_type, check)
            state = verify_media(check, media_type, trust_anchors_pem=anchors).state
            assert state == "Trusted", (path, state)
        print("the JPEG and the MP4 sign and verify Trusted")
        if any(getattr(args, name) != size for name, size in TARGET_SIZES_MB.items()):
            print("(sizes differ from the targets' 1 / 20 / 100 MB: verdicts are indicative only)")
        sizes = {name: path.stat().st_size / MB for name, path in (("jpeg", jpeg), ("video", video), ("big", big))}

        tsa = TimestampAuthority.create(pki.intermediate_cert_pem, pki.intermediate_key_pem, "bench")
        with LocalTimestampServer(tsa) as server:
            jpeg_ms = bench_jpeg(jpeg, material, args.runs, server.url)
            video_ms = bench_video(video, material, args.video_runs, server.url)
        memory = bench_memory(big, material, anchors)
        throughput = bench_verify({"image/jpeg": jpeg, "video/mp4": media["small.mp4"]}, material, anchors,
                                  args.verify_files, args.verify_rounds)
    print(f"load average at the end: {loadavg()}")
    print_summary(sizes, jpeg_ms, video_ms, memory, throughput)


if __name__ == "__main__":
    main()
