"""``fingerprint_text`` and ``TextFingerprint``: stable int64 hashes, winnowing, compact bytes."""

from __future__ import annotations

import doctest
import importlib
import struct

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from fingerprint.errors import EmptyTextError, FingerprintError, InvalidFingerprintError
from fingerprint.text import (
    ALGORITHM,
    GRAM_WEIGHT,
    MIN_TEXT_CHARS,
    WINDOW_GRAMS,
    TextFingerprint,
    fingerprint_text,
    normalise_for_matching,
)
from fingerprint.text._winnow import gram_hashes, winnow

INT64 = st.integers(min_value=-(2**63), max_value=2**63 - 1)
MASK = 2**64 - 1


def reference_mix64(x: int) -> int:
    """splitmix64's finaliser, written out as in the ``_winnow`` docstring."""
    x = (x + 0x9E3779B97F4A7C15) & MASK
    x = ((x ^ (x >> 30)) * 0xBF58476D1CE4E5B9) & MASK
    x = ((x ^ (x >> 27)) * 0x94D049BB133111EB) & MASK
    return x ^ (x >> 31)


WIDE = ((0x3040, 0x30FF), (0x3400, 0x4DBF), (0x4E00, 0x9FFF), (0xAC00, 0xD7AF), (0xF900, 0xFAFF), (0x20000, 0x3FFFF))


def reference_grams(dense: str) -> list[str]:
    """Every complete gram: the shortest run from each start weighing 9, CJK/kana/Hangul weighing 2."""
    grams = []
    for start in range(len(dense)):
        end, weight = start, 0
        while end < len(dense) and weight < 9:
            weight += 2 if any(a <= ord(dense[end]) <= b for a, b in WIDE) else 1
            end += 1
        if weight < 9:
            break
        grams.append(dense[start:end])
    return grams


def reference_gram_hash(gram: str) -> int:
    acc = 0
    for c in gram:
        acc = (acc * 0x100000001B3 + reference_mix64(ord(c))) & MASK
    h = reference_mix64(acc)
    return h - 2**64 if h >= 2**63 else h


def reference_winnow(hashes: list[int], window: int) -> list[int]:
    """Robust winnowing, the slow obvious way: the rightmost minimum of every window, once each."""
    window = min(window, len(hashes))
    chosen: list[int] = []
    for start in range(len(hashes) - window + 1):
        span = hashes[start : start + window]
        pick = start + max(i for i, h in enumerate(span) if h == min(span))
        if not chosen or chosen[-1] != pick:
            chosen.append(pick)
    return chosen


def test_algorithm_name_is_versioned() -> None:
    assert ALGORITHM == "text-winnow-v2"  # v2: traditional Chinese folded to simplified


def test_golden_fingerprint() -> None:
    # Pinned values: a change here changes every stored fingerprint and needs a new ALGORITHM.
    fp = fingerprint_text("The first of twelve remotely operated cranes arrived on Tuesday.")
    assert fp.length == 63
    assert fp.hashes[:3] == GOLDEN_FIRST_HASHES
    assert fp.positions[:3] == GOLDEN_FIRST_POSITIONS
    assert reference_gram_hash("清川至云岭") == GOLDEN_CHINESE_GRAM
    fp = fingerprint_text("清川至云岭高速铁路于本月二十八日上午正式开通运营。")
    assert (fp.length, fp.hashes[:3], fp.positions[:3]) == GOLDEN_CHINESE


GOLDEN_FIRST_HASHES = (-8567980611548925132, -7455223716560054005, -7022009528344688284)
GOLDEN_FIRST_POSITIONS = (1, 5, 7)
GOLDEN_CHINESE_GRAM = -6830853934700887083
GOLDEN_CHINESE = (24, (-7856037038268805934, -6561699416243574349, -5134253403363313985), (3, 8, 11))


def test_gram_weight_is_nine() -> None:
    # 9 letters of English, 5 Chinese characters, mixed runs in between
    assert GRAM_WEIGHT == 9
    assert reference_grams("清川至云岭高速铁路") == ["清川至云岭", "川至云岭高", "至云岭高速", "云岭高速铁", "岭高速铁路"]
    assert reference_grams("2024年高铁开通")[:3] == ["2024年高铁", "024年高铁", "24年高铁开"]


mixed_dense_text = st.text(
    alphabet=st.one_of(
        st.characters(categories=["L", "N"], max_codepoint=0x2FF),  # Latin letters and digits
        st.characters(min_codepoint=0x4E00, max_codepoint=0x9FFF),  # CJK ideographs
        st.sampled_from("ぁカ한𠀀豈ｶ"),  # kana, Hangul, extension B, compatibility; halfwidth ｶ weighs 1
    ),
    max_size=60,
)


@given(mixed_dense_text)
def test_gram_hashes_match_the_written_definition(dense: str) -> None:
    codes = np.array([ord(c) for c in dense], dtype=np.uint32)
    assert gram_hashes(codes).tolist() == [reference_gram_hash(g) for g in reference_grams(dense)]


@given(st.lists(st.integers(min_value=-5, max_value=5), min_size=1, max_size=40), st.integers(1, 10))
def test_winnow_matches_the_slow_definition(hashes: list[int], window: int) -> None:
    assert winnow(np.array(hashes, dtype=np.int64), window).tolist() == reference_winnow(hashes, window)


@settings(deadline=None)  # the first text reaching a Unicode plane builds its character table (~20 ms, more under load)
@given(st.text(min_size=0, max_size=300))
def test_fingerprint_of_any_text_is_valid_or_too_short(text: str) -> None:
    try:
        fp = fingerprint_text(text)
    except EmptyTextError as e:
        assert e.minimum == MIN_TEXT_CHARS and e.length < MIN_TEXT_CHARS
        return
    normalised = normalise_for_matching(text)
    assert fp.length == len(normalised)
    assert all(-(2**63) <= h < 2**63 and type(h) is int for h in fp.hashes)
    assert all(normalised[p] != " " for p in fp.positions)  # a gram starts on a character


def test_every_window_keeps_one_hash(articles: dict[str, str]) -> None:
    # Winnowing's guarantee: no WINDOW_GRAMS consecutive grams go without a selected one.
    for text in articles.values():
        dense = normalise_for_matching(text).replace(" ", "")
        fp = fingerprint_text(text)
        grams = len(reference_grams(dense))
        assert grams // WINDOW_GRAMS <= len(fp.hashes) <= grams
        assert len(set(fp.hashes)) > 0.9 * len(fp.hashes)  # 64-bit hashes of news text barely repeat


TOO_SHORT_CASES = [
    # (text, normalised length without spaces)
    pytest.param("", 0, id="empty"),
    pytest.param("   \r\n\t  ", 0, id="whitespace-only"),
    pytest.param("!!! ??? ... ，。！", 0, id="punctuation-only"),
    pytest.param("Hi there!", 7, id="two-words"),
    pytest.param("高铁开通了", 5, id="five-chinese-characters"),
    pytest.param("清川至云岭高速铁路正式开通运营", 15, id="fifteen-chinese-characters"),
    pytest.param("a b c d e f g h i j k l m n o", MIN_TEXT_CHARS - 1, id="one-short-of-the-minimum"),
]


@pytest.mark.parametrize(("text", "length"), TOO_SHORT_CASES)
def test_too_short_text_raises_empty_text_error(text: str, length: int) -> None:
    with pytest.raises(EmptyTextError, match=rf"expected at least {MIN_TEXT_CHARS} .* got {length}\b") as info:
        fingerprint_text(text)
    assert (info.value.length, info.value.minimum) == (length, MIN_TEXT_CHARS)
    assert isinstance(info.value, FingerprintError)


def test_shortest_fingerprintable_text() -> None:
    fp = fingerprint_text("a b c d e f g h i j k l m n o p")
    assert len(fp.hashes) == 1


fingerprints = st.builds(
    lambda hashes, gaps, tail: TextFingerprint(
        hashes=tuple(hashes[: len(gaps)]),
        positions=tuple(np.cumsum([0, *gaps[1:]]).tolist()[: len(hashes)]) if gaps else (),
        length=(sum(gaps[1:]) + tail) if gaps else tail,
    ),
    st.lists(INT64, max_size=50),
    st.lists(st.integers(1, 1000), max_size=50),
    st.integers(1, 1000),
)


def _varint_size(gap: int) -> int:
    return max(1, -(-gap.bit_length() // 7))


@given(fingerprints)
def test_bytes_round_trip(fp: TextFingerprint) -> None:
    data = fp.to_bytes()
    gaps = np.diff(np.array([0, *fp.positions], dtype=np.int64)).tolist()
    assert len(data) == 16 + 8 * len(fp.hashes) + sum(map(_varint_size, gaps))
    assert TextFingerprint.from_bytes(data) == fp


@given(fingerprints)
def test_format_1_bytes_are_still_read(fp: TextFingerprint) -> None:
    # what registrations stored before format 2: int64 hashes, then uint32 positions
    header = struct.pack("<4sBBBBII", b"TXFP", 1, 9, 8, 2, len(fp.hashes), fp.length)
    data = header + np.array(fp.hashes, dtype="<i8").tobytes() + np.array(fp.positions, dtype="<u4").tobytes()
    assert TextFingerprint.from_bytes(data) == fp


def test_an_articles_fingerprint_takes_about_9_bytes_a_hash(articles: dict[str, str]) -> None:
    for text in articles.values():
        fp = fingerprint_text(text)
        assert 16 + 9 * len(fp) <= len(fp.to_bytes()) <= 16 + 9.2 * len(fp)


def test_bytes_round_trip_of_articles(articles: dict[str, str]) -> None:
    for text in articles.values():
        fp = fingerprint_text(text)
        assert TextFingerprint.from_bytes(fp.to_bytes()) == fp


def _valid_bytes() -> bytes:
    return fingerprint_text("Two years after a marine heatwave bleached the reef, corals are back.").to_bytes()


FROM_BYTES_CASES = [
    # (corrupt the valid bytes like this, message)
    pytest.param(lambda b: b[:10], "expected at least 16 bytes", id="truncated-header"),
    pytest.param(lambda b: b"XXXX" + b[4:], "expected magic", id="wrong-magic"),
    pytest.param(lambda b: b[:4] + b"\x09" + b[5:], "expected format version 1", id="future-format"),
    pytest.param(lambda b: b[:5] + b"\x05" + b[6:], "got gram 5", id="other-gram-weight"),
    pytest.param(lambda b: b[:7] + b"\x03" + b[8:], "wide 3", id="other-wide-weight"),
    pytest.param(lambda b: b[:-1], "bytes for", id="truncated-body"),
    pytest.param(lambda b: b[:-1] + b"\x80", "a cut or overlong one", id="cut-varint"),
    pytest.param(lambda b: b[:-1] + b"\xff" * 5 + b"\x01", "a cut or overlong one", id="overlong-varint"),
    pytest.param(lambda b: b + b"\x00", "bytes for", id="trailing-garbage"),
    # length field set to 3: positions would point past the end of the text
    pytest.param(lambda b: b[:12] + (3).to_bytes(4, "little") + b[16:], "expected positions in",
                 id="position-past-end"),
]


@pytest.mark.parametrize(("corrupt", "message"), FROM_BYTES_CASES)
def test_from_bytes_rejects_malformed_data(corrupt, message: str) -> None:
    with pytest.raises(InvalidFingerprintError, match=message):
        TextFingerprint.from_bytes(corrupt(_valid_bytes()))


CONSTRUCTOR_CASES = [
    # (hashes, positions, length, message)
    pytest.param((1, 2), (0,), 10, "as many positions as hashes", id="length-mismatch"),
    pytest.param((2**63,), (0,), 10, "signed int64", id="hash-above-int64"),
    pytest.param((-(2**63) - 1,), (0,), 10, "signed int64", id="hash-below-int64"),
    pytest.param((1, 2), (5, 5), 10, "strictly increasing", id="repeated-position"),
    pytest.param((1, 2), (6, 5), 10, "strictly increasing", id="decreasing-positions"),
    pytest.param((1,), (10,), 10, "positions in", id="position-at-length"),
    pytest.param((1,), (-1,), 10, "positions in", id="negative-position"),
    pytest.param((), (), -1, "length in", id="negative-length"),
    pytest.param((), (), 2**32, "length in", id="length-over-uint32"),
]


@pytest.mark.parametrize(("hashes", "positions", "length", "message"), CONSTRUCTOR_CASES)
def test_fingerprint_is_valid_by_construction(hashes, positions, length, message: str) -> None:
    with pytest.raises(InvalidFingerprintError, match=message):
        TextFingerprint(hashes=hashes, positions=positions, length=length)


def test_fingerprint_is_deterministic_across_calls(articles: dict[str, str]) -> None:
    text = articles["zh_tea_harvest"]
    assert fingerprint_text(text) == fingerprint_text(text)


@pytest.mark.parametrize(
    "module",
    ["fingerprint.errors", "fingerprint.text", "fingerprint.text._normalise", "fingerprint.text._winnow",
     "fingerprint.text._fingerprint", "fingerprint.text._align", "fingerprint.text._index",
     "fingerprint.text._postings"],
)
def test_docstring_examples_run(module: str) -> None:
    result = doctest.testmod(importlib.import_module(module), optionflags=doctest.ELLIPSIS)
    assert result.failed == 0 and result.attempted > 0
