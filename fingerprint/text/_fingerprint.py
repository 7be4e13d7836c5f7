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
from fingerprint.text._kernel import positions_of_varint_gaps, varint_gaps, winnowed_starts
from fingerprint.text._normalise import normalise_for_matching, normalised_code_points  # noqa: F401 (the doctest)
from fingerprint.text._winnow import GRAM_WEIGHT, WINDOW_GRAMS, WIDE_CHAR_WEIGHT

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

# to_bytes layout, little-endian: 16-byte header, then count int64 hashes, then count positions (format 1:
# uint32 each; format 2: LEB128 varints of the gaps between them).
_MAGIC = b"TXFP"
_FORMAT_VERSION = 2
_READABLE_VERSIONS = (1, 2)
_MOST_VARINT_BYTES = 5  # a position is below 2**32: at most 5 bytes of 7 bits
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

    @classmethod
    def _winnowed(cls, hashes: np.ndarray, positions: np.ndarray, length: int) -> TextFingerprint:
        """A fingerprint of the winnowing kernel's own new arrays, valid by construction (the
        kernel selects each gram once, in order, inside the text: ``tests/fingerprint/
        test_text_kernel.py`` holds it to the definition), so not checked again: the checks
        would be a tenth of the time of fingerprinting an article."""
        fingerprint = cls.__new__(cls)
        fingerprint._set(hashes, positions, length)
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
        self._set(hash_array, position_array, length)

    def _set(self, hash_array: np.ndarray, position_array: np.ndarray, length: int) -> None:
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
        """A compact form: a 16-byte header, the int64 hashes, then the positions as varints of
        their gaps (format 2: a selected gram starts about 5 characters after the last, so a
        position takes one byte; 9 bytes a hash instead of format 1's 12)."""
        header = _HEADER.pack(
            _MAGIC, _FORMAT_VERSION, GRAM_WEIGHT, WINDOW_GRAMS, WIDE_CHAR_WEIGHT, len(self._hash_array), self.length
        )
        return b"".join((header, self._hash_array.astype("<i8", copy=False).tobytes(),
                         varint_gaps(self._position_array).tobytes()))

    @classmethod
    def from_bytes(cls, data: bytes) -> TextFingerprint:
        """Read what ``to_bytes`` wrote (format 2, or format 1: int64 hashes then uint32 positions,
        as registrations before format 2 stored them); raise ``InvalidFingerprintError`` on
        anything else."""
        if len(data) < _HEADER.size:
            raise InvalidFingerprintError(f"expected at least {_HEADER.size} bytes, got {len(data)}")
        magic, version, gram_weight, window, wide_weight, count, length = _HEADER.unpack_from(data)
        if magic != _MAGIC:
            raise InvalidFingerprintError(f"expected magic {_MAGIC!r}, got {magic!r}")
        if version not in _READABLE_VERSIONS:
            raise InvalidFingerprintError(f"expected format version 1 or {_FORMAT_VERSION}, got {version}")
        if (gram_weight, window, wide_weight) != (GRAM_WEIGHT, WINDOW_GRAMS, WIDE_CHAR_WEIGHT):
            raise InvalidFingerprintError(
                f"expected a {ALGORITHM} fingerprint (gram {GRAM_WEIGHT}, window {WINDOW_GRAMS}, wide "
                f"{WIDE_CHAR_WEIGHT}), got gram {gram_weight}, window {window}, wide {wide_weight}"
            )
        body = memoryview(data)[_HEADER.size :]
        if version == 1:
            if len(body) != 12 * count:
                raise InvalidFingerprintError(f"expected {_HEADER.size + 12 * count} bytes for {count} hashes, "
                                              f"got {len(data)}")
            positions = np.frombuffer(body[8 * count :], dtype="<u4")
        else:
            if len(body) < 9 * count:
                raise InvalidFingerprintError(f"expected at least {_HEADER.size + 9 * count} bytes for {count} "
                                              f"hashes, got {len(data)}")
            gaps = np.frombuffer(body[8 * count :], dtype=np.uint8)
            positions, used = positions_of_varint_gaps(gaps, count, _MOST_VARINT_BYTES)
            if used != len(gaps):
                got = "a cut or overlong one" if used < 0 else f"{len(gaps) - used} bytes left over"
                raise InvalidFingerprintError(f"expected the {len(gaps)} bytes for {count} positions to hold exactly "
                                              f"{count} varints, got {got}")
        hashes = np.frombuffer(body[: 8 * count], dtype="<i8")
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

    One compiled pass over the normalised text's code points (``_kernel.winnowed_starts``): memory
    is about 4 bytes a character of the normalised text beside the result.
    """
    codes = normalised_code_points(text)  # one code point is one character of the normalised text
    hashes, positions, dense = winnowed_starts(codes, GRAM_WEIGHT, WIDE_CHAR_WEIGHT, WINDOW_GRAMS)
    length = len(codes)
    del codes
    if dense < MIN_TEXT_CHARS:
        raise EmptyTextError(dense, MIN_TEXT_CHARS)
    return TextFingerprint._winnowed(hashes, positions, length)


def warm_up() -> None:
    """Load the compiled kernels and build the code point tables now, for English and Chinese text
    (about 1 s; about 5 s when the kernels were never compiled on this machine), so that the first
    article a server fingerprints does not wait for them."""
    fingerprint_text("Warming up: The first of twelve remotely operated cranes arrived on Tuesday.")
    fingerprint_text("清川至雲嶺高速鐵路，正式開通。清川至云岭高速铁路正式开通，全长一百公里。")


def fingerprint_texts(texts: list[str]) -> list[TextFingerprint | EmptyTextError]:
    """``fingerprint_text`` of each text, or the ``EmptyTextError`` it would raise (a bulk import
    keeps going past a text too short to fingerprint)."""
    return [_fingerprint_or_error(text) for text in texts]


def _fingerprint_or_error(text: str) -> TextFingerprint | EmptyTextError:
    try:
        return fingerprint_text(text)
    except EmptyTextError as e:
        return e
