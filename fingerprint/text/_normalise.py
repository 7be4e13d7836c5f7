"""Matching normalisation: the text that fingerprints are computed on and passages point into.

``normalise_for_matching`` folds away what a copier changes for free: Unicode compatibility forms
(fullwidth letters and digits, halfwidth katakana, ligatures), case, traditional Chinese
characters (folded to simplified, one character to one: ``fingerprint.text._script``), punctuation
and symbols (ASCII or CJK), and runs of whitespace or line endings. Letters, digits and combining
marks of every script are kept. Punctuation and symbols become a space, invisible format characters
(zero-width space, soft hyphen, byte-order mark) are deleted, and runs of spaces collapse to one.

>>> normalise_for_matching("Ｈｅｌｌｏ,\\r\\n  WORLD!  ")
'hello world'
>>> normalise_for_matching("清川至云岭高速铁路，正式开通。")
'清川至云岭高速铁路 正式开通'
>>> normalise_for_matching("清川至雲嶺高速鐵路，正式開通。")  # the same in traditional characters
'清川至云岭高速铁路 正式开通'

Fingerprints skip the spaces (``dense_codepoints``), so "fire-fighter", "fire fighter" and
"firefighter" hash alike, and so does Chinese text with or without hard line breaks.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterator

import numpy as np

from fingerprint.text._script import fold_codes

_SPACE = ord(" ")
_MAX_ROUNDS = 4
_PLANE = 1 << 16

# What happens to a code point: kept, deleted or turned into a word break (a space).
_KEEP, _DELETE, _BREAK = 0, 1, 2


def _action_of(codepoint: int) -> int:
    if 0xD800 <= codepoint <= 0xDFFF:  # a lone surrogate (never in decoded UTF-8): a word break
        return _BREAK
    category = unicodedata.category(chr(codepoint))
    if category[0] in "LNM":  # letters, numbers, combining marks: kept
        return _KEEP
    if category == "Cf":  # invisible format characters: deleted
        return _DELETE
    return _BREAK  # punctuation, symbols, separators, controls


class _Actions:
    """The action of every code point, built a plane of 65,536 code points at a time when a text
    first reaches it (about 20 ms a plane), then looked up with numpy for a whole text."""

    def __init__(self) -> None:
        self._table = np.zeros(0, dtype=np.uint8)

    def of(self, codes: np.ndarray) -> np.ndarray:
        highest = int(codes.max()) if len(codes) else 0
        while len(self._table) <= highest:
            base = len(self._table)
            plane = np.fromiter(map(_action_of, range(base, base + _PLANE)), dtype=np.uint8, count=_PLANE)
            self._table = np.concatenate([self._table, plane])
        return self._table[codes]


_ACTIONS = _Actions()


def _normalise_once(text: str) -> str:
    folded = unicodedata.normalize("NFKC", unicodedata.normalize("NFKC", text).casefold())
    codes = fold_codes(np.frombuffer(folded.encode("utf-32-le", "surrogatepass"), dtype="<u4"))
    actions = _ACTIONS.of(codes)
    if bool(np.any(actions == _DELETE)):
        kept = actions != _DELETE
        codes, actions = codes[kept], actions[kept]
    breaks = actions == _BREAK
    # a break after a break (or at the start) goes, then one left at the end: single spaces between words
    redundant = breaks.copy()
    redundant[1:] &= breaks[:-1]
    codes = np.where(breaks, np.uint32(_SPACE), codes)[~redundant]
    if len(codes) and codes[-1] == _SPACE:
        codes = codes[:-1]
    return codes.astype("<u4").tobytes().decode("utf-32-le", "surrogatepass")


PIECE_CHARS = 1 << 20
"""A longer text is normalised a piece of about this many characters at a time (memory)."""


def normalise_for_matching(text: str) -> str:
    """NFKC, casefold, punctuation and symbols to spaces, whitespace collapsed, ends stripped.

    Idempotent: dropping a character can let NFKC recompose its neighbours (or casefold undo
    NFKC), so the fold is repeated while the result is not both NFKC and casefolded; the result
    then holds only kept characters and single spaces, which a further round leaves alone.
    Character classes come from a table of every code point (see ``_Actions``): a few numpy
    passes over the text instead of a dictionary look-up per character. A long text is cut into
    pieces just before a space or a line break: either is a starter that composes with nothing
    and casefolds to itself, and becomes the single space between the pieces' results, so
    normalising piece by piece gives the same text in memory bounded by the piece.
    """
    if len(text) <= PIECE_CHARS:
        return _normalise_piece(text)
    return " ".join(filter(None, map(_normalise_piece, _pieces(text, PIECE_CHARS))))


def _pieces(text: str, size: int) -> Iterator[str]:
    """``text`` in consecutive pieces of about ``size`` characters, each cut just before a space or
    a line break (a piece runs on to the next one when there is none within ``size``)."""
    start = 0
    while len(text) - start > size:
        cut = max(text.rfind(" ", start + 1, start + size), text.rfind("\n", start + 1, start + size))
        if cut == -1:  # no break within the piece: the next one after it
            later = [i for i in (text.find(" ", start + size), text.find("\n", start + size)) if i != -1]
            if not later:
                break
            cut = min(later)
        yield text[start:cut]
        start = cut
    yield text[start:]


def _normalise_piece(text: str) -> str:
    current = _normalise_once(text)
    for _ in range(_MAX_ROUNDS):
        if unicodedata.is_normalized("NFKC", current) and current.casefold() == current:
            break
        current = _normalise_once(current)
    return current


def dense_codepoints(normalised: str) -> tuple[np.ndarray, np.ndarray]:
    """The code points of ``normalised`` without its spaces, and the offset of each one in it.

    Returns ``(codes, offsets)``: ``codes`` as ``uint32``, ``offsets`` as ``int64`` indexes into
    ``normalised``, so that ``normalised[offsets[i]] == chr(codes[i])``.
    """
    everything = np.frombuffer(normalised.encode("utf-32-le"), dtype="<u4")
    keep = everything != _SPACE
    return everything[keep], np.flatnonzero(keep)
