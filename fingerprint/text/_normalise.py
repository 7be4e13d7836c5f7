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

import threading
import unicodedata
from collections.abc import Iterator
from functools import lru_cache

import numpy as np

from fingerprint.text._kernel import BREAK, DELETE, KEEP, expanded, fold_and_break
from fingerprint.text._script import fold_codes, fold_table

_SPACE = ord(" ")
_MAX_ROUNDS = 4
_PLANE = 1 << 16


def _action_of(codepoint: int) -> int:
    if 0xD800 <= codepoint <= 0xDFFF:  # a lone surrogate (never in decoded UTF-8): a word break
        return BREAK
    category = unicodedata.category(chr(codepoint))
    if category[0] in "LNM":  # letters, numbers, combining marks: kept
        return KEEP
    if category == "Cf":  # invisible format characters: deleted
        return DELETE
    return BREAK  # punctuation, symbols, separators, controls


class _Actions:
    """The action of every code point, built a plane of 65,536 code points at a time when a text
    first reaches it (about 20 ms a plane), then looked up with numpy for a whole text."""

    def __init__(self) -> None:
        self._table = np.zeros(0, dtype=np.uint8)
        self._growing = threading.Lock()

    def of(self, codes: np.ndarray) -> np.ndarray:
        return self.covering(int(codes.max()) if len(codes) else 0)[codes]

    def covering(self, highest: int) -> np.ndarray:
        """The table, grown to hold ``highest`` (one thread at a time: two growing it at once
        would each append the same plane)."""
        table = self._table
        if len(table) > highest:
            return table
        with self._growing:
            while len(self._table) <= highest:
                base = len(self._table)
                plane = np.fromiter(map(_action_of, range(base, base + _PLANE)), dtype=np.uint8, count=_PLANE)
                self._table = np.concatenate([self._table, plane])
            return self._table


_ACTIONS = _Actions()


def _normalise_once(text: str) -> tuple[np.ndarray, bool]:
    """One round: NFKC, casefold, NFKC, then ``fold_and_break``: the result's code points (uint8 for
    an ASCII text, else uint32; `_text_of_result` makes them a string), and whether they are all
    stable (``_inert_and_stable``: a further round would change nothing).

    The same as ``unicodedata.normalize("NFKC", unicodedata.normalize("NFKC", text).casefold())``
    then the fold, made faster where CPython is slow: one-code-point compatibility decompositions
    are applied first (``_singleton_decompositions``), and casefolding below U+10000 goes by a
    table (``_casefold_table``: ``str.casefold`` folds each code point alone, so the table gives
    the same string), a compiled pass instead of CPython's per-character look-up for non-ASCII
    strings (25 us for a 3,400-character English article with one accented letter).
    """
    if text.isascii():  # NFKC leaves ASCII as it is and casefolds it to lower case: one compiled pass
        codes, _ = fold_and_break(np.frombuffer(text.encode("ascii"), dtype=np.uint8), _ASCII_LOWER,
                                  _ACTIONS.covering(0x7F), _NO_MARKS)
        # lower-case letters, digits and single spaces: a further round changes nothing
        return codes, True
    inert, _ = _inert_and_stable()
    codes, normalised, highest = expanded(_code_points(text), *_singleton_decompositions(), inert)
    if not normalised:
        codes = _nfkc(codes)
        highest = int(codes.max())
    if highest < _PLANE:
        table, lengths = _casefold_table()
        codes, normalised, highest = expanded(codes, table, lengths, inert)
    else:
        codes, normalised = _code_points(_text_of(codes).casefold()), False
    if not normalised:
        codes = _nfkc(codes)
        highest = int(codes.max()) if len(codes) else 0
    highest = int(highest)
    lowest_folded, highest_folded = _fold_reach()
    if highest >= lowest_folded:  # folding may reach a code point above the text's own
        highest = max(highest, highest_folded)
    actions = _ACTIONS.covering(highest)
    normalised, stable = fold_and_break(codes, fold_table(), actions, _inert_and_stable()[1])
    return normalised, stable


def _text_of_result(codes: np.ndarray) -> str:
    """The string of a round's code points (ASCII bytes or UTF-32)."""
    return codes.tobytes().decode("ascii") if codes.dtype == np.uint8 else _text_of(codes)


def _text_of(codes: np.ndarray) -> str:
    return codes.astype("<u4", copy=False).tobytes().decode("utf-32-le", "surrogatepass")


def _code_points(text: str) -> np.ndarray:
    return np.frombuffer(text.encode("utf-32-le", "surrogatepass"), dtype="<u4")


def _nfkc(codes: np.ndarray) -> np.ndarray:
    """``codes`` in NFKC (CPython's quick check first: most text already is)."""
    text = _text_of(codes)
    return codes if unicodedata.is_normalized("NFKC", text) else _code_points(unicodedata.normalize("NFKC", text))


@lru_cache(maxsize=1)
def _casefold_table() -> tuple[np.ndarray, np.ndarray]:
    """``str.casefold`` of every code point below U+10000: up to 3 code points each, and how many."""
    table = np.zeros((_PLANE, 3), dtype=np.uint32)
    table[:, 0] = np.arange(_PLANE, dtype=np.uint32)
    lengths = np.ones(_PLANE, dtype=np.uint8)
    for code in range(0x41, _PLANE):
        folded = chr(code).casefold()
        if folded != chr(code):
            table[code, : len(folded)] = [ord(c) for c in folded]
            lengths[code] = len(folded)
    return table, lengths


@lru_cache(maxsize=1)
def _singleton_decompositions() -> tuple[np.ndarray, np.ndarray]:
    """Every code point below U+10000 mapped to its compatibility decomposition (NFKD) where that is
    one code point (a fullwidth comma to a comma, the ideographic space to a space, a compatibility
    ideograph to the unified one), else to itself: a table of one column for ``expanded``, and its
    widths (all 1).

    NFKC is NFC of NFKD, and NFKD decomposes each code point alone, so replacing a code point by its
    decomposition first never changes NFKC's result; it lets NFKC's quick check pass over Chinese
    text with fullwidth punctuation, which otherwise takes CPython's full path: 140-380 us instead
    of 2 us for a 1,000-character article.
    """
    table = np.arange(_PLANE, dtype=np.uint32).reshape(_PLANE, 1)
    for code in range(0x80, _PLANE):
        decomposed = unicodedata.normalize("NFKD", chr(code))
        if len(decomposed) == 1 and decomposed != chr(code):
            table[code, 0] = ord(decomposed)
    return table, np.ones(_PLANE, dtype=np.uint8)


@lru_cache(maxsize=1)
def _fold_reach() -> tuple[int, int]:
    """The lowest code point the script fold changes, and the highest it gives."""
    table = fold_table()
    changed = np.flatnonzero(table != np.arange(len(table), dtype=table.dtype))
    return int(changed[0]), int(table.max())


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
    return normalised_codes(text)[0]


def normalised_codes(text: str) -> tuple[str, np.ndarray]:
    """``normalise_for_matching(text)`` and its code points (uint8 for an ASCII text, else uint32)."""
    if len(text) <= PIECE_CHARS:
        codes = _normalise_piece(text)
        return _text_of_result(codes), codes
    normalised = " ".join(filter(None, map(_text_of_result, map(_normalise_piece, _pieces(text, PIECE_CHARS)))))
    return normalised, np.frombuffer(normalised.encode("utf-32-le"), dtype="<u4")


def normalised_code_points(text: str) -> np.ndarray:
    """The code points of ``normalise_for_matching(text)`` (as `normalised_codes`), without making
    the string when one round settles it (a fingerprint needs only the code points and their count)."""
    return _normalise_piece(text) if len(text) <= PIECE_CHARS else normalised_codes(text)[1]


_ASCII_LOWER = np.arange(0x80, dtype=np.uint8)  # casefold (and NFKC) of ASCII: upper case to lower
_ASCII_LOWER[ord("A") : ord("Z") + 1] += ord("a") - ord("A")
_NO_MARKS = np.zeros(0, dtype=np.bool_)


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


def _normalise_piece(text: str) -> np.ndarray:
    codes, stable = _normalise_once(text)
    for _ in range(_MAX_ROUNDS):
        if stable:
            break
        current = _text_of_result(codes)
        if unicodedata.is_normalized("NFKC", current) and current.casefold() == current:
            break
        codes, stable = _normalise_once(current)
    return codes


@lru_cache(maxsize=1)
def _inert_and_stable() -> tuple[np.ndarray, np.ndarray]:
    """Two marks for each code point below U+10000 (built once, ~50 ms).

    *Inert*: a starter (combining class 0) that is its own NFKC and is not the second part of any
    canonical composition (nor a Hangul medial vowel or final consonant, which compose by
    algorithm): NFKC's quick check answers Yes for it in any company, so a string made only of
    inert code points is in NFKC and the check (a decode and a pass in Python) can be skipped.
    *Stable*: inert and its own casefold: a round leaves a result made only of these as it is.
    """
    seconds = set()
    for code in [*range(0x20000), *range(0x2F800, 0x2FA20)]:  # every canonical decomposition is here
        decomposition = unicodedata.decomposition(chr(code))
        if decomposition and not decomposition.startswith("<") and len(parts := decomposition.split()) == 2:
            seconds.add(int(parts[1], 16))
    seconds.update(range(0x1161, 0x1176))  # Hangul V
    seconds.update(range(0x11A8, 0x11C3))  # Hangul T
    inert = np.zeros(_PLANE, dtype=np.bool_)
    stable = np.zeros(_PLANE, dtype=np.bool_)
    for code in range(_PLANE):
        char = chr(code)
        if (0xD800 <= code <= 0xDFFF or code in seconds or unicodedata.combining(char)
                or unicodedata.normalize("NFKC", char) != char):
            continue
        inert[code] = True
        stable[code] = char.casefold() == char
    return inert, stable


def dense_codepoints(normalised: str) -> tuple[np.ndarray, np.ndarray]:
    """The code points of ``normalised`` without its spaces, and the offset of each one in it.

    Returns ``(codes, offsets)``: ``codes`` as ``uint32``, ``offsets`` as ``int64`` indexes into
    ``normalised``, so that ``normalised[offsets[i]] == chr(codes[i])``.
    """
    everything = np.frombuffer(normalised.encode("utf-32-le"), dtype="<u4")
    keep = everything != _SPACE
    return everything[keep], np.flatnonzero(keep)


def _fold_one(char: str) -> str:
    """One character as normalisation makes it on its own: folded, then kept, deleted or a space."""
    folded = unicodedata.normalize("NFKC", unicodedata.normalize("NFKC", char).casefold())
    codes = fold_codes(np.frombuffer(folded.encode("utf-32-le", "surrogatepass"), dtype="<u4"))
    actions = _ACTIONS.of(codes)
    return "".join(" " if action == BREAK else chr(code) for code, action in zip(codes.tolist(), actions.tolist())
                   if action != DELETE)


_ORIGIN_CHUNK = 1 << 20  # characters folded at a time: a 10 MiB article's origins stay tens of MB


def _normalised_chunks(text: str):  # type: ignore[no-untyped-def]
    """`normalised_origins` a chunk of `_ORIGIN_CHUNK` characters at a time: for each, the
    normalised code points (uint32) and the offset each came from (int32 while offsets fit), with
    spaces collapsed across chunk ends. The last chunk's trailing space is left for the caller."""
    dtype = np.int32 if len(text) < 2**31 - 1 else np.int64
    folds: dict[int, str] = {}
    after_space = True  # a space at the start goes
    for begin in range(0, len(text), _ORIGIN_CHUNK):
        codes = np.frombuffer(text[begin : begin + _ORIGIN_CHUNK].encode("utf-32-le", "surrogatepass"), dtype="<u4")
        distinct, inverse = np.unique(codes, return_inverse=True)
        pieces = [folds.get(code) or folds.setdefault(code, _fold_one(chr(code))) for code in distinct.tolist()]
        if all(len(piece) == 1 for piece in pieces):  # one to one: the common case, vectorised
            out = np.array([ord(piece) for piece in pieces], np.uint32)[inverse]
            origins = np.arange(begin, begin + len(codes), dtype=dtype)
        else:
            out = np.frombuffer("".join(pieces[i] for i in inverse.tolist()).encode("utf-32-le", "surrogatepass"),
                                dtype="<u4")
            lengths = np.array([len(piece) for piece in pieces], np.int32)[inverse]
            origins = np.repeat(np.arange(begin, begin + len(codes), dtype=dtype), lengths)
        del codes, inverse
        spaces = out == _SPACE
        redundant = spaces.copy()
        redundant[1:] &= spaces[:-1]  # a space after a space goes
        if len(redundant):
            redundant[0] &= after_space
            after_space = bool(spaces[-1])
        yield out[~redundant], origins[~redundant]


def normalised_origins(text: str) -> tuple[str, np.ndarray]:
    """``normalise_for_matching(text)`` made one character at a time, and for each of its characters
    the offset in ``text`` it came from (one more entry: ``len(text)``), so that offsets into the
    normalised text can be told in the text as given. Normalising the whole text can compose a
    character with the next (a letter and a combining accent); character by character it does
    not, so the string can differ from ``normalise_for_matching``'s in such places (rare in real
    text; `source_span` then maps approximately).

    >>> normalised, origins = normalised_origins("Ｈｅｌｌｏ,  WORLD")
    >>> normalised, origins.tolist()
    ('hello world', [0, 1, 2, 3, 4, 5, 8, 9, 10, 11, 12, 13])
    """
    chunks = list(_normalised_chunks(text))
    out = np.concatenate([chunk for chunk, _ in chunks]) if chunks else np.zeros(0, np.uint32)
    if len(out) and out[-1] == _SPACE:
        out = out[:-1]
    return out.astype("<u4").tobytes().decode("utf-32-le", "surrogatepass"), _joined_origins(chunks, len(text))


def normalised_offsets(text: str) -> np.ndarray:
    """Only the offsets of `normalised_origins` (a fraction of its memory on a long text)."""
    return _joined_origins([(out[-1:], origins) for out, origins in _normalised_chunks(text)], len(text))


def _joined_origins(chunks: list[tuple[np.ndarray, np.ndarray]], length: int) -> np.ndarray:
    """The chunks' origins joined, less a trailing space's, and ``length`` after them."""
    origins = [chunk_origins for _, chunk_origins in chunks]
    ending = [i for i, (out, _) in enumerate(chunks) if len(out)]
    if ending and chunks[ending[-1]][0][-1] == _SPACE:
        origins[ending[-1]] = origins[ending[-1]][:-1]
    dtype = origins[0].dtype if origins else np.int64
    return np.concatenate([*origins, np.array([length], dtype)])


def source_span(origins: np.ndarray, start: int, end: int, normalised_length: int | None = None) -> tuple[int, int]:
    """The ``[start, end)`` of normalised characters as offsets in the text ``origins`` came from:
    from the first character's origin to just after the last one's. When the normalisation the
    offsets index was ``normalised_length`` long and differs from the character-by-character one,
    offsets are scaled to it first."""
    count = len(origins) - 1
    if normalised_length is not None and normalised_length != count and normalised_length > 0:
        start, end = (round(x * count / normalised_length) for x in (start, end))
    start, end = min(max(start, 0), count), min(max(end, 0), count)
    if end <= start:
        at = int(origins[start])
        return at, at
    return int(origins[start]), int(origins[end - 1]) + 1


_MOST_SNAP = 40  # characters a boundary moves to reach the edge of its word


def _in_word(char: str) -> bool:
    """A letter or digit of a script that writes spaces between words (not CJK, kana or Hangul)."""
    return char.isalnum() and unicodedata.east_asian_width(char) not in "WF"


def _whole_words(text: str, start: int, end: int) -> tuple[int, int]:
    """The span widened to whole words: passages are found to about a gram, which can start or end
    inside a word."""
    if end <= start:
        return start, end
    first, last = start, end
    while first > 0 and start - first < _MOST_SNAP and _in_word(text[first - 1]) and _in_word(text[first]):
        first -= 1
    while last < len(text) and last - end < _MOST_SNAP and _in_word(text[last - 1]) and _in_word(text[last]):
        last += 1
    return first, last


def locate_passages(passages: list[dict], query_text: str, query_length: int, work_text: str,
                    work_length: int, query_sources: np.ndarray | None = None) -> list[dict]:
    """Each passage (offsets into the normalised texts, as `Passage.to_dict` gives them) with its
    place in the texts as given: ``suspect_text_start``/``suspect_text_end`` in `query_text` (or,
    through `query_sources`, the offset in a source each character of `query_text` came from: the
    markup it was extracted from) and ``work_text_start``/``work_text_end`` in `work_text`.
    `query_length` and `work_length` are the fingerprints' normalised lengths."""
    query_origins, work_origins = normalised_offsets(query_text), normalised_offsets(work_text)
    located = []
    for passage in passages:
        q_start, q_end = _whole_words(query_text, *source_span(query_origins, passage["query_start"],
                                                                passage["query_end"], query_length))
        if query_sources is not None and q_end > q_start:
            q_start, q_end = int(query_sources[q_start]), int(query_sources[q_end - 1]) + 1
        w_start, w_end = _whole_words(work_text, *source_span(work_origins, passage["work_start"],
                                                               passage["work_end"], work_length))
        located.append({**passage, "suspect_text_start": q_start, "suspect_text_end": q_end,
                        "work_text_start": w_start, "work_text_end": w_end})
    return located
