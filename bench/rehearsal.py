"""A one-machine rehearsal of a deployment (issue 14): PostgreSQL, an S3-API server (moto's, on
loopback), Redis, two API processes (`aigc-registry serve`, each with its own data folder and the one
shared keys folder) and one `aigc-registry worker`. A bounded load from this process registers
articles (waiting for each) and videos (as jobs, polled through the *other* API process), then checks
that nothing was lost: every registration is in the log, every receipt verifies against the log's
key, jobs were answered by the process that did not take them, and `log fsck` passes. After the
videos, `aigc-registry video-index snapshot` and `log mirror-tiles` run as an operator would run
them; both API processes must then map the snapshot (no video row left in their own memory) and
still find the first video.

It also measures article registration through one API process and then through two (the same load,
spread), and prints both: `python bench/rehearsal.py [--articles N] [--videos N] [--threads N]`.
The CI test `tests/deploy/test_rehearsal.py` runs it small.
"""

from __future__ import annotations

import argparse
import json
import os
import secrets
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
if str(ROOT / "bench") not in sys.path:  # after the packages: bench/provenance.py must not shadow provenance/
    sys.path.append(str(ROOT / "bench"))  # (the test imports this file, and processes it spawns inherit the path)
from isolated_database import isolated  # noqa: E402 - bench/ is the script's own folder
POSTGRES = os.environ.get("AIGC_REGISTRY_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
REDIS = os.environ.get("AIGC_REGISTRY_TEST_REDIS", "redis://127.0.0.1:6379/12")
VIDEO = ROOT / "samples" / "media" / "harbour-drone-pass.mp4"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_for(url: str, seconds: float = 240, log: Path | None = None) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            if httpx.get(url, timeout=2).status_code == 200:  # the server itself, not another on its port
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    tail = log.read_text(errors="replace")[-3000:] if log and log.exists() else ""
    raise RuntimeError(f"{url} did not come up{': ' + tail if tail else ''}")


@dataclass
class Cluster:
    environment: dict[str, str]
    api: list[str]
    key: str
    folder: Path
    processes: list[subprocess.Popen] = field(default_factory=list)


def _start(stack: ExitStack, command: list[str], environment: dict[str, str], log: Path) -> subprocess.Popen:
    handle = open(log, "w")  # noqa: SIM115 - closed by the stack
    stack.callback(handle.close)
    process = subprocess.Popen(command, env=environment, stdout=handle, stderr=subprocess.STDOUT, cwd=ROOT)

    def stop() -> None:
        process.terminate()
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()

    stack.callback(stop)
    return process


@contextmanager
def cluster(api_processes: int = 2):  # type: ignore[no-untyped-def]
    """PostgreSQL schema + moto S3 + Redis queue + `api_processes` servers + one worker."""
    import boto3
    from redis import Redis

    folder = Path(tempfile.mkdtemp(prefix="aigc-rehearsal-"))
    with ExitStack() as stack, isolated(POSTGRES) as database:
        stack.callback(shutil.rmtree, folder, True)
        s3_port = free_port()
        base = {k: v for k, v in os.environ.items() if not k.startswith("AIGC_REGISTRY_")}
        s3 = {"AWS_ENDPOINT_URL": f"http://127.0.0.1:{s3_port}", "AWS_ACCESS_KEY_ID": "rehearsal",
              "AWS_SECRET_ACCESS_KEY": "rehearsal", "AWS_DEFAULT_REGION": "us-east-1"}
        _start(stack, [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(s3_port)], {**base, **s3},
               folder / "s3.log")
        wait_for(f"http://127.0.0.1:{s3_port}/")
        bucket = f"rehearsal-{secrets.token_hex(4)}"
        boto3.client("s3", endpoint_url=s3["AWS_ENDPOINT_URL"], aws_access_key_id="rehearsal",
                     aws_secret_access_key="rehearsal", region_name="us-east-1").create_bucket(Bucket=bucket)
        Redis.from_url(REDIS).flushdb()
        shared = {**base, **s3, "AIGC_REGISTRY_DATABASE_URL": database, "AIGC_REGISTRY_BLOBS": f"s3://{bucket}/blobs",
                  "AIGC_REGISTRY_JOB_QUEUE": REDIS, "AIGC_REGISTRY_KEYS_PATH": str(folder / "keys"),
                  "AIGC_REGISTRY_RATE_LIMIT_WRITES": "off", "AIGC_REGISTRY_RATE_LIMIT_MATCHES": "off",
                  "AIGC_REGISTRY_LOAD_SAMPLES": "false", "AIGC_REGISTRY_WEBHOOK_SENDER": "false",
                  "AIGC_REGISTRY_DECODE_WORKERS": "1", "AIGC_REGISTRY_VIDEO_SNAPSHOT_CHECK_SECONDS": "1",
                  "AIGC_REGISTRY_TILES": f"s3://{bucket}/log"}
        cli = [sys.executable, "-m", "web.cli"]

        def admin(*args: str) -> str:
            ran = subprocess.run([*cli, "admin", *args, "--data-dir", str(folder / "admin")], env=shared,
                                 capture_output=True, text=True, cwd=ROOT, timeout=120, check=True)
            return ran.stdout

        admin("org", "create", "Rehearsal News", "--kind", "newsroom")  # makes the keys, once
        key = json.loads(admin("key", "issue", "--org", "Rehearsal News", "--role", "editor", "--json"))["key"]
        api = []
        for n in range(api_processes):  # one at a time: a free port is only free until something binds it
            port = free_port()  # (the process before this one binds its timestamp authority's port on start)
            _start(stack, [*cli, "serve", "--port", str(port), "--no-samples", "--data-dir", str(folder / f"api{n}")],
                   shared, folder / f"api{n}.log")
            api.append(f"http://127.0.0.1:{port}")
            wait_for(f"{api[-1]}/healthz", log=folder / f"api{n}.log")
        _start(stack, [*cli, "worker", "--data-dir", str(folder / "worker")], shared, folder / "worker.log")
        yield Cluster(shared, api, key, folder)


def unique_article(n: int, salt: str) -> bytes:
    words = " ".join(f"w{(n * 7919 + i * 104729 + hash(salt)) % 1_000_003}" for i in range(400))
    return f"Rehearsal story {salt} number {n}\n\n{words}.\n".encode()


def unique_video(path: Path, n: int) -> None:
    """A short synthetic video of its own (moving shapes seeded by `n`), so no two are duplicates."""
    import cv2
    import numpy as np

    rng = np.random.default_rng(n)
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"mp4v"), 10, (320, 180))
    shapes = rng.integers(0, 255, size=(12, 6))
    for frame_number in range(40):
        frame = np.full((180, 320, 3), 40, np.uint8)
        for x, y, r, b, g, red in shapes:
            centre = (int(x + frame_number * (r % 7)) % 320, int(y * 180 / 255 + frame_number) % 180)
            cv2.circle(frame, centre, int(r % 40) + 8, (int(b), int(g), int(red)), -1)
        writer.write(frame)
    writer.release()


def register_articles(urls: list[str], key: str, count: int, threads: int,
                      salt: str) -> tuple[list[float], float, list[dict]]:
    """Each registration's seconds, the whole phase's wall-clock seconds, and the works."""
    seconds: list[float] = []
    works: list[dict] = []
    lock = threading.Lock()

    def one(n: int) -> None:
        url = urls[n % len(urls)]
        started = time.perf_counter()
        response = httpx.post(f"{url}/api/v1/works", headers={"Authorization": f"Bearer {key}"},
                              files={"file": (f"{n}.txt", unique_article(n, salt))}, data={"model": "m"}, timeout=120)
        took = time.perf_counter() - started
        if response.status_code != 201:
            raise RuntimeError(f"registration {n} through {url}: {response.status_code} {response.text[:300]}")
        with lock:
            seconds.append(took)
            works.append(response.json())

    started = time.perf_counter()
    with ThreadPoolExecutor(threads) as pool:
        list(pool.map(one, range(count)))
    return seconds, time.perf_counter() - started, works


def register_videos(c: Cluster, count: int) -> tuple[list[dict], int]:
    """Videos as jobs through one API process, polled through the other; (results, cross polls)."""
    headers = {"Authorization": f"Bearer {c.key}", "Prefer": "respond-async"}
    jobs = []
    for n in range(count):
        path = c.folder / f"video{n}.mp4"
        unique_video(path, n)
        asked = httpx.post(f"{c.api[n % len(c.api)]}/api/v1/works", headers=headers,
                           files={"file": (path.name, path.read_bytes())}, data={"model": "veo"}, timeout=120)
        if asked.status_code != 202:
            raise RuntimeError(f"video {n}: {asked.status_code} {asked.text[:300]}")
        jobs.append((n, asked.json()["url"]))
    results, cross = [], 0
    for n, url in jobs:
        poll = c.api[(n + 1) % len(c.api)]  # the process that did not take it
        cross += poll != c.api[n % len(c.api)]
        deadline = time.monotonic() + 300
        while True:
            state = httpx.get(f"{poll}{url}", headers={"Authorization": f"Bearer {c.key}"}, timeout=30).json()
            if state["state"] == "done":
                results.append(state["result"])
                break
            if state["state"] == "failed" or time.monotonic() > deadline:
                raise RuntimeError(f"video job {url}: {state}")
            time.sleep(0.3)
    return results, cross


def _metric(url: str, name: str) -> float:
    for line in httpx.get(f"{url}/metrics", timeout=30).text.splitlines():
        if line.startswith(name + " "):
            return float(line.split()[1])
    raise RuntimeError(f"{url}/metrics has no {name}")


def check_snapshot_and_tiles(c: Cluster, videos: list[dict]) -> dict:
    """An operator writes a video index snapshot and mirrors the tiles; each API process then maps
    the snapshot (no video row left in its own memory) and still finds the first video."""
    def cli(*args: str) -> dict:
        ran = subprocess.run([sys.executable, "-m", "web.cli", *args, "--data-dir", str(c.folder / "admin"), "--json"],
                             env=c.environment, capture_output=True, text=True, cwd=ROOT, timeout=600)
        if ran.returncode != 0:
            raise RuntimeError(f"{' '.join(args)}: {ran.stderr[-500:]}")
        return json.loads(ran.stdout)

    snapshot, mirrored = cli("video-index", "snapshot"), cli("log", "mirror-tiles")
    time.sleep(1.5)  # AIGC_REGISTRY_VIDEO_SNAPSHOT_CHECK_SECONDS=1
    found, memory_rows = 0, []
    for url in c.api:
        asked = httpx.post(f"{url}/api/v1/matches", headers={"Authorization": f"Bearer {c.key}"},
                           files={"file": ("q.mp4", (c.folder / "video0.mp4").read_bytes())}, timeout=300)
        found += [m["work_id"] for m in asked.json()["matches"][:1]] == [videos[0]["work_id"]]
        memory_rows.append(_metric(url, "aigc_video_index_memory_rows"))
    return {"snapshot_frames": snapshot.get("frames"), "found_through_snapshot": found,
            "memory_rows_after_snapshot": memory_rows, "tiles_mirrored": mirrored["tiles"]}


def check_everything(c: Cluster, works: list[dict]) -> dict:
    """Every registration in the log with a receipt that verifies offline; fsck of the whole log."""
    import rfc8785

    from registry.tlog.note import NoteVerifier
    from registry.tlog.receipt import Receipt, verify_receipt

    verifier = NoteVerifier.from_vkey(httpx.get(f"{c.api[0]}/log/key", timeout=30).text.strip())
    for work in works:
        entry = httpx.get(f"{c.api[-1]}/api/v1/log/entries/{work['log_index']}", timeout=30).json()
        leaf = rfc8785.dumps(entry["statement"])  # the logged bytes: RFC 8785 canonical JSON
        receipt = Receipt.from_text(httpx.get(f"{c.api[0]}/api/v1/works/{work['work_id']}/receipt",
                                              headers={"Authorization": f"Bearer {c.key}"}, timeout=30).text)
        verify_receipt(receipt, leaf, verifier)
    indexes = sorted(work["log_index"] for work in works)
    fsck = subprocess.run([sys.executable, "-m", "web.cli", "log", "fsck", "--data-dir", str(c.folder / "admin")],
                          env=c.environment, capture_output=True, text=True, cwd=ROOT, timeout=600)
    return {"works": len(works), "distinct_log_indexes": len(set(indexes)), "log_size": indexes[-1] + 1 if indexes else 0,
            "fsck_ok": fsck.returncode == 0, "fsck": (fsck.stdout + fsck.stderr).strip().splitlines()[-1:]}


def _percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def rehearse(articles: int = 40, videos: int = 2, threads: int = 4) -> dict:
    with cluster(2) as c:
        *one, one_works = register_articles(c.api[:1], c.key, articles, threads, "one")
        *two, two_works = register_articles(c.api, c.key, articles, threads, "two")
        video_results, cross = register_videos(c, videos)
        snapshot = check_snapshot_and_tiles(c, video_results) if video_results else {}
        checked = check_everything(c, one_works + two_works + video_results)
    def phase(seconds: list[float], wall: float) -> dict:
        return {"p50_ms": round(1000 * statistics.median(seconds), 1),
                "p95_ms": round(1000 * _percentile(seconds, 0.95), 1), "per_second": round(len(seconds) / wall, 1)}

    return {
        "through_one": phase(*one), "through_two": phase(*two),
        "videos": len(video_results), "polled_through_the_other_process": cross, **snapshot, **checked,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=200, help="articles per phase (default 200)")
    parser.add_argument("--videos", type=int, default=4)
    parser.add_argument("--threads", type=int, default=8, help="concurrent clients (default 8)")
    args = parser.parse_args()
    found = rehearse(args.articles, args.videos, args.threads)
    print(json.dumps(found, indent=2))
    one, two = found["through_one"], found["through_two"]
    print(f"article registration on PostgreSQL, {args.threads} clients: through one API process "
          f"{one['per_second']}/s, p50 {one['p50_ms']} ms, p95 {one['p95_ms']} ms; through two "
          f"{two['per_second']}/s, p50 {two['p50_ms']} ms, p95 {two['p95_ms']} ms")


if __name__ == "__main__":
    main()
