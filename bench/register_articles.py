"""End-to-end article registration: articles per second, p50/p95 latency, and where the time goes.

    .venv/bin/python bench/register_articles.py [--count 200] [--database-url URL]

Each article is a distinct synthetic news text of ~600 words. The steps timed are the registry's own
(`fingerprint_text`, `ArticleSigner.sign_article`, the log append + checkpoint, everything else in the
database transaction). The obvious alternative measured in the same run: signing with a c2pa Signer
rebuilt from PEM for every article is not possible to avoid in c2pa-python (a Context consumes its
Signer), so the comparison is against registering without the prior-art check and against the naive
log (recomputing the root from every leaf on each append).
"""

from __future__ import annotations

import argparse
import random
import statistics
import tempfile
import time
from collections import defaultdict
from pathlib import Path

from registry import register as register_module
from registry.register import register_article
from registry.requests import RegistrationRequest
from registry.service import Registry
from registry.settings import Settings
from registry.tlog.store import DatabaseLog

WORDS = ("council harbour river storm engineers residents budget school study report market farmers "
         "festival lantern water pipe tariff vote mayor hospital rail bridge museum police court "
         "weather flood drought harvest tea village city province team match goal season").split()


def synthetic_article(rng: random.Random, words: int = 600) -> bytes:
    sentences = []
    while sum(len(s.split()) for s in sentences) < words:
        sentences.append(" ".join(rng.choice(WORDS) for _ in range(rng.randint(8, 20))).capitalize() + ".")
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
    articles = [synthetic_article(rng) for _ in range(count)]
    with tempfile.TemporaryDirectory() as folder:
        registry = Registry.open(Settings(data_dir=Path(folder), database_url=database_url, load_samples=False))
        timer = StepTimer()
        timer.wrap(register_module, "fingerprint_text", "fingerprint")
        timer.wrap(register_module, "find_text_matches", "prior-art check")
        timer.wrap(registry.article_signer, "sign_article", "sign (C2PA)")
        timer.wrap(DatabaseLog, "append", "log append")
        timer.wrap(DatabaseLog, "publish_checkpoint", "log checkpoint")
        request = RegistrationRequest(model="bench-model", model_version="1", datasets=("https://commoncrawl.org/",))
        register_article(registry, synthetic_article(rng), request)  # warm up
        timer.seconds.clear()
        latencies = []
        started = time.perf_counter()
        for raw in articles:
            t0 = time.perf_counter()
            register_article(registry, raw, request)
            latencies.append(time.perf_counter() - t0)
        total = time.perf_counter() - started
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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=200)
    parser.add_argument("--database-url", default=None)
    args = parser.parse_args()
    run(args.count, args.database_url)


if __name__ == "__main__":
    main()
