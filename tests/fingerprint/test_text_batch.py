"""Fingerprinting many texts at once gives each text's own fingerprint."""

from __future__ import annotations

from pathlib import Path

from hypothesis import given
from hypothesis import strategies as st

from fingerprint.errors import EmptyTextError
from fingerprint.text import fingerprint_text, fingerprint_texts

SAMPLES = Path(__file__).resolve().parents[2] / "samples" / "articles"
_PIECES = ["word ", "Ｗｉｄｅ", "中文字符", "臺灣", ", ", ".\n", "ﬁ", "e\u0301", "  ", "\ufdd0", "x", "Straße ", "1234"]


def _one(text: str):  # type: ignore[no-untyped-def]
    try:
        return fingerprint_text(text)
    except EmptyTextError as e:
        return e


def _same(a, b) -> bool:  # type: ignore[no-untyped-def]
    if isinstance(a, EmptyTextError) or isinstance(b, EmptyTextError):
        return type(a) is type(b) and str(a) == str(b)
    return a.to_bytes() == b.to_bytes()


@given(st.lists(st.lists(st.sampled_from(_PIECES), max_size=30).map("".join), max_size=12))
def test_a_batch_is_each_text_alone(texts):
    batch = fingerprint_texts(texts)
    assert len(batch) == len(texts)
    assert all(_same(got, _one(text)) for got, text in zip(batch, texts))


def test_the_sample_articles_in_one_batch():
    texts = [path.read_text(encoding="utf-8") for path in sorted(SAMPLES.glob("*.txt"))]
    assert all(_same(got, fingerprint_text(text)) for got, text in zip(fingerprint_texts(texts * 3), texts * 3))
