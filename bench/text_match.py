"""Benchmark the text fingerprint: fingerprinting throughput and search over an index of N works,
against the obvious alternative (difflib.SequenceMatcher of the suspect against every work).

    .venv/bin/python bench/text_match.py [--works 2000] [--queries 40] [--difflib-works 60]

Synthetic works are half English, half Chinese: words (English) or characters (Chinese) drawn
with their frequencies in ``tests/assets/text``, so works share vocabulary but not passages.
Queries are edited copies of random works (3% typos plus a newsletter header, or a 20% excerpt)
and unrelated fresh articles that must find nothing. difflib runs on a smaller index (it is
quadratic per pair); its per-query time is also shown scaled linearly to N.
"""

from __future__ import annotations

import sys as _sys
from pathlib import Path as _Path

# `python bench/x.py` puts bench/ first on the path, where bench/provenance.py and bench/revenue.py would
# shadow the packages of the same name: the repository root goes before it.
_sys.path.insert(0, str(_Path(__file__).resolve().parent.parent))

import argparse
import difflib
import random
import statistics
import time
from collections import Counter
from itertools import accumulate
from pathlib import Path

from fingerprint.text import TextIndex, fingerprint_text, normalise_for_matching

ASSETS = Path(__file__).resolve().parent.parent / "tests" / "assets" / "text"
HEADER = "DAILY BRIEFING | You are receiving this newsletter because you subscribed. View in browser.\n\n"

# English words and their cumulative weights, Chinese characters and theirs (cumulative: `choices`
# would otherwise add up the whole vocabulary's weights on every call, most of an article's cost)
Vocabulary = tuple[list[str], list[int], list[str], list[int]]


def vocabularies() -> Vocabulary:
    english: Counter[str] = Counter()
    chinese: Counter[str] = Counter()
    for path in ASSETS.glob("*.txt"):
        text = path.read_text(encoding="utf-8")
        english.update(w for w in text.split() if w.isascii())
        chinese.update(c for c in text if "\u4e00" <= c <= "\u9fff")
    return (list(english), list(accumulate(english.values())), list(chinese), list(accumulate(chinese.values())))


def synthetic_article(rng: random.Random, vocab: Vocabulary, chinese: bool) -> str:
    words, weights = (vocab[2], vocab[3]) if chinese else (vocab[0], vocab[1])  # cumulative
    paragraphs = []
    for _ in range(rng.randint(6, 10)):
        sentences = []
        for _ in range(rng.randint(2, 5)):
            if chinese:
                sentences.append("".join(rng.choices(words, cum_weights=weights, k=rng.randint(15, 40))) + "。")
            else:
                sentence = " ".join(rng.choices(words, cum_weights=weights, k=rng.randint(10, 28)))
                sentences.append(sentence.capitalize() + ".")
        paragraphs.append(("" if chinese else " ").join(sentences))
    return "\n\n".join(paragraphs)


def make_query(rng: random.Random, text: str) -> str:
    if rng.random() < 0.5:  # typos and a header
        chars = list(text)
        for i in range(len(chars)):
            if chars[i].isalnum() and rng.random() < 0.03:
                chars[i] = rng.choice("abcdefghijklmnopqrstuvwxyz的一是了")
        return HEADER + "".join(chars)
    paragraphs = text.split("\n\n")  # an excerpt: consecutive paragraphs, about a fifth
    take = max(2, len(paragraphs) // 5)
    start = rng.randrange(len(paragraphs) - take + 1)
    return "\n\n".join(paragraphs[start : start + take])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--works", type=int, default=2000)
    parser.add_argument("--queries", type=int, default=40)
    parser.add_argument("--difflib-works", type=int, default=40)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    rng = random.Random(args.seed)
    vocab = vocabularies()

    works = {f"w{i:05d}": synthetic_article(rng, vocab, chinese=i % 2 == 1) for i in range(args.works)}
    megabytes = sum(len(t.encode("utf-8")) for t in works.values()) / 1e6
    for text in list(works.values())[:2]:  # once a process: load the compiled kernels, build the tables
        fingerprint_text(text)
    started = time.perf_counter()
    fingerprints = {work_id: fingerprint_text(text) for work_id, text in works.items()}
    elapsed = time.perf_counter() - started
    hashes = sum(len(fp) for fp in fingerprints.values())
    stored = sum(len(fp.to_bytes()) for fp in fingerprints.values())
    print(f"fingerprint: {len(works)} works, {megabytes:.1f} MB UTF-8 in {elapsed:.2f} s = "
          f"{len(works) / elapsed:,.0f} works/s, {megabytes / elapsed:.1f} MB/s; "
          f"{hashes / len(works):.0f} hashes/work, {stored / len(works) / 1024:.1f} KiB/work as stored")

    started = time.perf_counter()
    index = TextIndex()
    for work_id, fp in fingerprints.items():
        index.add(work_id, fp)
    print(f"index: {len(index)} works added in {time.perf_counter() - started:.2f} s")

    sources = rng.sample(sorted(works), args.queries)
    queries = [(source, make_query(rng, works[source])) for source in sources]
    queries += [(None, synthetic_article(rng, vocab, chinese=i % 2 == 1)) for i in range(args.queries // 4)]

    times, hits, false_matches = [], 0, 0
    for source, text in queries:
        started = time.perf_counter()
        found = index.search(fingerprint_text(text), limit=5)
        times.append(time.perf_counter() - started)
        if source is not None and found and found[0][0] == source:
            hits += 1
        false_matches += sum(1 for work_id, _ in found if work_id != source)
    copies = sum(1 for s, _ in queries if s is not None)
    print(f"winnow index, N={len(works)}: {len(queries)} queries ({copies} copies, {len(queries) - copies} unrelated), "
          f"mean {1000 * statistics.mean(times):.1f} ms, p95 {1000 * sorted(times)[int(0.95 * len(times))]:.1f} ms per "
          f"query (fingerprint + search); recall@1 {hits}/{copies}; false matches {false_matches}")

    # difflib on a smaller index that holds the sources of the first few queries
    subset_queries = [q for q in queries if q[0] is not None][:5]
    others = sorted(set(works) - {s for s, _ in subset_queries})
    subset = sorted(set(rng.sample(others, args.difflib_works - len(subset_queries))) | {s for s, _ in subset_queries})
    normalised = {work_id: normalise_for_matching(works[work_id]) for work_id in subset}
    for autojunk in (True, False):
        times, hits, own, best_other = [], 0, [], []
        for source, text in subset_queries:
            query = normalise_for_matching(text)
            started = time.perf_counter()
            ratios = {w: difflib.SequenceMatcher(None, query, normalised[w], autojunk=autojunk).ratio() for w in subset}
            times.append(time.perf_counter() - started)
            hits += max(ratios, key=ratios.__getitem__) == source
            own.append(ratios.pop(source))
            best_other.append(max(ratios.values()))
        per_query = statistics.mean(times)
        print(f"difflib.SequenceMatcher(autojunk={autojunk}).ratio, N={len(subset)}: {len(subset_queries)} copies, "
              f"mean {1000 * per_query:,.0f} ms per query (= {per_query * len(works) / len(subset):,.1f} s scaled to "
              f"N={len(works)}); recall@1 {hits}/{len(subset_queries)}; ratio on the source min "
              f"{min(own):.2f}, best on another work max {max(best_other):.2f}")

if __name__ == "__main__":
    main()
