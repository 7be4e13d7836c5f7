"""Character grams weighted by script, their hashes, and winnowing (Schleimer, Wilkerson and Aiken,
"Winnowing: local algorithms for document fingerprinting", SIGMOD 2003).

A code point of a CJK ideograph, kana or Hangul syllable weighs ``WIDE_CHAR_WEIGHT`` (2): it
carries about a morpheme or a syllable. Any other code point weighs 1. The *gram* starting at a
position of the normalised text with its spaces skipped is the shortest run of code points whose
weight reaches ``GRAM_WEIGHT``: 9 letters or digits of English, 5 Chinese characters (grams that
would run past the end are not formed). Its hash is a stable 64-bit value (never Python's
``hash()``), defined so it can be re-implemented anywhere::

    mix64(x)   = splitmix64 finaliser: x += 0x9E3779B97F4A7C15;
                 x = (x ^ x>>30) * 0xBF58476D1CE4E5B9; x = (x ^ x>>27) * 0x94D049BB133111EB;
                 x ^ x>>31                                         (all mod 2**64)
    acc        = 0;  for each code point c of the gram: acc = acc * 0x100000001B3 + mix64(c)
    gram hash  = mix64(acc), read as a signed two's-complement int64 (a PostgreSQL BIGINT)

Winnowing keeps, in every window of ``WINDOW_GRAMS`` consecutive grams, the gram with the smallest
hash (the rightmost one on ties, "robust winnowing", section 5.2 of the paper), recording each
selected gram once. Guarantee (section 3): a shared run long enough to hold ``WINDOW_GRAMS``
grams (16 English letters, 12 Chinese characters) yields at least one shared hash; a run shorter
than one gram never does, which is the noise floor.

>>> codes = np.array([ord(c) for c in "winnowingwinnowing"], dtype=np.uint32)
>>> hashes = gram_hashes(codes)
>>> bool(hashes[0] == hashes[9])  # the same 9 letters hash alike wherever they are
True
>>> len(gram_hashes(np.array([ord(c) for c in "清川至云岭高速铁路"], dtype=np.uint32)))  # 5-character grams
5
>>> winnow(np.array([5, 3, 3, 7, 1, 4], dtype=np.int64), window=3).tolist()
[2, 4]
"""

from __future__ import annotations

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

GRAM_WEIGHT = 9
"""k, in weight: a gram is the shortest run of code points weighing at least this much."""

WIDE_CHAR_WEIGHT = 2
"""Weight of a CJK ideograph, kana or Hangul syllable; every other code point weighs 1."""

MIN_GRAM_CHARS = -(-GRAM_WEIGHT // WIDE_CHAR_WEIGHT)
"""The fewest code points a gram can have (5): all of them wide."""

WINDOW_GRAMS = 8
"""w: grams per winnowing window; about 2 / (w + 1) of the grams are selected."""

# [first, last] code points that weigh WIDE_CHAR_WEIGHT
WIDE_RANGES = (
    (0x3040, 0x30FF),  # Hiragana, Katakana
    (0x3400, 0x4DBF),  # CJK Unified Ideographs Extension A
    (0x4E00, 0x9FFF),  # CJK Unified Ideographs
    (0xAC00, 0xD7AF),  # Hangul Syllables
    (0xF900, 0xFAFF),  # CJK Compatibility Ideographs
    (0x20000, 0x3FFFF),  # CJK Unified Ideographs Extensions B and later (planes 2 and 3)
)

_GOLDEN = np.uint64(0x9E3779B97F4A7C15)
_MIX1 = np.uint64(0xBF58476D1CE4E5B9)
_MIX2 = np.uint64(0x94D049BB133111EB)
_MULTIPLIER = np.uint64(0x100000001B3)


def _mix64(values: np.ndarray) -> np.ndarray:
    """splitmix64's finaliser on a ``uint64`` array (wrapping arithmetic, no warnings on arrays)."""
    x = values + _GOLDEN
    x = (x ^ (x >> np.uint64(30))) * _MIX1
    x = (x ^ (x >> np.uint64(27))) * _MIX2
    return x ^ (x >> np.uint64(31))


def char_weights(codes: np.ndarray) -> np.ndarray:
    """The weight of every code point: ``WIDE_CHAR_WEIGHT`` in ``WIDE_RANGES``, else 1."""
    wide = np.zeros(len(codes), dtype=bool)
    for first, last in WIDE_RANGES:
        wide |= (codes >= first) & (codes <= last)
    return np.where(wide, WIDE_CHAR_WEIGHT, 1)


def gram_lengths(codes: np.ndarray, gram_weight: int = GRAM_WEIGHT) -> np.ndarray:
    """How many code points the gram starting at each position has, for every complete gram."""
    cumulative = np.concatenate(([0], np.cumsum(char_weights(codes))))
    ends = np.searchsorted(cumulative, cumulative[:-1] + gram_weight, side="left")
    complete = int(np.searchsorted(ends, len(codes), side="right"))  # ends never decrease
    return ends[:complete] - np.arange(complete)


def gram_hashes(codes: np.ndarray, gram_weight: int = GRAM_WEIGHT) -> np.ndarray:
    """The int64 hash of every complete gram of ``codes``, by start position."""
    lengths = gram_lengths(codes, gram_weight)
    count = len(lengths)
    if count == 0:
        return np.zeros(0, dtype=np.int64)
    mixed = _mix64(np.concatenate([codes, np.zeros(gram_weight, dtype=codes.dtype)]).astype(np.uint64))
    acc = np.zeros(count, dtype=np.uint64)
    for offset in range(int(lengths.max())):
        acc = np.where(offset < lengths, acc * _MULTIPLIER + mixed[offset : offset + count], acc)
    return _mix64(acc).view(np.int64)


def winnow(hashes: np.ndarray, window: int = WINDOW_GRAMS) -> np.ndarray:
    """Indexes of the grams robust winnowing selects, increasing, each once."""
    if len(hashes) == 0:
        return np.zeros(0, dtype=np.intp)
    if len(hashes) < window:  # one short window: its rightmost minimum
        window = len(hashes)
    windows = sliding_window_view(hashes, window)
    from_right = np.argmin(windows[:, ::-1], axis=1)
    chosen = np.arange(len(windows)) + (window - 1 - from_right)
    first_time = np.ones(len(chosen), dtype=bool)
    first_time[1:] = chosen[1:] != chosen[:-1]
    return chosen[first_time]
