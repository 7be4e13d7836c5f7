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


BLOCK_GRAMS = 1 << 16
"""Windows winnowed together by ``winnowed_grams``: memory stays a few MB whatever the text's size."""


def _mix64(values: np.ndarray) -> np.ndarray:
    """splitmix64's finaliser on a ``uint64`` array (wrapping arithmetic, no warnings on arrays)."""
    x = values + _GOLDEN
    x ^= x >> np.uint64(30)
    x *= _MIX1
    x ^= x >> np.uint64(27)
    x *= _MIX2
    x ^= x >> np.uint64(31)
    return x


def _wide_table() -> np.ndarray:
    table = np.zeros(1 << 16, dtype=bool)
    for first, last in WIDE_RANGES:
        if first < len(table):
            table[first : min(last, len(table) - 1) + 1] = True
    return table


_WIDE_BMP = _wide_table()  # which code points below 0x10000 are wide
_ASTRAL_WIDE = [(first, last) for first, last in WIDE_RANGES if first >= len(_WIDE_BMP)]


def char_weights(codes: np.ndarray) -> np.ndarray:
    """The weight of every code point: ``WIDE_CHAR_WEIGHT`` in ``WIDE_RANGES``, else 1."""
    wide = _WIDE_BMP[np.minimum(codes, len(_WIDE_BMP) - 1)]
    if len(codes) and int(codes.max()) >= len(_WIDE_BMP):
        for first, last in _ASTRAL_WIDE:
            wide |= (codes >= first) & (codes <= last)
    return np.where(wide, WIDE_CHAR_WEIGHT, 1)


def gram_lengths(codes: np.ndarray, gram_weight: int = GRAM_WEIGHT) -> np.ndarray:
    """How many code points the gram starting at each position has, for every complete gram."""
    if len(codes) == 0 or int(codes.max()) < WIDE_RANGES[0][0]:  # nothing wide: every gram is gram_weight long
        return np.full(max(0, len(codes) - gram_weight + 1), gram_weight, dtype=np.intp)
    # weight of the run of n code points from each start (past the end: nothing more), for n from
    # the shortest gram up: the gram is the first run that reaches gram_weight, and runs only grow
    cumulative = np.concatenate(([0], np.cumsum(char_weights(codes))))
    cumulative = np.concatenate((cumulative, np.repeat(cumulative[-1], gram_weight)))
    starts = cumulative[: len(codes)]
    complete = int(np.count_nonzero(cumulative[gram_weight : gram_weight + len(codes)] - starts >= gram_weight))
    lengths = np.full(complete, gram_weight, dtype=np.intp)
    for n in range(-(-gram_weight // WIDE_CHAR_WEIGHT), gram_weight):  # each shorter run that is heavy enough makes the gram shorter
        lengths -= cumulative[n : n + complete] - starts[:complete] >= gram_weight
    return lengths


def gram_hashes(codes: np.ndarray, gram_weight: int = GRAM_WEIGHT) -> np.ndarray:
    """The int64 hash of every complete gram of ``codes``, by start position."""
    lengths = gram_lengths(codes, gram_weight)
    count = len(lengths)
    if count == 0:
        return np.zeros(0, dtype=np.int64)
    mixed = _mix64(np.concatenate([codes, np.zeros(gram_weight, dtype=codes.dtype)]).astype(np.uint64))
    acc = mixed[:count].copy()  # every gram has at least one code point
    shortest = int(lengths.min())
    for offset in range(1, int(lengths.max())):
        if offset < shortest:  # every gram is still growing
            acc *= _MULTIPLIER
            acc += mixed[offset : offset + count]
        else:
            growing = offset < lengths
            np.multiply(acc, _MULTIPLIER, out=acc, where=growing)
            np.add(acc, mixed[offset : offset + count], out=acc, where=growing)
    return _mix64(acc).view(np.int64)


def _rightmost_minima(hashes: np.ndarray, window: int, count: int) -> np.ndarray:
    """For each of the first ``count`` windows, the index of its rightmost minimum."""
    minima = hashes[: count + window - 1]
    span = 1
    while span < window:  # minima of 2, 4, ... then exactly ``window`` consecutive hashes
        step = min(span, window - span)
        minima = np.minimum(minima[:-step], minima[step:])
        span += step
    minima = minima[:count]
    offset = np.zeros(count, dtype=np.intp)
    for k in range(1, window):  # the last k that holds the minimum wins
        offset[hashes[k : k + count] == minima] = k
    return np.arange(count) + offset


def _once(chosen: np.ndarray, after: int = -1) -> np.ndarray:
    """``chosen`` (non-decreasing) without repeats and without anything up to ``after``."""
    first_time = np.ones(len(chosen), dtype=bool)
    first_time[1:] = chosen[1:] != chosen[:-1]
    return chosen[first_time & (chosen > after)]


def winnow(hashes: np.ndarray, window: int = WINDOW_GRAMS) -> np.ndarray:
    """Indexes of the grams robust winnowing selects, increasing, each once."""
    if len(hashes) == 0:
        return np.zeros(0, dtype=np.intp)
    if len(hashes) < window:  # one short window: its rightmost minimum
        window = len(hashes)
    return _once(_rightmost_minima(hashes, window, len(hashes) - window + 1))


def winnowed_grams(
    codes: np.ndarray, gram_weight: int = GRAM_WEIGHT, window: int = WINDOW_GRAMS
) -> tuple[np.ndarray, np.ndarray]:
    """``(hashes, starts)`` of the grams winnowing selects: ``winnow(gram_hashes(codes))``, by blocks.

    Block by block of ``BLOCK_GRAMS`` windows, each block hashing only the grams its windows hold
    (a gram is at most ``gram_weight`` code points), so the result is the same as for the whole
    text at once in memory bounded by the block.
    """
    needed = BLOCK_GRAMS + window - 1 + gram_weight  # code points that hold a block's grams
    if len(codes) <= needed:
        hashes = gram_hashes(codes, gram_weight)
        selected = winnow(hashes, window)
        return hashes[selected], selected
    found_hashes, found_starts, last = [], [], -1
    for start in range(0, len(codes), BLOCK_GRAMS):
        hashes = gram_hashes(codes[start : start + needed], gram_weight)[: BLOCK_GRAMS + window - 1]
        count = min(BLOCK_GRAMS, len(hashes) - window + 1)
        if count <= 0:
            break
        selected = _once(_rightmost_minima(hashes, window, count), last - start)
        found_hashes.append(hashes[selected])
        found_starts.append(selected + start)
        last = int(found_starts[-1][-1]) if len(selected) else last
    return np.concatenate(found_hashes), np.concatenate(found_starts)
