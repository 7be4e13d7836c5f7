"""Benchmark text fingerprinting against datasketch's MinHash on the same articles, in one run.

    .venv/bin/pip install -e '.[bench]'     # datasketch, for the comparison
    .venv/bin/python bench/text_fingerprint.py [--rounds 5] [--copies 20]

The articles are the shipped ones (``samples/articles``, ``tests/assets/text``: English and
Chinese news, 0.8-4 KB), each fingerprinted ``--copies`` times a round. Printed per article (best
round of ``--rounds``):

- ``fingerprint_text``: normalisation (NFKC, casefold, script fold, punctuation) and the compiled
  gram hashing and winnowing (``fingerprint/text/_kernel.py``);
- the same normalised text hashed and winnowed by numpy (``_winnow.winnowed_grams``, the
  definition the kernel is tested against): what the kernel replaced;
- datasketch ``MinHash(num_perm=128)`` of the article's word 5-grams (``str.split``, the usual
  tokenisation), ``update_batch``: the usual choice for near-duplicate text.

A single large text (the articles joined, ~1 MB) gives the throughput in MB/s.
"""

from __future__ import annotations

import sys as _sys
from pathlib import Path as _Path

_sys.path.insert(0, str(_Path(__file__).resolve().parent.parent))

import argparse
import time
from pathlib import Path

import numpy as np

from fingerprint.text import fingerprint_text, normalise_for_matching
from fingerprint.text._normalise import dense_codepoints
from fingerprint.text._winnow import winnowed_grams

ROOT = Path(__file__).resolve().parent.parent
ARTICLES = sorted((ROOT / "samples" / "articles").glob("*.txt")) + sorted((ROOT / "tests" / "assets" / "text").glob("*.txt"))


def best_per_item(works: dict, items: list, rounds: int) -> dict[str, float]:  # type: ignore[type-arg]
    """Seconds per item of each of ``works``, the best of ``rounds`` passes over ``items`` (after a
    warm-up pass). The works take turns round by round, so a slow spell of the machine (a shared
    VM's neighbours) falls on all of them alike."""
    for work in works.values():
        for item in items[: max(1, len(items) // 10)]:
            work(item)
    best = dict.fromkeys(works, float("inf"))
    for _ in range(rounds):
        for name, work in works.items():
            started = time.perf_counter()
            for item in items:
                work(item)
            best[name] = min(best[name], (time.perf_counter() - started) / len(items))
    return best


def numpy_winnowing(text: str) -> None:
    codes, _ = dense_codepoints(normalise_for_matching(text))
    winnowed_grams(codes)


def minhash_of(text: str):  # type: ignore[no-untyped-def]
    from datasketch import MinHash

    words = text.split()
    shingles = [" ".join(words[i : i + 5]).encode("utf-8") for i in range(max(1, len(words) - 4))]
    signature = MinHash(num_perm=128)
    signature.update_batch(shingles)
    return signature


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--copies", type=int, default=20)
    args = parser.parse_args()
    texts = [path.read_text(encoding="utf-8") for path in ARTICLES]
    items = texts * args.copies
    mean_chars = sum(map(len, texts)) / len(texts)
    print(f"{len(texts)} articles, mean {mean_chars:,.0f} characters, {len(items)} a round, best of {args.rounds}")

    works = {"ours": fingerprint_text, "numpy": numpy_winnowing}
    try:
        import datasketch  # noqa: F401
    except ImportError:
        print("datasketch is not installed (pip install -e '.[bench]'): no MinHash comparison")
    else:
        works["minhash"] = minhash_of
    best = best_per_item(works, items, args.rounds)
    ours = best["ours"]
    print(f"fingerprint_text:                    {ours * 1e6:8.1f} us an article ({1 / ours:,.0f}/s)")
    print(f"normalise + numpy hashing/winnowing: {best['numpy'] * 1e6:8.1f} us an article "
          f"({best['numpy'] / ours:.1f}x ours)")
    if "minhash" in best:
        print(f"datasketch MinHash, 128 perms, word 5-grams: {best['minhash'] * 1e6:8.1f} us an article: "
              f"fingerprint_text is {best['minhash'] / ours:.1f}x as fast")

    big = "\n\n".join(texts) * max(1, (1 << 20) // sum(map(len, texts)))
    megabytes = len(big.encode("utf-8")) / 1e6
    seconds = best_per_item({"ours": fingerprint_text}, [big], max(2, args.rounds // 2))["ours"]
    fingerprint = fingerprint_text(big)
    print(f"one {megabytes:.1f} MB text: {seconds * 1e3:.1f} ms, {megabytes / seconds:.1f} MB/s, "
          f"{len(fingerprint):,} hashes ({len(fingerprint) / np.float64(len(big)) * 1e3:.0f} per 1,000 characters)")


if __name__ == "__main__":
    main()
