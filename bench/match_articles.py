"""Matching through the registry's database: per-query latency against the obvious alternative.

    .venv/bin/python bench/match_articles.py [--works 600] [--queries 40]

Registers `--works` synthetic articles (see bench/register_articles.py) in a fresh SQLite registry,
then times `registry.matching.find_text_matches` (rare-hash candidates from the index, then
alignment) on edited copies (excerpt + typos) and unrelated texts, against a linear scan that aligns
the query with every stored fingerprint. Both must agree on the best work.
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
import sys
import tempfile
import time
from pathlib import Path

from sqlmodel import select

from fingerprint.text import TextFingerprint, compare_texts, fingerprint_text
from registry.matching import find_text_matches
from registry.models import Fingerprint, WorkVersion
from registry.registration.article import register_article
from registry.requests import RegistrationRequest
from registry.service import Registry
from registry.settings import Settings

sys.path.insert(0, str(Path(__file__).parent))
from register_articles import synthetic_article, vocabulary  # noqa: E402  (the shared corpus)


def edited_copy(rng: random.Random, text: str) -> str:
    paragraphs = text.split("\n\n")
    start = rng.randrange(1, max(2, len(paragraphs) - 2))
    excerpt = list("\n\n".join(paragraphs[start : start + 2]))
    for i in rng.sample(range(len(excerpt)), len(excerpt) // 40):
        excerpt[i] = rng.choice("abcdefghijklmnopqrstuvwxyz")
    return "Forwarded from a newsletter.\n\n" + "".join(excerpt)


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[int(q * (len(ordered) - 1))]


def run(works: int, queries: int) -> None:
    rng = random.Random(11)
    words = vocabulary(rng)
    articles = [synthetic_article(rng, words) for _ in range(works + queries)]
    with tempfile.TemporaryDirectory() as folder:
        registry = Registry.open(Settings(data_dir=Path(folder), load_samples=False))
        started = time.perf_counter()
        ids = [register_article(registry, raw, RegistrationRequest(model="bench")).work_id for raw in articles[:works]]
        print(f"registered {works} works in {time.perf_counter() - started:.1f} s")
        picks = rng.sample(range(works), queries // 2)
        texts = [(ids[i], edited_copy(rng, articles[i].decode())) for i in picks]
        texts += [(None, raw.decode()) for raw in articles[works : works + queries - len(picks)]]
        with registry.db.reading() as session:
            stored = [(v.work_id, TextFingerprint.from_bytes(f.data)) for f, v in session.exec(
                select(Fingerprint, WorkVersion).join(WorkVersion, WorkVersion.id == Fingerprint.version_id)).all()]
            indexed, linear, agree, found = [], [], 0, 0
            for expected, text in texts:
                query = fingerprint_text(text)
                t0 = time.perf_counter()
                ours = find_text_matches(session, query)
                indexed.append(time.perf_counter() - t0)
                t0 = time.perf_counter()
                scored = [(m.score, wid) for wid, fp in stored if (m := compare_texts(query, fp)) is not None]
                linear.append(time.perf_counter() - t0)
                best_linear = max(scored)[1] if scored else None
                best_ours = ours[0].work_id if ours else None
                agree += best_linear == best_ours
                found += best_ours == expected
        registry.close()
    print(f"index (rare-hash candidates + alignment): p50 {statistics.median(indexed) * 1000:.1f} ms, "
          f"p95 {percentile(indexed, 0.95) * 1000:.1f} ms per query")
    print(f"linear scan (align with all {works} works): p50 {statistics.median(linear) * 1000:.1f} ms, "
          f"p95 {percentile(linear, 0.95) * 1000:.1f} ms per query")
    print(f"best work agrees with the linear scan on {agree}/{len(texts)} queries; "
          f"right answer (source or none) on {found}/{len(texts)}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--works", type=int, default=600)
    parser.add_argument("--queries", type=int, default=40)
    args = parser.parse_args()
    run(args.works, args.queries)


if __name__ == "__main__":
    main()
