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
from dataclasses import dataclass
from functools import cached_property

import numpy as np

from fingerprint.errors import EmptyTextError, InvalidFingerprintError
from fingerprint.text._normalise import normalise_for_matching
from fingerprint.text._winnow import GRAM_WEIGHT, WINDOW_GRAMS, WIDE_CHAR_WEIGHT, winnowed_grams

ALGORITHM = "text-winnow-v1"
"""Name and version of the fingerprint, stored beside it; a new parameter set is a new version."""

MIN_TEXT_CHARS = GRAM_WEIGHT + WINDOW_GRAMS - 1
"""Fewest normalised characters (spaces not counted) that are fingerprinted: enough for a full
window of English grams (16); Chinese needs only 12, but one rule for every script is simpler."""

_INT64_MIN, _INT64_MAX = -(2**63), 2**63 - 1
_MAX_LENGTH = 2**32 - 1  # positions are stored as uint32
_SPACE = ord(" ")

# to_bytes layout, little-endian: 16-byte header, then count int64 hashes, then count uint32 positions.
_MAGIC = b"TXFP"
_FORMAT_VERSION = 1
_HEADER = struct.Struct("<4sBBBBII")  # magic, format version, gram weight, window, wide weight, count, length


@dataclass(frozen=True)
class TextFingerprint:
    """Selected gram hashes (signed int64) and the offset where each gram starts.

    ``positions`` are offsets into ``normalise_for_matching(text)``, strictly increasing, and
    ``length`` is the length of that normalised text. Valid by construction.
    """

    hashes: tuple[int, ...]
    positions: tuple[int, ...]
    length: int

    def __post_init__(self) -> None:
        hashes = tuple(map(operator.index, self.hashes))
        positions = tuple(map(operator.index, self.positions))
        object.__setattr__(self, "hashes", hashes)
        object.__setattr__(self, "positions", positions)
        object.__setattr__(self, "length", operator.index(self.length))
        if len(hashes) != len(positions):
            raise InvalidFingerprintError(
                f"expected as many positions as hashes, got {len(positions)} and {len(hashes)}"
            )
        if not 0 <= self.length <= _MAX_LENGTH:
            raise InvalidFingerprintError(f"expected a length in [0, {_MAX_LENGTH}], got {self.length}")
        if hashes and not (_INT64_MIN <= min(hashes) and max(hashes) <= _INT64_MAX):
            raise InvalidFingerprintError("expected every hash in the signed int64 range, got one outside it")
        if positions and not (0 <= positions[0] and positions[-1] < self.length):
            raise InvalidFingerprintError(
                f"expected positions in [0, {self.length}), got {positions[0]}..{positions[-1]}"
            )
        if not all(map(operator.lt, positions, positions[1:])):
            raise InvalidFingerprintError("expected strictly increasing positions, got a repeat or a step back")

    @cached_property
    def _arrays(self) -> tuple[np.ndarray, np.ndarray]:
        """``hashes`` and ``positions`` as int64 arrays, made once (alignment works on these)."""
        return np.array(self.hashes, dtype=np.int64), np.array(self.positions, dtype=np.int64)

    @cached_property
    def _by_hash(self) -> tuple[np.ndarray, np.ndarray]:
        """The hashes sorted, and the stable order that sorts them (equal hashes by position)."""
        order = np.argsort(self._arrays[0], kind="stable")
        return self._arrays[0][order], order

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
            _MAGIC, _FORMAT_VERSION, GRAM_WEIGHT, WINDOW_GRAMS, WIDE_CHAR_WEIGHT, len(self.hashes), self.length
        )
        hashes = np.asarray(self.hashes, dtype="<i8").tobytes()
        positions = np.asarray(self.positions, dtype="<u4").tobytes()
        return header + hashes + positions

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
        return cls(hashes=tuple(hashes.tolist()), positions=tuple(positions.tolist()), length=length)


def fingerprint_text(text: str) -> TextFingerprint:
    """Normalise ``text``, hash its grams, winnow; raise ``EmptyTextError`` if it is too short.

    Memory is about 10 bytes a character of the normalised text beside the result (its code points
    and which are spaces); the grams are hashed and winnowed block by block.
    """
    normalised = normalise_for_matching(text)
    everything = np.frombuffer(normalised.encode("utf-32-le"), dtype="<u4")
    spaces = np.flatnonzero(everything == _SPACE)
    codes = np.delete(everything, spaces)
    del everything
    if len(codes) < MIN_TEXT_CHARS:
        raise EmptyTextError(len(codes), MIN_TEXT_CHARS)
    hashes, starts = winnowed_grams(codes)
    del codes
    # the k-th space has spaces[k] - k code points before it: a gram start moves right past each
    positions = starts + np.searchsorted(spaces - np.arange(len(spaces)), starts, side="right")
    fp = TextFingerprint(hashes=tuple(hashes.tolist()), positions=tuple(positions.tolist()), length=len(normalised))
    fp.__dict__["_arrays"] = (hashes.astype(np.int64), positions.astype(np.int64))  # seeds the cache
    return fp
