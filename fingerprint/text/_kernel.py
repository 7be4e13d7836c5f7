"""The loops a text fingerprint spends its time in, compiled with numba (LLVM; ADR 13).

``expanded`` applies a code point table (compatibility decompositions, casefold) for
``_normalise``; ``fold_and_break`` is one round of matching normalisation after NFKC and casefold (traditional to
simplified, then each code point kept, deleted or made a word break, breaks collapsed to single
spaces); ``winnowed_starts`` forms the grams of a normalised text with its spaces skipped, hashes
them and winnows them in the same pass. Each is a single loop over the text: no intermediate
array per step and no per-call cost of a dozen numpy operations, which is what a 2 KB article
spent most of its time on. The numpy functions of ``_winnow`` remain the definition: the tests
check these kernels against them on every kind of text (``tests/fingerprint/test_text_kernel.py``).

Compiled on first use (about 5 s, once after an install) and cached beside this file
(``__pycache__``), or in numba's user-wide cache where that is not writable; a later process
loads them in about 0.4 s the first time it fingerprints text. They release the GIL.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from fingerprint.text._winnow import WIDE_RANGES

_FIRST_WIDE = min(first for first, _ in WIDE_RANGES)

KEEP, DELETE, BREAK = 0, 1, 2  # what happens to a code point: the values of ``_normalise``'s actions table
SPACE = 32

_GOLDEN = np.uint64(0x9E3779B97F4A7C15)
_MIX1 = np.uint64(0xBF58476D1CE4E5B9)
_MIX2 = np.uint64(0x94D049BB133111EB)
_MULTIPLIER = np.uint64(0x100000001B3)
_S30, _S27, _S31 = np.uint64(30), np.uint64(27), np.uint64(31)


@njit(cache=True, nogil=True)
def fold_and_break(codes, fold, actions, marks):  # type: ignore[no-untyped-def]
    """``codes`` folded by ``fold`` (code point -> folded, for those below its length), then
    deleted, kept or turned into a space by ``actions`` (which must cover every folded code
    point); no space at the start, at the end or after another. Returns the result, of the type
    of ``codes`` (uint8 for ASCII text: ``fold`` must then map into ASCII), and whether each of its
    code points is below ``len(marks)`` and marked there."""
    out = np.empty(len(codes), codes.dtype)
    n = 0
    folded_below, marked_below = len(fold), len(marks)
    unmarked = 0
    for i in range(len(codes)):
        code = codes[i]
        if code < folded_below:
            code = fold[code]
        action = actions[code]
        if action == DELETE:
            continue
        if action == BREAK:
            if n == 0 or out[n - 1] == SPACE:
                continue
            code = SPACE
        elif code >= marked_below or not marks[code]:
            unmarked += 1
        out[n] = code
        n += 1
    if n and out[n - 1] == SPACE:
        n -= 1
    return out[:n], unmarked == 0


@njit(cache=True, nogil=True)
def expanded(codes, table, lengths, marks):  # type: ignore[no-untyped-def]
    """Each code point of ``codes`` below ``len(table)`` replaced by the first ``lengths[code]``
    entries of ``table[code]`` (a 2-D table: a code point becomes up to its width), the others
    kept; whether every code point of the result is below ``len(marks)`` and marked there; and the
    highest code point of the result."""
    out = np.empty(len(codes) * table.shape[1], np.uint32)
    n = 0
    unmarked = 0
    highest = np.uint32(0)
    below, marked_below = len(table), len(marks)
    for i in range(len(codes)):
        code = codes[i]
        width = lengths[code] if code < below else 0
        if width == 0:  # beyond the table: as it is
            out[n] = code
            n += 1
            highest = max(highest, code)
            if code >= marked_below or not marks[code]:
                unmarked += 1
        for k in range(width):
            value = table[code, k]
            out[n] = value
            n += 1
            highest = max(highest, value)
            if value >= marked_below or not marks[value]:
                unmarked += 1
    return out[:n], unmarked == 0, highest


@njit(cache=True, inline="always")
def _mix64(x):  # type: ignore[no-untyped-def]
    x = x + _GOLDEN
    x = (x ^ (x >> _S30)) * _MIX1
    x = (x ^ (x >> _S27)) * _MIX2
    return x ^ (x >> _S31)


@njit(cache=True, inline="always")
def _is_wide(code):  # type: ignore[no-untyped-def]
    """In ``_winnow.WIDE_RANGES`` (a constant tuple to numba: the loop is unrolled); below the first
    range (Latin, Greek, Cyrillic, ...) one comparison."""
    if code < _FIRST_WIDE:
        return False
    for first, last in WIDE_RANGES:
        if first <= code <= last:
            return True
    return False


CHUNK = 1 << 16
"""Code points winnowed a call at a time: the output buffers hold a chunk's grams, so memory stays
about 1 MB beside the result whatever the text's length."""


def winnowed_starts(codes: np.ndarray, gram_weight: int, wide_weight: int, window: int) -> tuple[np.ndarray, np.ndarray, int]:
    """``(hashes, starts, dense)`` of a normalised text given as code points: the hash (int64) and
    the offset in ``codes`` of every gram robust winnowing selects, in order, each once, and how
    many code points are not spaces. The same as ``_winnow.winnowed_grams`` of the text without
    its spaces, with each start mapped back to where that code point is in ``codes``.

    One pass (``_winnow_more``), in one compiled call for a text of up to ``CHUNK`` code points,
    else a chunk a call. The code points of the gram being formed sit in a ring of at least
    ``gram_weight`` slots (the longest a gram can be) with their mixed values; its polynomial hash
    is rolled: a code point joins as ``acc * M + mix``, the first leaves as
    ``acc - mix * M**(length - 1)``, exactly the defining sum modulo 2**64. Each gram ends at the
    first code point that brings its weight to ``gram_weight``; the window's rightmost minimum is
    rescanned only when it leaves the window. Rings are powers of two, indexed with a mask.
    """
    if len(codes) <= CHUNK:
        if len(codes) == 0 or int(codes.max()) < _FIRST_WIDE:  # no wide code point: every gram is as long
            return _winnow_narrow(codes, gram_weight, window, _mixed_table())
        return _winnow_whole(codes, gram_weight, wide_weight, window)
    state, acc, rings = _fresh_state(gram_weight, window)
    hashes, starts = np.empty(CHUNK + gram_weight, np.int64), np.empty(CHUNK + gram_weight, np.int64)
    found_hashes, found_starts, dense = [], [], 0
    for base in range(0, len(codes), CHUNK):
        count, chunk_dense = _winnow_more(codes[base : base + CHUNK], base, gram_weight, wide_weight, window,
                                          state, acc, *rings, hashes, starts)
        found_hashes.append(hashes[:count].copy())
        found_starts.append(starts[:count].copy())
        dense += chunk_dense
    return np.concatenate(found_hashes), np.concatenate(found_starts), dense  # more grams than a window


@njit(cache=True, nogil=True)
def _fresh_state(gram_weight, window):  # type: ignore[no-untyped-def]
    """The state of a winnowing that has seen nothing: (first, joined, weight, grams, lowest), the
    rolled hash, and the rings (mixed values, weights and offsets of the gram's code points;
    hashes and starts of the window's grams)."""
    ring, window_ring = _power_of_two_at_least(gram_weight), _power_of_two_at_least(window)
    state = np.array([0, 0, 0, 0, -1], dtype=np.int64)
    rings = (np.empty(ring, np.uint64), np.empty(ring, np.int64), np.empty(ring, np.int64),
             np.empty(window_ring, np.int64), np.empty(window_ring, np.int64))
    return state, np.zeros(1, dtype=np.uint64), rings


@njit(cache=True, nogil=True)
def _winnow_whole(codes, gram_weight, wide_weight, window):  # type: ignore[no-untyped-def]
    state, acc, rings = _fresh_state(gram_weight, window)
    hashes, starts = np.empty(len(codes) + gram_weight, np.int64), np.empty(len(codes) + gram_weight, np.int64)
    count, dense = _winnow_more(codes, 0, gram_weight, wide_weight, window, state, acc,
                                rings[0], rings[1], rings[2], rings[3], rings[4], hashes, starts)
    grams = state[3]
    if 0 < grams < window:
        count = _short_window(rings[3], rings[4], grams, hashes, starts)
    return hashes[:count].copy(), starts[:count].copy(), dense


@njit(cache=True, inline="always")
def _window_minimum(window_hash, window_mask, window, grams, lowest, value):  # type: ignore[no-untyped-def]
    """Robust winnowing's step once gram ``grams - 1`` (hash ``value``) joined a full window:
    ``(lowest, moved)``, the window's rightmost minimum and whether it is another gram than before
    (then that gram is selected). The minimum is rescanned only when it left the window."""
    oldest = grams - window
    if lowest >= oldest and value <= window_hash[lowest & window_mask]:
        return grams - 1, True
    if lowest < oldest:  # the minimum left the window: find the new rightmost one
        lowest = oldest
        for k in range(oldest + 1, grams):
            if window_hash[k & window_mask] <= window_hash[lowest & window_mask]:
                lowest = k
        return lowest, True
    return lowest, False


@njit(cache=True, inline="always")
def _short_window(window_hash, window_start, grams, hashes, starts):  # type: ignore[no-untyped-def]
    """A text of fewer grams than a window: its one short window's rightmost minimum, selected as
    the only gram (written at 0); returns the count, 1."""
    lowest = 0
    for k in range(1, grams):
        if window_hash[k] <= window_hash[lowest]:
            lowest = k
    hashes[0], starts[0] = window_hash[lowest], window_start[lowest]
    return 1


_MIXED_TABLE: list[np.ndarray] = []


def _mixed_table() -> np.ndarray:
    """``_mix64`` of every code point below the first wide one (computed by the kernel itself, once)."""
    if not _MIXED_TABLE:
        _MIXED_TABLE.append(_mixes(np.arange(_FIRST_WIDE, dtype=np.uint64)))
    return _MIXED_TABLE[0]


@njit(cache=True, nogil=True)
def _mixes(codes):  # type: ignore[no-untyped-def]
    out = np.empty(len(codes), np.uint64)
    for i in range(len(codes)):
        out[i] = _mix64(codes[i])
    return out


@njit(cache=True, nogil=True)
def _winnow_narrow(codes, gram_weight, window, mixed_of):  # type: ignore[no-untyped-def]
    """``_winnow_whole`` for a text with no wide code point (every code point below ``_FIRST_WIDE``,
    weight 1): each gram is ``gram_weight`` code points, so the rolled hash drops its first code
    point with one constant power, no weights are kept, and a code point's mixed value is looked
    up (``mixed_of``). The same grams, hashes and choices as the general loop (tested)."""
    ring, window_ring = _power_of_two_at_least(gram_weight), _power_of_two_at_least(window)
    mask, window_mask = ring - 1, window_ring - 1
    mixed, offsets = np.empty(ring, np.uint64), np.empty(ring, np.int64)
    window_hash, window_start = np.empty(window_ring, np.int64), np.empty(window_ring, np.int64)
    hashes, starts = np.empty(len(codes) + 1, np.int64), np.empty(len(codes) + 1, np.int64)
    leaving_power = np.uint64(1)
    for _ in range(gram_weight - 1):
        leaving_power = leaving_power * _MULTIPLIER
    acc = np.uint64(0)
    first = joined = grams = count = dense = 0
    lowest = -1
    for i in range(len(codes)):
        code = codes[i]
        if code == SPACE:
            continue
        dense += 1
        slot = joined & mask
        value_in = mixed_of[code]
        mixed[slot] = value_in
        offsets[slot] = i
        acc = acc * _MULTIPLIER + value_in
        joined += 1
        if joined - first < gram_weight:
            continue
        value = np.int64(_mix64(acc))  # the gram from ``first`` ends here
        leaving = first & mask
        window_hash[grams & window_mask] = value
        window_start[grams & window_mask] = offsets[leaving]
        grams += 1
        acc -= mixed[leaving] * leaving_power
        first += 1
        if grams < window:
            continue
        lowest, moved = _window_minimum(window_hash, window_mask, window, grams, lowest, value)
        if moved:
            hashes[count] = window_hash[lowest & window_mask]
            starts[count] = window_start[lowest & window_mask]
            count += 1
    if 0 < grams < window:
        count = _short_window(window_hash, window_start, grams, hashes, starts)
    return hashes[:count].copy(), starts[:count].copy(), dense


@njit(cache=True, nogil=True)
def _winnow_more(codes, base, gram_weight, wide_weight, window, state, acc_box,  # type: ignore[no-untyped-def]
                 mixed, weights, offsets, window_hash, window_start, hashes, starts):
    """Winnow on through ``codes`` (the text's code points from offset ``base``), carrying the gram
    being formed and the window in ``state``, ``acc_box`` and the rings; the selected grams go to
    ``hashes`` and ``starts`` (room for ``len(codes) + gram_weight``: no more grams can end here).
    Returns how many were selected and how many code points were not spaces."""
    first, joined, weight, grams, lowest = state[0], state[1], state[2], state[3], state[4]
    acc = acc_box[0]
    mask, window_mask = len(mixed) - 1, len(window_hash) - 1
    powers = np.empty(gram_weight + 1, np.uint64)  # M**k modulo 2**64
    powers[0] = np.uint64(1)
    for k in range(1, gram_weight + 1):
        powers[k] = powers[k - 1] * _MULTIPLIER
    count = dense = 0
    for i in range(len(codes)):
        code = codes[i]
        if code == SPACE:
            continue
        dense += 1
        slot = joined & mask
        mixed[slot] = _mix64(np.uint64(code))
        weights[slot] = wide_weight if _is_wide(code) else 1
        offsets[slot] = base + i
        acc = acc * _MULTIPLIER + mixed[slot]
        weight += weights[slot]
        joined += 1
        while weight >= gram_weight:  # the gram from ``first`` ends here; so may the next one
            value = np.int64(_mix64(acc))
            leaving = first & mask
            window_hash[grams & window_mask] = value
            window_start[grams & window_mask] = offsets[leaving]
            grams += 1
            acc -= mixed[leaving] * powers[joined - first - 1]
            weight -= weights[leaving]
            first += 1
            if grams < window:
                continue
            lowest, moved = _window_minimum(window_hash, window_mask, window, grams, lowest, value)
            if moved:
                hashes[count] = window_hash[lowest & window_mask]
                starts[count] = window_start[lowest & window_mask]
                count += 1
    state[0], state[1], state[2], state[3], state[4] = first, joined, weight, grams, lowest
    acc_box[0] = acc
    return count, dense


@njit(cache=True)
def _power_of_two_at_least(n):  # type: ignore[no-untyped-def]
    size = 1
    while size < n:
        size *= 2
    return size


@njit(cache=True, nogil=True)
def varint_gaps(positions):  # type: ignore[no-untyped-def]
    """``positions`` (non-negative, increasing int64) as LEB128 varints of their gaps (the first
    from 0): 7 bits a byte, low bits first, the high bit set on every byte but a number's last."""
    out = np.empty(len(positions) * 10, np.uint8)
    n = 0
    previous = 0
    for i in range(len(positions)):
        gap = positions[i] - previous
        previous = positions[i]
        while gap >= 0x80:
            out[n] = (gap & 0x7F) | 0x80
            gap >>= 7
            n += 1
        out[n] = gap
        n += 1
    return out[:n].copy()


@njit(cache=True, nogil=True)
def positions_of_varint_gaps(data, count, most_bytes):  # type: ignore[no-untyped-def]
    """Read ``count`` varint gaps from ``data`` (uint8) back into positions. Returns
    ``(positions, used)``: ``used`` is how many bytes they took, or -1 when ``data`` ends inside
    them or a number runs past ``most_bytes`` bytes."""
    positions = np.empty(count, np.int64)
    n = 0
    position = 0
    for i in range(count):
        gap = 0
        shift = 0
        while True:
            if n == len(data) or shift == 7 * most_bytes:
                return positions, -1
            byte = data[n]
            n += 1
            gap |= np.int64(byte & 0x7F) << shift
            shift += 7
            if byte < 0x80:
                break
        position += gap
        positions[i] = position
    return positions, n
