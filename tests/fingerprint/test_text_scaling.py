"""Long texts: fingerprinting and alignment stay linear, and the shortcuts that make them so are exact
where they claim to be (blocks of winnowing) or close (local chaining beyond the exact programme)."""

from __future__ import annotations

import random
import time
import unicodedata
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from fingerprint.text import _chain, _normalise, _winnow, compare_texts, fingerprint_text, normalise_for_matching

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


@given(st.lists(st.tuples(st.integers(0, 400), st.integers(0, 400)), max_size=300))
def test_same_diagonal_links_are_what_the_full_scan_chooses(points: list[tuple[int, int]]) -> None:
    pairs = np.array(sorted(points), dtype=np.int64).reshape(-1, 2)
    q, w = pairs[:, 0], pairs[:, 1]
    if len(q) == 0:
        return
    fast = _chain._local_predecessors(q, w)
    full = _chain._local_predecessors(q, w, same_diagonal_first=False)
    assert fast[0].tolist() == full[0].tolist()
    assert fast[1].tolist() == full[1].tolist()


_T2S = dict(line.split("\t") for line in (Path(__file__).resolve().parents[2] / "fingerprint" / "text" / "t2s.tsv")
            .read_text(encoding="utf-8").splitlines() if line and not line.startswith("#"))


def _per_character_normalisation(text: str) -> str:
    """The definition, one character at a time: NFKC, casefold, NFKC, traditional Chinese to
    simplified (the shipped OpenCC table); letters, numbers and marks kept, format characters
    deleted, everything else a space; spaces collapsed; repeated while the result is not settled."""
    def once(text: str) -> str:
        folded = unicodedata.normalize("NFKC", unicodedata.normalize("NFKC", text).casefold())
        kept = []
        for char in (_T2S.get(c, c) for c in folded):
            category = unicodedata.category(char)
            kept.append(char if category[0] in "LNM" else "" if category == "Cf" else " ")
        return " ".join(part for part in "".join(kept).split(" ") if part)
    current = once(text)
    for _ in range(4):
        if unicodedata.is_normalized("NFKC", current) and current.casefold() == current:
            break
        current = once(current)
    return current


_TRICKY = "aZß İΣς ﬁＡ１\u200b\u00ad\ufeff\t\n，。・〜ǅ\u0301é\U0001d400\U0001f600\U00020000\U000e0001"


@given(st.text(alphabet=st.one_of(st.sampled_from(_TRICKY + "ab 中"), st.characters(codec="utf-8")), max_size=60))
def test_normalisation_by_tables_is_the_per_character_definition(text: str) -> None:
    assert normalise_for_matching(text) == _per_character_normalisation(text)


@given(st.text(alphabet=st.sampled_from(_TRICKY + "ab 中\n"), max_size=80), st.integers(1, 12))
def test_normalisation_piece_by_piece_is_normalisation_at_once(text: str, piece: int) -> None:
    expected = normalise_for_matching(text)
    saved, _normalise.PIECE_CHARS = _normalise.PIECE_CHARS, piece
    try:
        assert normalise_for_matching(text) == expected
    finally:
        _normalise.PIECE_CHARS = saved


@pytest.mark.parametrize("first, last, step", [(0, 0xFFFF, 1), (0x10000, 0x10FFFF, 37)], ids=["bmp", "astral"])
def test_normalisation_by_tables_of_every_code_point(first: int, last: int, step: int,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    """Every code point of the Basic Multilingual Plane (and every 37th beyond) between two letters,
    at once and in pieces of about 1,000 characters."""
    text = " ".join(f"a{chr(c)}b" for c in range(first, last + 1, step) if not 0xD800 <= c <= 0xDFFF)
    expected = _per_character_normalisation(text)
    assert normalise_for_matching(text) == expected
    monkeypatch.setattr(_normalise, "PIECE_CHARS", 1000)
    assert normalise_for_matching(text) == expected


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


def _cpu_seconds(text: str, work_text: str) -> tuple[float, float]:
    """CPU time (not wall time: other processes do not count) to fingerprint ``text`` and align it
    with a normal article (what a prior-art check does), and then to align it with itself (a copy of
    a work as long as itself, the most anchors there can be)."""
    started = time.process_time()
    query = fingerprint_text(text)
    found = compare_texts(query, fingerprint_text(work_text))
    fingerprinted = time.process_time()
    assert found is not None and found.score > 0.95
    itself = compare_texts(query, query)
    assert itself is not None and itself.score == 1.0
    return fingerprinted - started, time.process_time() - fingerprinted


@pytest.fixture(scope="module")
def cpu_seconds_1mb_10mb() -> tuple[tuple[float, float], tuple[float, float]]:
    article = long_text(4_000, seed=3)
    small, big = (long_text(size) for size in (1_000_000, 10_000_000))
    small, big = (text[: len(text) // 2] + article + text[len(text) // 2 :] for text in (small, big))
    runs = [_cpu_seconds(small, article) for _ in range(2)]
    big_runs = [_cpu_seconds(big, article) for _ in range(2)]  # the best of two, each size: less noise
    return (min(r[0] for r in runs), min(r[1] for r in runs)), (min(r[0] for r in big_runs), min(r[1] for r in big_runs))


def test_ten_megabytes_fingerprint_and_align_in_linear_time(cpu_seconds_1mb_10mb) -> None:
    """Ten times the text costs about ten times the work (sorting adds a log factor: about 12x);
    a quadratic step would cost 100x. 25x leaves room for a loaded machine's cache misses; aligning a
    text with itself, whose 1.5 million anchors at 10 MB outgrow the caches that hold 1 MB's, gets 40x
    (34x was seen on a machine running other tests at the same time)."""
    (small_fingerprint, small_self), (big_fingerprint, big_self) = cpu_seconds_1mb_10mb
    for step, small_seconds, big_seconds, bound in (
            ("fingerprint and align", small_fingerprint, big_fingerprint, 25),
            ("align with itself", small_self, big_self, 40)):
        assert big_seconds < bound * small_seconds, (
            f"{step}: expected linear growth (10 MB under {bound}x 1 MB), got {big_seconds:.2f} s vs "
            f"{small_seconds:.2f} s")


def test_ten_megabytes_fingerprint_and_prior_art_alignment_within_two_seconds(cpu_seconds_1mb_10mb) -> None:
    """The issue's bound: a 10 MB article (the limit) fingerprinted and aligned with a registered
    article in at most 2 s (about 1 s measured on the 2-core VM)."""
    seconds = cpu_seconds_1mb_10mb[1][0]
    assert seconds < 2.0, f"expected 10 MB fingerprinted and aligned in under 2 s of CPU, got {seconds:.2f} s"


def test_ten_megabytes_aligned_with_itself_within_three_seconds(cpu_seconds_1mb_10mb) -> None:
    """Aligning 10 MB with a 10 MB copy: 1.5 million anchors (about 1.4 s measured under load)."""
    seconds = cpu_seconds_1mb_10mb[1][1]
    assert seconds < 3.0, f"expected 10 MB aligned with itself in under 3 s of CPU, got {seconds:.2f} s"
