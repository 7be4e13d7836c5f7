"""``TextFingerprint``: the winnowed gram hashes of a text, with where each gram starts.

>>> fp = fingerprint_text("The first of twelve remotely operated cranes arrived on Tuesday.")
>>> fp.length == len(normalise_for_matching("The first of twelve remotely operated cranes arrived on Tuesday."))
True
>>> TextFingerprint.from_bytes(fp.to_bytes()) == fp
True
"""

from __future__ import annotations

import operator
import struct
from collections.abc import Sequence
from functools import cached_property

import numpy as np

from fingerprint.errors import EmptyTextError, InvalidFingerprintError
from fingerprint.text._normalise import normalise_for_matching, normalise_many
from fingerprint.text._winnow import GRAM_WEIGHT, WINDOW_GRAMS, WIDE_CHAR_WEIGHT, winnowed_grams, winnowed_grams_many

ALGORITHM = "text-winnow-v2"
"""Name and version of the fingerprint, stored beside it; a new parameter set is a new version.
v2 folds traditional Chinese characters to simplified before hashing (v1 did not: its hashes are
the same for every text without traditional characters; `aigc-registry migrate` recomputes the
others)."""

MIN_TEXT_CHARS = GRAM_WEIGHT + WINDOW_GRAMS - 1
"""Fewest normalised characters (spaces not counted) that are fingerprinted: enough for a full
window of English grams (16); Chinese needs only 12, but one rule for every script is simpler."""

_INT64_MIN, _INT64_MAX = -(2**63), 2**63 - 1
_MAX_LENGTH = 2**32 - 1  # positions are stored as uint32
_SPACE = ord(" ")
_PIECE_CHARS = 1 << 20  # normalised characters turned into code points at a time

# to_bytes layout, little-endian: 16-byte header, then count int64 hashes, then count uint32 positions.
_MAGIC = b"TXFP"
_FORMAT_VERSION = 1
_HEADER = struct.Struct("<4sBBBBII")  # magic, format version, gram weight, window, wide weight, count, length


class TextFingerprint:
    """Selected gram hashes (signed int64) and the offset where each gram starts.

    ``positions`` are offsets into ``normalise_for_matching(text)``, strictly increasing, and
    ``length`` is the length of that normalised text. Valid by construction, and immutable.

    Held as two int64 arrays (a 10 MB article selects about 1.5 million grams: Python ints for
    each would cost 0.1 KB and a microsecond apiece); ``hashes`` and ``positions`` give them as
    tuples of ints, made on first use.
    """

    def __init__(self, hashes: Sequence[int] | np.ndarray, positions: Sequence[int] | np.ndarray, length: int) -> None:
        self._check_and_set(_int64s(hashes), _int64s(positions), operator.index(length))

    @classmethod
    def _adopt(cls, hashes: np.ndarray, positions: np.ndarray, length: int) -> TextFingerprint:
        """A fingerprint holding these new int64 arrays themselves (checked, not copied: no one
        else may hold them)."""
        fingerprint = cls.__new__(cls)
        fingerprint._check_and_set(hashes, positions, length)
        return fingerprint

    def _check_and_set(self, hash_array: np.ndarray, position_array: np.ndarray, length: int) -> None:
        if len(hash_array) != len(position_array):
            raise InvalidFingerprintError(
                f"expected as many positions as hashes, got {len(position_array)} and {len(hash_array)}"
            )
        if not 0 <= length <= _MAX_LENGTH:
            raise InvalidFingerprintError(f"expected a length in [0, {_MAX_LENGTH}], got {length}")
        if len(position_array) and not (0 <= position_array[0] and position_array[-1] < length):
            raise InvalidFingerprintError(
                f"expected positions in [0, {length}), got {position_array[0]}..{position_array[-1]}"
            )
        if len(position_array) > 1 and not bool(np.all(position_array[1:] > position_array[:-1])):
            raise InvalidFingerprintError("expected strictly increasing positions, got a repeat or a step back")
        hash_array.flags.writeable = position_array.flags.writeable = False
        object.__setattr__(self, "_hash_array", hash_array)
        object.__setattr__(self, "_position_array", position_array)
        object.__setattr__(self, "length", length)

    def __setattr__(self, name: str, value: object) -> None:
        raise AttributeError(f"TextFingerprint is immutable: cannot set {name}")

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, TextFingerprint):
            return NotImplemented
        return (self.length == other.length and np.array_equal(self._hash_array, other._hash_array)
                and np.array_equal(self._position_array, other._position_array))

    def __hash__(self) -> int:
        return hash((self.length, self._hash_array.tobytes(), self._position_array.tobytes()))

    def __repr__(self) -> str:
        return f"TextFingerprint({len(self._hash_array)} hashes, length={self.length})"

    def __len__(self) -> int:
        return len(self._hash_array)

    @cached_property
    def hashes(self) -> tuple[int, ...]:
        return tuple(self._hash_array.tolist())

    @cached_property
    def positions(self) -> tuple[int, ...]:
        return tuple(self._position_array.tolist())

    @property
    def _arrays(self) -> tuple[np.ndarray, np.ndarray]:
        """``hashes`` and ``positions`` as read-only int64 arrays (alignment works on these)."""
        return self._hash_array, self._position_array

    @cached_property
    def _by_hash(self) -> tuple[np.ndarray, np.ndarray]:
        """The hashes sorted, and the stable order that sorts them (equal hashes by position)."""
        order = np.argsort(self._hash_array, kind="stable")
        return self._hash_array[order], order

    @property
    def distinct_hashes(self) -> np.ndarray:
        """The distinct hash values, sorted (an int64 array, made once): what an index stores."""
        return self._distinct

    @cached_property
    def _distinct(self) -> np.ndarray:
        """The distinct hash values, sorted."""
        by_hash = self._by_hash[0]
        if len(by_hash) == 0:
            return by_hash
        first = np.ones(len(by_hash), dtype=bool)
        first[1:] = by_hash[1:] != by_hash[:-1]
        return by_hash[first]

    def to_bytes(self) -> bytes:
        """A compact form: a 16-byte header, int64 hashes, uint32 positions (12 bytes a hash)."""
        header = _HEADER.pack(
            _MAGIC, _FORMAT_VERSION, GRAM_WEIGHT, WINDOW_GRAMS, WIDE_CHAR_WEIGHT, len(self._hash_array), self.length
        )
        count = len(self._hash_array)
        out = bytearray(_HEADER.size + 12 * count)  # filled in place: one copy of each array, not three
        out[: _HEADER.size] = header
        np.frombuffer(out, dtype="<i8", count=count, offset=_HEADER.size)[:] = self._hash_array
        np.frombuffer(out, dtype="<u4", count=count, offset=_HEADER.size + 8 * count)[:] = self._position_array
        return bytes(out)

    @classmethod
    def from_bytes(cls, data: bytes) -> TextFingerprint:
        """Read what ``to_bytes`` wrote; raise ``InvalidFingerprintError`` on anything else."""
        if len(data) < _HEADER.size:
            raise InvalidFingerprintError(f"expected at least {_HEADER.size} bytes, got {len(data)}")
        magic, version, gram_weight, window, wide_weight, count, length = _HEADER.unpack_from(data)
        if magic != _MAGIC:
            raise InvalidFingerprintError(f"expected magic {_MAGIC!r}, got {magic!r}")
        if version != _FORMAT_VERSION:
            raise InvalidFingerprintError(f"expected format version {_FORMAT_VERSION}, got {version}")
        if (gram_weight, window, wide_weight) != (GRAM_WEIGHT, WINDOW_GRAMS, WIDE_CHAR_WEIGHT):
            raise InvalidFingerprintError(
                f"expected a {ALGORITHM} fingerprint (gram {GRAM_WEIGHT}, window {WINDOW_GRAMS}, wide "
                f"{WIDE_CHAR_WEIGHT}), got gram {gram_weight}, window {window}, wide {wide_weight}"
            )
        expected_size = _HEADER.size + 12 * count
        if len(data) != expected_size:
            raise InvalidFingerprintError(f"expected {expected_size} bytes for {count} hashes, got {len(data)}")
        body = memoryview(data)[_HEADER.size :]
        hashes = np.frombuffer(body[: 8 * count], dtype="<i8")
        positions = np.frombuffer(body[8 * count :], dtype="<u4")
        return cls(hashes=hashes, positions=positions, length=length)  # copied into int64 arrays once


def _int64s(values: Sequence[int] | np.ndarray) -> np.ndarray:
    """``values`` as a new int64 array: integers only, each in the signed int64 range."""
    if isinstance(values, np.ndarray) and values.dtype.kind in "iu" and values.ndim == 1:
        if values.dtype == np.uint64 and len(values) and int(values.max()) > _INT64_MAX:
            raise InvalidFingerprintError("expected every hash in the signed int64 range, got one outside it")
        return values.astype(np.int64)  # a copy: the fingerprint owns its arrays
    ints = list(map(operator.index, values))
    if ints and not (_INT64_MIN <= min(ints) and max(ints) <= _INT64_MAX):
        raise InvalidFingerprintError("expected every hash in the signed int64 range, got one outside it")
    return np.array(ints, dtype=np.int64)


def fingerprint_text(text: str) -> TextFingerprint:
    """Normalise ``text``, hash its grams, winnow; raise ``EmptyTextError`` if it is too short.

    Memory is about 4 bytes a character of the normalised text beside the result (its code points
    without the spaces, made a piece at a time); the grams are hashed and winnowed block by block.
    """
    normalised = normalise_for_matching(text)
    code_parts, space_parts = [], []
    for start in range(0, len(normalised), _PIECE_CHARS):  # piece by piece: no 4-byte copy of it all
        piece = np.frombuffer(normalised[start : start + _PIECE_CHARS].encode("utf-32-le"), dtype="<u4")
        is_space = piece == _SPACE
        space_parts.append(np.flatnonzero(is_space) + start)
        code_parts.append(piece[~is_space])
    codes = np.concatenate(code_parts) if code_parts else np.zeros(0, dtype=np.uint32)
    spaces = np.concatenate(space_parts) if space_parts else np.zeros(0, dtype=np.int64)
    del code_parts, space_parts
    if len(codes) < MIN_TEXT_CHARS:
        raise EmptyTextError(len(codes), MIN_TEXT_CHARS)
    hashes, starts = winnowed_grams(codes)
    del codes
    # the k-th space has spaces[k] - k code points before it: a gram start moves right past each
    spaces -= np.arange(len(spaces))
    positions = starts.astype(np.int64)
    positions += np.searchsorted(spaces, starts, side="right")
    return TextFingerprint._adopt(hashes.astype(np.int64, copy=False), positions, len(normalised))


BATCH_CHARS = 1 << 20
"""``fingerprint_texts`` takes texts together until they hold about this many characters; a
longer text goes alone through ``fingerprint_text`` (which bounds its memory)."""


def fingerprint_texts(texts: list[str]) -> list[TextFingerprint | EmptyTextError]:
    """``fingerprint_text`` of each text (or the ``EmptyTextError`` it would raise), many texts at
    a time: the same fingerprints, with numpy's per-call cost paid once a batch instead of once a
    text (what a bulk import of short articles spends most of its time on)."""
    results: list[TextFingerprint | EmptyTextError | None] = [None] * len(texts)
    batch: list[int] = []
    size = 0

    def flush() -> None:
        for i, found in zip(batch, _fingerprint_batch([texts[i] for i in batch])):
            results[i] = found
        batch.clear()

    for i, text in enumerate(texts):
        if len(text) > BATCH_CHARS // 4:
            results[i] = _fingerprint_or_error(text)
            continue
        batch.append(i)
        size += len(text)
        if size >= BATCH_CHARS:
            flush()
            size = 0
    flush()
    return results  # type: ignore[return-value]


def _fingerprint_or_error(text: str) -> TextFingerprint | EmptyTextError:
    try:
        return fingerprint_text(text)
    except EmptyTextError as e:
        return e


def _fingerprint_batch(texts: list[str]) -> list[TextFingerprint | EmptyTextError]:
    normalised = normalise_many(texts)
    joined = "".join(normalised)
    everything = np.frombuffer(joined.encode("utf-32-le"), dtype="<u4")
    is_space = everything == _SPACE
    codes = everything[~is_space]
    spaces = np.flatnonzero(is_space)
    lengths = np.array([len(n) for n in normalised], dtype=np.int64)
    starts_norm = np.concatenate([[0], np.cumsum(lengths)])
    space_counts = np.searchsorted(spaces, starts_norm)  # spaces before each text's start
    bounds = starts_norm - space_counts  # each text's first code point among `codes`
    grams = winnowed_grams_many(codes, bounds)
    adjusted = spaces - np.arange(len(spaces))  # the k-th space has adjusted[k] code points before it
    out: list[TextFingerprint | EmptyTextError] = []
    for i, found in enumerate(grams):
        dense = int(bounds[i + 1] - bounds[i])
        if dense < MIN_TEXT_CHARS:
            out.append(EmptyTextError(dense, MIN_TEXT_CHARS))
            continue
        if found is None:  # too few grams for a window: the text alone
            out.append(_fingerprint_or_error(texts[i]))
            continue
        hashes, local = found
        dense_starts = local + bounds[i]
        positions = dense_starts + np.searchsorted(adjusted, dense_starts, side="right") - starts_norm[i]
        out.append(TextFingerprint._adopt(hashes.astype(np.int64, copy=False), positions.astype(np.int64),
                                          int(lengths[i])))
    return out
