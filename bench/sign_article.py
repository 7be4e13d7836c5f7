"""Benchmark: signing and verifying articles with detached C2PA manifests.

    .venv/bin/python bench/sign_article.py [--articles 200]

Prints mean and p95 milliseconds for:
- canonicalise_article (bytes in -> canonical text),
- sign_article with one reused ManifestSigner (what the registry does),
- the obvious alternative: a new ManifestSigner per article (native signer rebuilt from PEM and the
  construction-time probe signature, every call),
- sign_article for a derivative with two parents (parents are validated on each call),
- verify_article with the registry root as trust anchor.
Articles are generated from a fixed seed: 1-12 KB of mixed Chinese and English prose.
"""

from __future__ import annotations

import sys as _sys
from pathlib import Path as _Path

# `python bench/x.py` puts bench/ first on the path, where bench/provenance.py and bench/revenue.py would
# shadow the packages of the same name: the repository root goes before it.
_sys.path.insert(0, str(_Path(__file__).resolve().parent.parent))

import argparse
import hashlib
import random
import statistics
import time
from collections.abc import Callable, Sequence

from provenance.article import canonicalise_article
from provenance.keys import create_local_pki
from provenance.record import AIProvenance, ParentManifest, prompt_digest_of
from provenance.sign import ManifestSigner
from provenance.verify import verify_article

WORDS_EN = "the registry signs every article it receives with a detached manifest over its exact bytes".split()
WORDS_ZH = list("人工智能生成的内容需要可以验证的来源记录与版权登记")


def make_articles(count: int, seed: int = 20240601) -> list[bytes]:
    rng = random.Random(seed)
    articles = []
    for _ in range(count):
        paragraphs = []
        target = rng.randint(1_000, 12_000)
        size = 0
        while size < target:
            if rng.random() < 0.5:
                paragraph = " ".join(rng.choices(WORDS_EN, k=rng.randint(20, 80))) + "."
            else:
                paragraph = "".join(rng.choices(WORDS_ZH, k=rng.randint(30, 120))) + "。"
            paragraphs.append(paragraph)
            size += len(paragraph.encode())
        articles.append("\r\n\r\n".join(paragraphs).encode())
    return articles


def timed(label: str, calls: Sequence[Callable[[], object]]) -> None:
    calls[0]()  # warm up
    samples = []
    for call in calls:
        start = time.perf_counter()
        call()
        samples.append((time.perf_counter() - start) * 1000)
    samples.sort()
    p95 = samples[min(len(samples) - 1, int(len(samples) * 0.95))]
    print(f"{label:<46} mean {statistics.fmean(samples):7.3f} ms   p95 {p95:7.3f} ms   (n={len(samples)})")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=200)
    args = parser.parse_args()

    pki = create_local_pki("bench")
    material = pki.signing_material()
    anchors = pki.trust_anchor_pem
    record = AIProvenance(
        model_name="qwen", model_version="2.5-72b", model_provider="Alibaba",
        dataset_sources=("https://example.org/corpus", "doi:10.1000/182"),
        prompt_digest=prompt_digest_of("write an article"), editors=("编辑甲",), title="基准测试",
    )
    raws = make_articles(args.articles)
    texts = [canonicalise_article(raw) for raw in raws]
    print(f"{len(texts)} articles, {min(map(len, raws))}-{max(map(len, raws))} bytes")

    timed("canonicalise_article", [lambda raw=raw: canonicalise_article(raw) for raw in raws])

    signer = ManifestSigner(material)
    timed("sign_article, reused ManifestSigner", [
        lambda i=i, text=text: signer.sign_article(text, record, work_id=f"w-{i}") for i, text in enumerate(texts)
    ])
    timed("sign_article, new ManifestSigner per article", [
        lambda i=i, text=text: ManifestSigner(material).sign_article(text, record, work_id=f"w-{i}")
        for i, text in enumerate(texts)
    ])

    parents = []
    for i, text in enumerate(texts[:2]):
        manifest = signer.sign_article(text, record, work_id=f"parent-{i}")
        sha256 = hashlib.sha256(text.encode()).hexdigest()
        parents.append(ParentManifest(f"parent-{i}", f"parent {i}", manifest, sha256))
    timed("sign_article, derivative of two parents", [
        lambda i=i, text=text: signer.sign_article(text, record, work_id=f"d-{i}", parents=parents)
        for i, text in enumerate(texts)
    ])

    sidecars = [signer.sign_article(text, record, work_id=f"w-{i}") for i, text in enumerate(texts)]
    states = set()
    timed("verify_article, with trust anchor", [
        lambda text=text, sidecar=sidecar: states.add(
            verify_article(text.encode(), sidecar, trust_anchors_pem=anchors).state)
        for text, sidecar in zip(texts, sidecars, strict=True)
    ])
    assert states == {"Trusted"}, states
    derivative = signer.sign_article(texts[2], record, work_id="x", parents=parents)
    print(f"manifest size: mean {statistics.fmean(map(len, sidecars)):.0f} bytes; "
          f"derivative with two parents {len(derivative)} bytes")


if __name__ == "__main__":
    main()
