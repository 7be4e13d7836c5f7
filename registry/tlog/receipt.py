"""Receipts: offline-verifiable proofs that an entry is in the log, as in c2sp.org/tlog-proof@v1.

The text is the header line ``c2sp.org/tlog-proof@v1``, an optional ``extra <base64>`` line,
``index <N>``, the inclusion proof hashes in base64 one per line (leaf's sibling first), an
empty line, then the signed checkpoint note verbatim.

>>> from registry.tlog.checkpoint import Checkpoint, sign_checkpoint
>>> from registry.tlog.memory import MemoryNodes
>>> from registry.tlog.merkle import inclusion_proof
>>> from registry.tlog.note import NoteSigner, NoteVerifier, generate_note_key
>>> skey, vkey = generate_note_key("example.com/log")
>>> tree = MemoryNodes([b"zero", b"one", b"two"])
>>> note = sign_checkpoint(Checkpoint("example.com/log", 3, tree.root_hash()), NoteSigner.from_skey(skey))
>>> receipt = Receipt(1, tuple(inclusion_proof(1, 3, tree.read_node)), note)
>>> print(receipt.to_text().split("\\n\\n")[0])
c2sp.org/tlog-proof@v1
index 1
bWt2UodlmLLAZro08EeWsBkoXSCZHlm/ueen5swtT5g=
qxq38Hx8j+Dv9LpvqlPH5EEukaWZFT6KpOAb7s5beCU=
>>> checkpoint = verify_receipt(Receipt.from_text(receipt.to_text()), b"one", NoteVerifier.from_vkey(vkey))
>>> checkpoint.size
3
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from registry.tlog import merkle
from registry.tlog._base64 import decode_base64, encode_base64
from registry.tlog.checkpoint import Checkpoint, open_checkpoint
from registry.tlog.errors import ProofError, ReceiptError
from registry.tlog.note import NoteVerifier

HEADER = "c2sp.org/tlog-proof@v1"
EXTRA_PREFIX = "extra "
INDEX_PREFIX = "index "
MAX_INDEX = (1 << 64) - 1
MAX_PROOF_HASHES = 64
"""A tree of fewer than 2**64 leaves has inclusion proofs of at most 64 hashes."""
_DECIMAL_WITHOUT_LEADING_ZEROS = re.compile(r"0|[1-9][0-9]*")


@dataclass(frozen=True)
class Receipt:
    """Leaf ``index``, its inclusion ``proof``, the signed checkpoint it leads to, optional ``extra``.

    ``extra`` is opaque and unauthenticated: never trust it without checking it another way.
    """

    index: int
    proof: tuple[bytes, ...]
    checkpoint_note: str
    extra: bytes | None = None

    def __post_init__(self) -> None:
        if not isinstance(self.index, int) or isinstance(self.index, bool) or not 0 <= self.index <= MAX_INDEX:
            raise ReceiptError(f"expected a leaf index in 0..2**64-1, got {self.index!r}")
        proof = tuple(bytes(node) for node in self.proof)
        if len(proof) > MAX_PROOF_HASHES:
            raise ReceiptError(f"expected at most {MAX_PROOF_HASHES} proof hashes, got {len(proof)}")
        for position, node in enumerate(proof):
            if len(node) != merkle.HASH_SIZE:
                raise ReceiptError(f"expected proof hash {position} of {merkle.HASH_SIZE} bytes, got {len(node)} bytes")
        object.__setattr__(self, "proof", proof)
        if not isinstance(self.checkpoint_note, str) or not self.checkpoint_note.endswith("\n"):
            got = repr(self.checkpoint_note)[-60:]
            raise ReceiptError(f"expected a signed checkpoint note ending in a newline, got ...{got}")
        if self.extra is not None:
            object.__setattr__(self, "extra", bytes(self.extra))

    def to_text(self) -> str:
        """The c2sp.org/tlog-proof@v1 text (store it with the extension ``.tlog-proof``)."""
        lines = [HEADER]
        if self.extra is not None:
            lines.append(EXTRA_PREFIX + encode_base64(self.extra))
        lines.append(f"{INDEX_PREFIX}{self.index}")
        lines.extend(encode_base64(node) for node in self.proof)
        return "".join(line + "\n" for line in lines) + "\n" + self.checkpoint_note

    @classmethod
    def from_text(cls, text: str) -> Receipt:
        """Parse a c2sp.org/tlog-proof@v1 text; ReceiptError names the first line that is wrong."""
        if not isinstance(text, str):
            raise ReceiptError(f"expected the receipt as text, got {type(text).__name__}")
        line, rest = _take_line(text, "the header line")
        if line != HEADER:
            raise ReceiptError(f"expected the first line {HEADER!r}, got {line[:60]!r}")
        line, rest = _take_line(rest, "the index line")
        extra = None
        if line.startswith(EXTRA_PREFIX):
            extra = _decode(line[len(EXTRA_PREFIX) :], "extra data")
            line, rest = _take_line(rest, "the index line")
        index = _parse_index(line)
        proof: list[bytes] = []
        line, rest = _take_line(rest, "a proof hash or the blank line before the checkpoint")
        while line:
            if len(proof) == MAX_PROOF_HASHES:
                raise ReceiptError(f"expected at most {MAX_PROOF_HASHES} proof hashes, got more")
            proof.append(_decode(line, f"proof hash {len(proof)}"))
            line, rest = _take_line(rest, "a proof hash or the blank line before the checkpoint")
        if not rest:
            raise ReceiptError("expected a signed checkpoint after the blank line, got nothing")
        return cls(index, tuple(proof), rest, extra)


def _take_line(text: str, what: str) -> tuple[str, str]:
    line, newline, rest = text.partition("\n")
    if not newline:
        raise ReceiptError(f"expected {what} ending in a newline, got {text[:60]!r}")
    return line, rest


def _decode(text: str, what: str) -> bytes:
    try:
        return decode_base64(text)
    except ValueError as error:
        raise ReceiptError(f"expected {what} in base64, got {text[:60]!r}") from error


def _parse_index(line: str) -> int:
    digits = line[len(INDEX_PREFIX) :] if line.startswith(INDEX_PREFIX) else None
    if digits is None or not _DECIMAL_WITHOUT_LEADING_ZEROS.fullmatch(digits) or int(digits) > MAX_INDEX:
        raise ReceiptError(f"expected a line 'index <N>' with N a decimal without leading zeros, got {line[:60]!r}")
    return int(digits)


def verify_receipt_leaf_hash(
    receipt: Receipt,
    leaf_hash: bytes,
    verifier: NoteVerifier | Iterable[NoteVerifier],
    origin: str | None = None,
) -> Checkpoint:
    """Check the receipt for a leaf given by its leaf hash; return the checkpoint it proves against.

    The checkpoint note must be signed by ``verifier`` (NoteError otherwise) and name ``origin``
    when given (CheckpointError); the proof must lead from the leaf to the checkpoint's root at its
    size (ProofError). Size and root always come from the one signed checkpoint.
    """
    checkpoint = open_checkpoint(receipt.checkpoint_note, verifier, origin)
    try:
        merkle.verify_inclusion(leaf_hash, receipt.index, checkpoint.size, receipt.proof, checkpoint.root_hash)
    except ProofError as error:
        raise ProofError(
            f"receipt does not prove this leaf at index {receipt.index} of {checkpoint.origin} "
            f"at size {checkpoint.size}: {error}"
        ) from error
    return checkpoint


def verify_receipt(
    receipt: Receipt,
    leaf_data: bytes,
    verifier: NoteVerifier | Iterable[NoteVerifier],
    origin: str | None = None,
) -> Checkpoint:
    """Check the receipt for a leaf given by its data (hashed as SHA-256(0x00 || data))."""
    return verify_receipt_leaf_hash(receipt, merkle.leaf_hash(leaf_data), verifier, origin)

