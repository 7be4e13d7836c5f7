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


SEPARATOR = "\ufdd0"
"""A noncharacter that ``normalise_many`` puts between texts and keeps: a starter that composes
with nothing and casefolds to itself, so each text normalises as it would alone."""
_SEPARATOR_CODE = ord(SEPARATOR)


def _normalise_once(text: str, keep_separator: bool = False) -> str:
    folded = unicodedata.normalize("NFKC", unicodedata.normalize("NFKC", text).casefold())
    codes = fold_codes(np.frombuffer(folded.encode("utf-32-le", "surrogatepass"), dtype="<u4"))
    actions = _ACTIONS.of(codes)
    if keep_separator:
        actions = np.where(codes == _SEPARATOR_CODE, np.uint8(_KEEP), actions)
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


def _normalise_piece(text: str, keep_separator: bool = False) -> str:
    current = _normalise_once(text, keep_separator)
    for _ in range(_MAX_ROUNDS):
        if unicodedata.is_normalized("NFKC", current) and current.casefold() == current:
            break
        current = _normalise_once(current, keep_separator)
    return current


def normalise_many(texts: list[str]) -> list[str]:
    """``[normalise_for_matching(t) for t in texts]`` in a few passes over all of them at once
    (joined by ``SEPARATOR``, which a text of its own cannot hold: it would be a word break)."""
    if not texts:
        return []
    joined = SEPARATOR.join(text.replace(SEPARATOR, " ") for text in texts)
    return [part.strip(" ") for part in _normalise_piece(joined, keep_separator=True).split(SEPARATOR)]


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
    return "".join(" " if action == _BREAK else chr(code) for code, action in zip(codes.tolist(), actions.tolist())
                   if action != _DELETE)


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
