"""Benchmark: what hostile requests cost the server, in time and peak memory, beside normal ones.

    .venv/bin/python bench/hostile.py

Each case runs in a fresh Python process (so its peak resident memory is its own) against the real
ASGI app on a registry in a temporary folder (SQLite), the body arriving chunk by chunk as from a
socket:

- png-bomb: a 1.2 MB PNG of 20000 x 20000 black pixels (1.2 GB decoded), sent to POST /api/v1/works;
  the obvious alternative, decoding it first and checking its size after (what the registry did
  before): OpenCV's imdecode of the same bytes;
- chunked-2gib: a chunked upload (no Content-Length) of 2 GiB to POST /api/v1/works; beside it a
  normal 1 MB upload of an image (registered);
- article-at-limit: an article at the article limit (10 MiB of text) registered, beside a normal one
  of ~6 KB; article-match-at-limit: the same text sent as a suspect to POST /api/v1/matches.

Printed: the answer's status, seconds and the process's peak memory above its start.
"""

from __future__ import annotations

import sys as _sys
from pathlib import Path as _Path

# `python bench/x.py` puts bench/ first on the path, where bench/provenance.py and bench/revenue.py would
# shadow the packages of the same name: the repository root goes before it.
_sys.path.insert(0, str(_Path(__file__).resolve().parent.parent))

import argparse
import asyncio
import itertools
import json
import random
import resource
import struct
import subprocess
import tempfile
import time
import zlib

ROOT = _Path(__file__).resolve().parent.parent
SAMPLE_ARTICLE = ROOT / "samples" / "articles" / "calder-valley-storm.txt"
SAMPLE_IMAGE = next(p for p in sorted((ROOT / "samples" / "media").iterdir()) if p.suffix in (".jpg", ".png"))


def _png(width: int, height: int) -> bytes:
    """A real decompression bomb: every row of the image present, all zeros (about 1.2 MB for 20000^2)."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    packer, row, rows = zlib.compressobj(9), b"\0" * (1 + 3 * width), []
    for _ in range(height):
        rows.append(packer.compress(row))
    rows.append(packer.flush())
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", b"".join(rows)) + chunk(b"IEND", b"")


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _multipart(name: str, chunks, fields: dict[str, str]):  # type: ignore[no-untyped-def]
    opening = "".join(f'--b\r\nContent-Disposition: form-data; name="{k}"\r\n\r\n{v}\r\n' for k, v in fields.items())
    opening += f'--b\r\nContent-Disposition: form-data; name="file"; filename="{name}"\r\n\r\n'
    return itertools.chain([opening.encode()], chunks, [b"\r\n--b--\r\n"])


def _serve(app, key: str, chunks, path: str = "/api/v1/works") -> int:  # type: ignore[no-untyped-def]
    """POST ``path`` through the ASGI app, the body chunk by chunk; the answer's status."""
    sent: list[dict] = []

    async def receive():  # type: ignore[no-untyped-def]
        chunk = next(chunks, None)
        return {"type": "http.request", "body": chunk or b"", "more_body": chunk is not None}

    async def send(message):  # type: ignore[no-untyped-def]
        sent.append(message)

    scope = {"type": "http", "method": "POST", "path": path, "raw_path": path.encode(),
             "query_string": b"", "client": ("127.0.0.1", 1), "server": ("bench", 80), "scheme": "http",
             "http_version": "1.1", "root_path": "",
             "headers": [(b"host", b"bench"), (b"content-type", b"multipart/form-data; boundary=b"),
                         (b"authorization", f"Bearer {key}".encode())]}

    async def run() -> None:
        async with app.router.lifespan_context(app):
            await app(scope, receive, send)

    asyncio.run(run())
    return sent[0]["status"]


def _article(size: int) -> bytes:
    rng = random.Random(7)
    words = [f"w{rng.randrange(5000)}" for _ in range(400)]
    text, total = [], 0
    while total < size:
        paragraph = " ".join(rng.choice(words) for _ in range(80)) + ".\n\n"
        text.append(paragraph)
        total += len(paragraph)
    return "".join(text).encode()[:size]


def run_case(case: str) -> dict:
    """One case in this process: {"status", "seconds", "peak_mb"} (peak above the start)."""
    from registry.accounts import manage
    from registry.settings import Settings
    from web.app import create_app

    app = create_app(Settings(data_dir=_Path(tempfile.mkdtemp(prefix="aigc-hostile-")), load_samples=False,
                              rate_limit_writes="off"))
    key = manage.issue_api_key(app.state.registry, org_name="local", role="editor")["key"]
    limit = app.state.registry.settings.max_article_bytes
    if case == "png-bomb-decoded-first":
        import cv2
        import numpy as np

        bomb = np.frombuffer(_png(20000, 20000), np.uint8)
        start_mb, started = _peak_mb(), time.perf_counter()
        cv2.imdecode(bomb, cv2.IMREAD_UNCHANGED)
        return {"status": None, "seconds": time.perf_counter() - started, "peak_mb": _peak_mb() - start_mb}
    bodies = {
        "png-bomb": lambda: _multipart("bomb.png", iter([_png(20000, 20000)]), {"model": "m"}),
        "chunked-2gib": lambda: _multipart("big.mp4", (b"\0" * (1 << 20) for _ in range(2048)), {"model": "m"}),
        "normal-image": lambda: _multipart(SAMPLE_IMAGE.name, iter([SAMPLE_IMAGE.read_bytes()]), {"model": "m"}),
        "article-at-limit": lambda: _multipart("big.txt", iter([_article(limit - 1024)]), {"model": "m"}),
        "article-match-at-limit": lambda: _multipart("big.txt", iter([_article(limit - 1024)]), {}),
        "normal-article": lambda: _multipart("a.txt", iter([SAMPLE_ARTICLE.read_bytes()]), {"model": "m"}),
    }
    body = bodies[case]()
    start_mb, started = _peak_mb(), time.perf_counter()
    status = _serve(app, key, body, "/api/v1/matches" if case == "article-match-at-limit" else "/api/v1/works")
    return {"status": status, "seconds": time.perf_counter() - started, "peak_mb": _peak_mb() - start_mb}


CASES = [("png-bomb", "PNG bomb, 20000x20000 in 1.2 MB, POST /api/v1/works"),
         ("png-bomb-decoded-first", "  alternative: decode it, then check (cv2.imdecode)"),
         ("chunked-2gib", "chunked 2 GiB upload, no Content-Length"),
         ("normal-image", "  beside: a normal image upload, registered"),
         ("article-at-limit", "article of 10 MiB (the limit), registered"),
         ("article-match-at-limit", "the same text as a suspect, POST /api/v1/matches"),
         ("normal-article", "  beside: a ~6 KB article, registered")]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--case", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.case:
        print(json.dumps(run_case(args.case)))
        return
    print(f"{'case':<56} {'status':>6} {'seconds':>8} {'peak MB':>8}")
    for case, label in CASES:
        done = subprocess.run([_sys.executable, __file__, "--case", case], capture_output=True, text=True, check=True)
        figures = json.loads(done.stdout.strip().splitlines()[-1])
        print(f"{label:<56} {figures['status'] or '-':>6} {figures['seconds']:>8.3f} {figures['peak_mb']:>8.1f}")


if __name__ == "__main__":
    main()
