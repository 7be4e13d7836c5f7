"""End-to-end article registration: articles per second, p50/p95 latency, and where the time goes.

    .venv/bin/python bench/register_articles.py [--count 200] [--database-url URL]

Each article is a distinct synthetic news text of ~600 words drawn from a Zipf-distributed vocabulary
of 5,000 pseudo-words (like real text, articles share common words but not passages). The steps
timed are the registry's own: `fingerprint_text`, the prior-art check, `ManifestSigner.sign_article`,
the log append and the checkpoint; the rest is the database transaction and the blob writes.

The obvious alternative, measured in the same run: a log that recomputes its root from every leaf
(what a first implementation does) against ours, which reads O(log n) stored subtree hashes.
With `--database-url postgresql+psycopg://...` the run uses a throwaway schema, dropped at the end.
"""

from __future__ import annotations

import sys as _sys
from pathlib import Path as _Path

# `python bench/x.py` puts bench/ first on the path, where bench/provenance.py and bench/revenue.py would
# shadow the packages of the same name: the repository root goes before it.
_sys.path.insert(0, str(_Path(__file__).resolve().parent.parent))

import argparse
import random
import statistics
import tempfile
import time
from collections import defaultdict
from pathlib import Path

from sqlmodel import select

from registry.registration import article as register_module
from registry.registration.article import register_article
from registry.requests import RegistrationRequest
from registry.service import Registry
from registry.settings import Settings

from registry.models import LogEntry
from registry.tlog.merkle import leaf_hash, node_hash, root_hash
from registry.tlog.store import DatabaseLog

from isolated_database import isolated  # bench/ is the script's own folder

_SYLLABLES = [c + v for c in "bcdfghjklmnprstvwz" for v in ("a", "e", "i", "o", "u", "ai", "ou")]


def vocabulary(rng: random.Random, size: int = 5000) -> list[str]:
    return ["".join(rng.choice(_SYLLABLES) for _ in range(rng.choice((1, 2, 2, 3, 3, 4)))) for _ in range(size)]


def synthetic_article(rng: random.Random, words: list[str], length: int = 600) -> bytes:
    weights = [1 / (rank + 1) for rank in range(len(words))]  # Zipf: a few words are everywhere
    sentences = []
    while sum(len(s.split()) for s in sentences) < length:
        picked = rng.choices(words, weights=weights, k=rng.randint(8, 20))
        sentences.append(" ".join(picked).capitalize() + ".")
    paragraphs = [" ".join(sentences[i:i + 4]) for i in range(0, len(sentences), 4)]
    return ("Headline " + str(rng.random()) + "\n\n" + "\n\n".join(paragraphs) + "\n").encode()


class StepTimer:
    def __init__(self) -> None:
        self.seconds: dict[str, float] = defaultdict(float)

    def wrap(self, owner, name: str, label: str) -> None:  # type: ignore[no-untyped-def]
        original = getattr(owner, name)

        def timed(*args, **kwargs):  # type: ignore[no-untyped-def]
            start = time.perf_counter()
            try:
                return original(*args, **kwargs)
            finally:
                self.seconds[label] += time.perf_counter() - start

        setattr(owner, name, timed)


def run(count: int, database_url: str | None) -> None:
    rng = random.Random(7)
    words = vocabulary(rng)
    articles = [synthetic_article(rng, words) for _ in range(count + 1)]
    with tempfile.TemporaryDirectory() as folder, isolated(database_url) as url:
        registry = Registry.open(Settings(data_dir=Path(folder), database_url=url, load_samples=False))
        timer = StepTimer()
        timer.wrap(register_module, "fingerprint_text", "fingerprint")
        timer.wrap(register_module, "find_text_matches", "prior-art check")
        timer.wrap(registry.manifest_signer, "sign_article", "sign (C2PA)")
        timer.wrap(DatabaseLog, "append", "log append")
        timer.wrap(DatabaseLog, "publish_checkpoint", "log checkpoint")
        request = RegistrationRequest(model="bench-model", model_version="1", datasets=("https://commoncrawl.org/",))
        register_article(registry, articles.pop(), request)  # warm up
        timer.seconds.clear()
        latencies = []
        started = time.perf_counter()
        for raw in articles:
            t0 = time.perf_counter()
            register_article(registry, raw, request)
            latencies.append(time.perf_counter() - t0)
        total = time.perf_counter() - started
        stored, naive = compare_root_computation(registry)
        registry.close()
    latencies.sort()
    p95 = latencies[int(0.95 * (len(latencies) - 1))]
    print(f"database: {database_url or 'sqlite (embedded default)'}; {count} articles of ~600 words")
    print(f"registered {count / total:.1f} articles/s end to end; latency p50 "
          f"{statistics.median(latencies) * 1000:.1f} ms, p95 {p95 * 1000:.1f} ms")
    accounted = sum(timer.seconds.values())
    for label, seconds in sorted(timer.seconds.items(), key=lambda kv: -kv[1]):
        print(f"  {label:<18} {seconds / total:6.1%}  ({seconds / count * 1000:.2f} ms/article)")
    rest = total - accounted
    print(f"  {'database + rest':<18} {rest / total:6.1%}  ({rest / count * 1000:.2f} ms/article)")
    print(f"log root at size {count + 1}: {stored * 1000:.2f} ms from stored subtree hashes vs "
          f"{naive * 1000:.2f} ms recomputed from every leaf (naive; grows linearly with the log)")


def compare_root_computation(registry: Registry) -> tuple[float, float]:
    """Seconds to compute the current root: our stored-node way vs rehashing every leaf."""
    with registry.db.reading() as session:
        size = registry.log.size(session)
        t0 = time.perf_counter()
        ours = root_hash(size, registry.log.reader(session))
        stored = time.perf_counter() - t0
        t0 = time.perf_counter()
        leaves = session.exec(select(LogEntry.leaf).order_by(LogEntry.index)).all()
        naive_root = _naive_root([leaf_hash(leaf) for leaf in leaves])
        naive = time.perf_counter() - t0
    assert ours == naive_root, "stored nodes and naive recomputation disagree"
    return stored, naive


def _naive_root(hashes: list[bytes]) -> bytes:
    if len(hashes) == 1:
        return hashes[0]
    split = 1 << ((len(hashes) - 1).bit_length() - 1)
    return node_hash(_naive_root(hashes[:split]), _naive_root(hashes[split:]))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=200)
    parser.add_argument("--database-url", default=None)
    args = parser.parse_args()
    run(args.count, args.database_url)


if __name__ == "__main__":
    main()
