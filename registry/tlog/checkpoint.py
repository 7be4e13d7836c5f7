"""Checkpoints (signed tree heads) as in c2sp.org/tlog-checkpoint.

The note text is the origin, the tree size in decimal, the base64 root hash, then optional
extension lines, each line ending in a newline. A ``Checkpoint`` that exists is well formed.

>>> from registry.tlog.merkle import EMPTY_ROOT
>>> from registry.tlog.note import NoteSigner, generate_note_key
>>> skey, vkey = generate_note_key("example.com/log")
>>> checkpoint = Checkpoint("example.com/log", 0, EMPTY_ROOT)
>>> print(checkpoint.to_note_text(), end="")
example.com/log
0
47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=
>>> signed = sign_checkpoint(checkpoint, NoteSigner.from_skey(skey))
>>> open_checkpoint(signed, NoteVerifier.from_vkey(vkey), origin="example.com/log") == checkpoint
True
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from registry.tlog._base64 import decode_base64, encode_base64
from registry.tlog.errors import CheckpointError
from registry.tlog.merkle import HASH_SIZE
from registry.tlog.note import NoteSigner, NoteVerifier, open_note, sign_note

MAX_TREE_SIZE = (1 << 64) - 1
_DECIMAL_WITHOUT_LEADING_ZEROS = re.compile(r"0|[1-9][0-9]*")


def _require_line(value: str, what: str) -> None:
    """A checkpoint line: non-empty text with no newline or other control character."""
    if not isinstance(value, str) or not value:
        raise CheckpointError(f"expected a non-empty {what}, got {value!r}")
    bad = next((ch for ch in value if ord(ch) < 0x20), None)
    if bad is not None:
        raise CheckpointError(f"expected a {what} with no newline or control character, got {value!r}")


@dataclass(frozen=True)
class Checkpoint:
    """A log's tree head: origin, size and root hash (c2sp.org/tlog-checkpoint "Note text")."""

    origin: str
    size: int
    root_hash: bytes
    extensions: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        _require_line(self.origin, "origin")
        if not isinstance(self.size, int) or isinstance(self.size, bool) or not 0 <= self.size <= MAX_TREE_SIZE:
            raise CheckpointError(f"expected a tree size in 0..2**64-1, got {self.size!r}")
        is_bytes = isinstance(self.root_hash, (bytes, bytearray))
        if not is_bytes or len(self.root_hash) != HASH_SIZE:
            got = f"{len(self.root_hash)} bytes" if is_bytes else repr(self.root_hash)
            raise CheckpointError(f"expected a root hash of {HASH_SIZE} bytes, got {got}")
        object.__setattr__(self, "root_hash", bytes(self.root_hash))
        object.__setattr__(self, "extensions", tuple(self.extensions))
        for line in self.extensions:
            _require_line(line, "extension line")

    def to_note_text(self) -> str:
        """``origin\\nsize\\nbase64(root)\\n`` followed by the extension lines."""
        lines = [self.origin, str(self.size), encode_base64(self.root_hash), *self.extensions]
        return "".join(line + "\n" for line in lines)

    @classmethod
    def from_note_text(cls, text: str) -> Checkpoint:
        """Parse a checkpoint body; raise CheckpointError unless it is exactly well formed."""
        if not isinstance(text, str) or not text.endswith("\n"):
            raise CheckpointError(f"expected checkpoint text ending in a newline, got {str(text)[-40:]!r}")
        lines = text[:-1].split("\n")
        if len(lines) < 3:
            raise CheckpointError(f"expected at least 3 lines (origin, size, root hash), got {len(lines)}")
        origin, size_text, root_text, *extensions = lines
        if not _DECIMAL_WITHOUT_LEADING_ZEROS.fullmatch(size_text):
            raise CheckpointError(f"expected a decimal tree size with no leading zeros, got {size_text!r}")
        try:
            root = decode_base64(root_text)
        except ValueError as error:
            raise CheckpointError(f"expected a base64 root hash, got {root_text!r}") from error
        return cls(origin, int(size_text), root, tuple(extensions))


def sign_checkpoint(checkpoint: Checkpoint, signer: NoteSigner | Iterable[NoteSigner]) -> str:
    """The checkpoint as a signed note (c2sp.org/signed-note)."""
    return sign_note(checkpoint.to_note_text(), signer)


def open_checkpoint(
    note: str | bytes, verifier: NoteVerifier | Iterable[NoteVerifier], origin: str | None = None
) -> Checkpoint:
    """Verify a signed checkpoint and parse it; check its origin when one is expected.

    Raises NoteError when no given key signed it, CheckpointError when the body is malformed or
    names another log.
    """
    checkpoint = Checkpoint.from_note_text(open_note(note, verifier).text)
    if origin is not None and checkpoint.origin != origin:
        raise CheckpointError(f"expected checkpoint origin {origin!r}, got {checkpoint.origin!r}")
    return checkpoint
