"""How text work grows with the article: time and peak memory from 10 KB to 10 MB, with ratios.

    .venv/bin/python bench/text_scaling.py [--sizes 10K,100K,1M,2M,10M] [--seed 7] [--no-tracemalloc]

Each big text is synthetic articles (English words and Chinese characters drawn with their
frequencies in ``tests/assets/text``, as in bench/text_match.py) concatenated up to the size, with
a copy of one registered article (3% typos) in the middle. For every size the steps are timed:

- ``canonicalise_article`` of the bytes; ``fingerprint_text`` of the canonical text;
- ``compare_texts`` against the embedded registered article (~4 KB), against the text itself, and
  against a near-copy of it (3% typos): the alignment;
- ``match_article`` on a registry (temporary data folder, SQLite) holding 20 normal articles
  registered with ``register_article``: canonicalise + fingerprint + ``find_text_matches``.

Memory is the growth of the process's resident set during the step (peak RSS reset through
/proc/self/clear_refs) and, in a second pass, the tracemalloc peak (numpy reports its buffers to
tracemalloc). Each size's line shows ms/MB and the ratio of time to the previous size's, so linear
growth reads as a ratio close to the size ratio. The obvious alternatives in the same run: one pass
over the bytes (sha256, the floor any method pays) and difflib.SequenceMatcher on the normalised
texts (sizes up to 100 KB only: it is quadratic).
"""

from __future__ import annotations

import sys as _sys
from pathlib import Path as _Path

# `python bench/x.py` puts bench/ first on the path, where bench/provenance.py and bench/revenue.py would
# shadow the packages of the same name: the repository root goes before it.
_sys.path.insert(0, str(_Path(__file__).resolve().parent.parent))

import argparse
import difflib
import gc
import hashlib
import random
import tempfile
import time
import tracemalloc
from collections.abc import Callable
from pathlib import Path

from fingerprint.text import compare_texts, fingerprint_text, normalise_for_matching
from provenance.article import canonicalise_article
from registry.matching import match_article
from registry.registration.article import register_article
from registry.requests import RegistrationRequest
from registry.service import Registry
from registry.settings import Settings

from text_match import Vocabulary, synthetic_article, vocabularies  # bench/ is the script's own folder

REGISTERED = 20
TYPO_RATE = 0.03
DIFFLIB_MAX_BYTES = 200_000
_UNITS = {"K": 1_000, "M": 1_000_000}


def parse_size(text: str) -> int:
    text = text.strip().upper()
    return int(float(text[:-1]) * _UNITS[text[-1]]) if text[-1] in _UNITS else int(text)


def with_typos(rng: random.Random, text: str, rate: float = TYPO_RATE) -> str:
    """``text`` with about ``rate`` of its characters replaced by a random letter or Han character."""
    chars = list(text)
    for i in rng.sample(range(len(chars)), int(rate * len(chars))):
        if chars[i].isalnum():
            chars[i] = rng.choice("abcdefghijklmnopqrstuvwxyz的一是了")
    return "".join(chars)


def big_text(rng: random.Random, vocab: Vocabulary, size: int, embedded: str) -> str:
    """Synthetic articles up to ``size`` UTF-8 bytes, ``embedded`` (with typos) in the middle."""
    parts: list[str] = []
    total = len(embedded.encode("utf-8"))
    while total < size:
        article = synthetic_article(rng, vocab, chinese=rng.random() < 0.3)
        parts.append(article)
        total += len(article.encode("utf-8")) + 2
    parts.insert(len(parts) // 2, with_typos(rng, embedded))
    return "\n\n".join(parts)


def _rss_kib(field: str) -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    raise LookupError(field)


def measure(step: Callable[[], object], *, traced: bool) -> tuple[float, float, float | None]:
    """(seconds, RSS growth in MB, tracemalloc peak in MB or None) of one call of ``step``."""
    gc.collect()
    try:
        Path("/proc/self/clear_refs").write_text("5")  # resets VmHWM to the current RSS
        before = _rss_kib("VmRSS")
    except OSError:
        before = None
    started = time.perf_counter()
    step()
    seconds = time.perf_counter() - started
    rss = (_rss_kib("VmHWM") - before) / 1024 if before is not None else float("nan")
    peak = None
    if traced:
        gc.collect()
        tracemalloc.start()
        step()
        peak = tracemalloc.get_traced_memory()[1] / 1e6
        tracemalloc.stop()
    return seconds, rss, peak


def open_registry(folder: Path, vocab: Vocabulary, rng: random.Random) -> tuple[Registry, list[str]]:
    settings = Settings(data_dir=folder, load_samples=False, max_article_bytes=64 * 1024 * 1024)
    registry = Registry.open(settings)
    request = RegistrationRequest(model="bench-model", model_version="1", datasets=("https://commoncrawl.org/",))
    articles = [synthetic_article(rng, vocab, chinese=i % 2 == 1) for i in range(REGISTERED)]
    work_ids = [register_article(registry, text.encode("utf-8"), request).work_id for text in articles]
    return registry, [work_ids[0], articles[0]]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="10K,100K,1M,2M,10M")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--no-tracemalloc", action="store_true", help="skip the second, traced pass")
    args = parser.parse_args()
    rng = random.Random(args.seed)
    vocab = vocabularies()
    sizes = [parse_size(s) for s in args.sizes.split(",")]
    traced = not args.no_tracemalloc

    with tempfile.TemporaryDirectory() as folder:
        registry, (work_id, registered) = open_registry(Path(folder), vocab, rng)
        work = fingerprint_text(registered)
        print(f"registry: {REGISTERED} articles, the embedded one {len(registered.encode()):,} bytes, "
              f"{len(work.hashes)} hashes; memory = RSS growth / tracemalloc peak")
        previous: dict[str, float] = {}
        for size in sizes:
            text = big_text(rng, vocab, size, registered)
            raw = text.encode("utf-8")
            megabytes = len(raw) / 1e6
            canonical = canonicalise_article(raw)
            query = fingerprint_text(canonical)
            near = fingerprint_text(with_typos(rng, canonical))
            found: list = []
            steps: dict[str, Callable[[], object]] = {
                "sha256 (floor)": lambda: hashlib.sha256(raw).digest(),
                "canonicalise_article": lambda: canonicalise_article(raw),
                "fingerprint_text": lambda: fingerprint_text(canonical),
                "compare vs registered": lambda: compare_texts(query, work),
                "compare vs itself": lambda: compare_texts(query, query),
                "compare vs near-copy": lambda: compare_texts(near, query),
                "match_article": lambda: found.append(match_article(registry, raw)),
            }
            print(f"\n{megabytes:.2f} MB ({len(query.hashes):,} hashes)")
            for label, step in steps.items():
                seconds, rss, peak = measure(step, traced=traced)
                ratio = f"x{seconds / previous[label]:5.1f}" if label in previous else "      "
                previous[label] = seconds
                memory = f"{rss:7.1f} MB" + (f" / {peak:7.1f} MB" if peak is not None else "")
                print(f"  {label:<22} {seconds:8.3f} s {1000 * seconds / megabytes:8.1f} ms/MB {ratio}  {memory}")
            hits = found[-1]
            itself = compare_texts(query, query)
            registered_match = compare_texts(query, work)
            print(f"  found: match_article -> {[(m.work_id == work_id, round(m.score, 2)) for m in hits]}; "
                  f"vs registered {registered_match and registered_match.score}, "
                  f"vs itself {itself and itself.score}, "
                  f"vs near-copy {(m := compare_texts(near, query)) and m.score}")
            if len(raw) <= DIFFLIB_MAX_BYTES:
                a, b = normalise_for_matching(canonical), normalise_for_matching(registered)
                seconds, rss, _ = measure(lambda: difflib.SequenceMatcher(None, a, b).get_matching_blocks(),
                                          traced=False)
                print(f"  alternative: difflib.SequenceMatcher vs registered {seconds:8.3f} s")
        registry.close()


if __name__ == "__main__":
    main()
