"""The compiled kernels give exactly the fingerprints of the definition: numpy's gram hashes and
winnowing (``_winnow``), and normalisation as NFKC, casefold, script fold and the action table
spell it, written out here the plain way. Stored fingerprints are compared with new ones for
years, so a kernel may be faster but never different."""

from __future__ import annotations

import unicodedata
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from fingerprint.errors import EmptyTextError
from fingerprint.text import MIN_TEXT_CHARS, fingerprint_text, fingerprint_texts, normalise_for_matching
from fingerprint.text._kernel import BREAK, DELETE, _is_wide
from fingerprint.text._normalise import (
    _ACTIONS,
    _MAX_ROUNDS,
    _casefold_table,
    _inert_and_stable,
    _singleton_decompositions,
    dense_codepoints,
)
from fingerprint.text._script import fold_codes
from fingerprint.text._winnow import WIDE_RANGES, char_weights, winnowed_grams

ROOT = Path(__file__).resolve().parents[2]
TEXTS = sorted((ROOT / "samples" / "articles").glob("*.txt")) + sorted((ROOT / "tests" / "assets" / "text").glob("*.txt"))

# code points a copier's text is made of: ASCII, Latin with combining marks, fullwidth and
# halfwidth forms, compatibility characters, CJK (traditional and simplified), Hangul syllables
# and jamo, kana, format characters, astral letters and ideographs
_ALPHABET = st.one_of(
    st.characters(min_codepoint=0x20, max_codepoint=0x24F),
    st.characters(min_codepoint=0x300, max_codepoint=0x36F),
    st.characters(min_codepoint=0x1100, max_codepoint=0x11FF),
    st.characters(min_codepoint=0x2000, max_codepoint=0x2BFF),
    st.characters(min_codepoint=0x3000, max_codepoint=0x33FF),
    st.characters(min_codepoint=0x4E00, max_codepoint=0x9FFF),
    st.characters(min_codepoint=0xAC00, max_codepoint=0xD7AF),
    st.characters(min_codepoint=0xF900, max_codepoint=0xFFFF),
    st.sampled_from(["\u200b", "\u00ad", "\ufeff", "\U0001d400", "\U0001d41a", "\U00020000", "\U0002f800", " ", "\n"]),
)
_TEXT = st.text(_ALPHABET, max_size=200)


def _normalise_once_by_definition(text: str) -> str:
    folded = unicodedata.normalize("NFKC", unicodedata.normalize("NFKC", text).casefold())
    codes = fold_codes(np.frombuffer(folded.encode("utf-32-le", "surrogatepass"), dtype="<u4"))
    actions = _ACTIONS.of(codes)
    kept = actions != DELETE
    codes, actions = codes[kept], actions[kept]
    out: list[str] = []
    for code, action in zip(codes.tolist(), actions.tolist()):
        if action == BREAK:
            if out and out[-1] != " ":
                out.append(" ")
        else:
            out.append(chr(code))
    return "".join(out).removesuffix(" ")


def normalise_by_definition(text: str) -> str:
    current = _normalise_once_by_definition(text)
    for _ in range(_MAX_ROUNDS):
        if unicodedata.is_normalized("NFKC", current) and current.casefold() == current:
            break
        current = _normalise_once_by_definition(current)
    return current


def fingerprint_by_definition(text: str) -> tuple[list[int], list[int], int]:
    normalised = normalise_by_definition(text)
    codes, offsets = dense_codepoints(normalised)
    hashes, starts = winnowed_grams(codes)
    return hashes.tolist(), offsets[starts].tolist(), len(normalised)


def _fingerprint_or_none(text: str):  # type: ignore[no-untyped-def]
    try:
        fingerprint = fingerprint_text(text)
    except EmptyTextError:
        return None
    return list(fingerprint.hashes), list(fingerprint.positions), fingerprint.length


@given(_TEXT)
def test_normalisation_is_the_definition(text):
    assert normalise_for_matching(text) == normalise_by_definition(text)


@given(_TEXT)
def test_fingerprints_are_the_definition(text):
    dense = len(normalise_by_definition(text).replace(" ", ""))
    expected = fingerprint_by_definition(text) if dense >= MIN_TEXT_CHARS else None
    assert _fingerprint_or_none(text) == expected


# text with no wide code point (Latin, Greek, Cyrillic, ...): the kernel takes its narrow loop for it
_NARROW_TEXT = st.text(st.one_of(st.characters(min_codepoint=0x20, max_codepoint=0x4FF),
                                 st.sampled_from([" ", "\n", "\u200b", "\u00ad"])), min_size=20, max_size=400)


@given(_NARROW_TEXT)
def test_narrow_text_fingerprints_are_the_definition_and_the_general_loops(text):
    from fingerprint.text._fingerprint import GRAM_WEIGHT, WIDE_CHAR_WEIGHT, WINDOW_GRAMS
    from fingerprint.text._kernel import _mixed_table, _winnow_narrow, _winnow_whole
    from fingerprint.text._normalise import normalised_codes

    dense = len(normalise_by_definition(text).replace(" ", ""))
    expected = fingerprint_by_definition(text) if dense >= MIN_TEXT_CHARS else None
    assert _fingerprint_or_none(text) == expected
    codes = normalised_codes(text)[1]
    narrow = _winnow_narrow(codes, GRAM_WEIGHT, WINDOW_GRAMS, _mixed_table())
    general = _winnow_whole(codes, GRAM_WEIGHT, WIDE_CHAR_WEIGHT, WINDOW_GRAMS)
    assert [a.tolist() if hasattr(a, "tolist") else a for a in narrow] == \
        [a.tolist() if hasattr(a, "tolist") else a for a in general]


@pytest.mark.parametrize("path", TEXTS, ids=lambda p: p.name)
def test_the_sample_articles_fingerprint_as_defined(path):
    text = path.read_text(encoding="utf-8")
    assert _fingerprint_or_none(text) == fingerprint_by_definition(text)


def test_a_text_longer_than_a_winnowing_block_fingerprints_as_defined():
    # winnowed_grams goes block by block past 65,536 grams: the one-pass kernel must agree across the seams
    text = "\n\n".join(path.read_text(encoding="utf-8") for path in TEXTS) * 8
    assert len(text) > 200_000
    assert _fingerprint_or_none(text) == fingerprint_by_definition(text)


def test_wide_code_points_are_the_documented_ranges():
    edges = sorted({c + d for first, last in WIDE_RANGES for c in (first, last) for d in (-1, 0, 1)} | {0, 0x10FFFF})
    codes = np.array(edges, dtype=np.uint32)
    assert [2 if _is_wide(int(c)) else 1 for c in codes] == char_weights(codes).tolist()


def test_replacing_a_code_point_by_its_one_code_point_decomposition_never_changes_nfkc():
    table = _singleton_decompositions()[0][:, 0]
    changed = np.flatnonzero(table != np.arange(len(table)))
    assert len(changed) > 1000 and 0xFF0C in changed and 0x3000 in changed  # fullwidth comma, ideographic space
    for code in changed.tolist():
        for before, after in (("", ""), ("a", "\u0301"), ("\u1100", "\u1161"), ("e", "\u0327\u0301")):
            assert unicodedata.normalize("NFKC", before + chr(code) + after) == \
                unicodedata.normalize("NFKC", before + chr(int(table[code])) + after), hex(code)


def test_a_batch_is_each_text_alone():
    texts = [path.read_text(encoding="utf-8") for path in TEXTS] + ["too short", ""]
    batch = fingerprint_texts(texts)
    assert [isinstance(found, EmptyTextError) for found in batch[-2:]] == [True, True]
    assert [(list(f.hashes), list(f.positions), f.length) for f in batch[:-2]] == \
        [fingerprint_by_definition(text) for text in texts[:-2]]


def test_the_casefold_table_is_casefold_code_point_by_code_point():
    table, lengths = _casefold_table()
    for code in range(len(lengths)):
        assert "".join(map(chr, table[code, : lengths[code]].tolist())) == chr(code).casefold(), hex(code)


_INERT, _STABLE = _inert_and_stable()
_INERT_CODES = np.flatnonzero(_INERT)
_STABLE_CODES = np.flatnonzero(_STABLE)


@given(st.lists(st.integers(0, len(_INERT_CODES) - 1), max_size=60))
def test_text_of_inert_code_points_is_nfkc(picks):
    text = "".join(chr(int(_INERT_CODES[i])) for i in picks)
    assert unicodedata.is_normalized("NFKC", text)


@given(st.lists(st.integers(0, len(_STABLE_CODES) - 1), max_size=60))
def test_text_of_stable_code_points_is_left_as_it_is(picks):
    text = "".join(chr(int(_STABLE_CODES[i])) for i in picks)
    assert unicodedata.is_normalized("NFKC", text) and text.casefold() == text


def test_no_code_point_that_composes_after_another_is_inert():
    # a medial vowel after a Hangul lead consonant, an acute after an e, a Tamil vowel sign after its consonant
    for first, second in (("\u1100", "\u1161"), ("\uac00", "\u11a8"), ("e", "\u0301"), ("\u0b92", "\u0bd7")):
        assert unicodedata.normalize("NFKC", first + second) != first + second
        assert not _INERT[ord(second)]


def test_the_action_table_grown_by_several_threads_at_once_is_the_one_grown_by_one():
    # a server's first requests (and its warm-up thread) may all reach a new plane at the same moment
    from concurrent.futures import ThreadPoolExecutor

    from fingerprint.text._normalise import _Actions

    shared = _Actions()
    with ThreadPoolExecutor(4) as pool:
        tables = list(pool.map(lambda _: shared.covering(0x2FFFF), range(4)))
    expected = _Actions().covering(0x2FFFF)
    assert len(expected) == 3 * 65536
    assert all(np.array_equal(table, expected) for table in tables)
    assert np.array_equal(shared.covering(0), expected)
