"""Matching normalisation: the text that fingerprints are computed on and passages point into.

``normalise_for_matching`` folds away what a copier changes for free: Unicode compatibility forms
(fullwidth letters and digits, ligatures), case, punctuation and symbols (ASCII or CJK), and runs of
whitespace or line endings. Letters, digits and combining marks of every script are kept, so Chinese
characters survive unchanged. Punctuation and symbols become a space, invisible format characters
(zero-width space, soft hyphen, byte-order mark) are deleted, and runs of spaces collapse to one.

>>> normalise_for_matching("Ｈｅｌｌｏ,\\r\\n  WORLD!  ")
'hello world'
>>> normalise_for_matching("清川至云岭高速铁路，正式开通。")
'清川至云岭高速铁路 正式开通'

Fingerprints skip the spaces (``dense_codepoints``), so "fire-fighter", "fire fighter" and
"firefighter" hash alike, and so does Chinese text with or without hard line breaks.
"""

from __future__ import annotations

import re
import unicodedata

import numpy as np

_SPACE = ord(" ")
_MAX_ROUNDS = 4
_SPACE_RUNS = re.compile(" {2,}")  # after the table, a space is the only whitespace left


class _CharClasses(dict):
    """A ``str.translate`` table filled on demand: keep, delete or turn into a space."""

    def __missing__(self, codepoint: int) -> int | str | None:
        category = unicodedata.category(chr(codepoint))
        if category[0] in "LNM":  # letters, numbers, combining marks: kept
            value: int | str | None = codepoint
        elif category == "Cf":  # invisible format characters: deleted
            value = None
        else:  # punctuation, symbols, separators, controls: a word break
            value = " "
        self[codepoint] = value
        return value


_CHAR_CLASSES = _CharClasses()


def _normalise_once(text: str) -> str:
    folded = unicodedata.normalize("NFKC", unicodedata.normalize("NFKC", text).casefold())
    return _SPACE_RUNS.sub(" ", folded.translate(_CHAR_CLASSES)).strip(" ")  # = " ".join(....split())


def normalise_for_matching(text: str) -> str:
    """NFKC, casefold, punctuation and symbols to spaces, whitespace collapsed, ends stripped.

    Idempotent: dropping a character can let NFKC recompose its neighbours (or casefold undo
    NFKC), so the fold is repeated while the result is not both NFKC and casefolded; the result
    then holds only kept characters and single spaces, which a further round leaves alone.
    """
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
