"""Receipts (c2sp.org/tlog-proof@v1): text round trip, verification, and what each failure says."""

from __future__ import annotations

import base64

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from registry.tlog.checkpoint import Checkpoint, sign_checkpoint
from registry.tlog.errors import CheckpointError, NoteError, ProofError, ReceiptError
from registry.tlog.memory import MemoryNodes
from registry.tlog.merkle import inclusion_proof, leaf_hash
from registry.tlog.note import NoteSigner
from registry.tlog.receipt import Receipt, verify_receipt, verify_receipt_leaf_hash

ORIGIN = "example.com/log"
LOG = NoteSigner(ORIGIN, Ed25519PrivateKey.from_private_bytes(b"\x01" * 32))
STRANGER = NoteSigner(ORIGIN, Ed25519PrivateKey.from_private_bytes(b"\x02" * 32))
LEAVES = [f"registration {i}".encode() for i in range(11)]
TREE = MemoryNodes(LEAVES)
NOTE = sign_checkpoint(Checkpoint(ORIGIN, TREE.size, TREE.root_hash()), LOG)


def receipt_for(index: int, note: str = NOTE, extra: bytes | None = None) -> Receipt:
    return Receipt(index, tuple(inclusion_proof(index, TREE.size, TREE.read_node)), note, extra)


# The example from c2sp.org/tlog-proof (its checkpoint signatures are elided there, so it parses
# but cannot verify).
C2SP_EXAMPLE = """c2sp.org/tlog-proof@v1
extra YWdlLXYxLjIuMS1kYXJ3aW4tYXJtNjQudGFyLmd6kYXJ3aW4tYXJ
index 73894
gSKyXoYZUgZ6jduWYrkDOARinOMGJveXjgMkBTcdPlQ=
B95lDa8R83lS8n0eG+o0buTxRKQTYFi//1U8anccXmA=
EKNzoDWG8LGC0Yp9o+sv3qllpMP9uHQ9B20KNL+Q1zs=
RoopEkOdqkYqMB4MJXrbt/hMjOxsVn0IrWjpz1ZMMes=
AHCioX9nLjsrse6YhjRRmk1WUEirVOLLRoOQ6vfO5vk=

example.com/fancylog
109482
sFodV/vSp5O8n9a8QpW6PRY97tfOSW5bsc2Xl/EQi08=

\u2014 example.com/fancylog hI2DJw[...]1roloI=
"""


def test_c2sp_example_parses_and_reprints_identically() -> None:
    receipt = Receipt.from_text(C2SP_EXAMPLE)
    assert (receipt.index, len(receipt.proof)) == (73894, 5)
    assert receipt.extra is not None and receipt.extra.startswith(b"age-v1.2.1-darwin-arm64.tar.gz")
    assert receipt.checkpoint_note.startswith("example.com/fancylog\n109482\n")
    assert receipt.to_text() == C2SP_EXAMPLE


@pytest.mark.parametrize("extra", [None, b"", b"\x00opaque\xff"], ids=["no-extra", "empty-extra", "bytes"])
@pytest.mark.parametrize("index", [0, 5, 10])
def test_round_trip_and_verify(index: int, extra: bytes | None) -> None:
    receipt = receipt_for(index, extra=extra)
    text = receipt.to_text()
    assert text.startswith("c2sp.org/tlog-proof@v1\n" + ("" if extra is None else "extra "))
    assert Receipt.from_text(text) == receipt
    checkpoint = verify_receipt(Receipt.from_text(text), LEAVES[index], LOG.verifier(), origin=ORIGIN)
    assert (checkpoint.size, checkpoint.root_hash) == (TREE.size, TREE.root_hash())
    assert verify_receipt_leaf_hash(receipt, leaf_hash(LEAVES[index]), LOG.verifier()) == checkpoint


def test_layout_is_header_index_hashes_blank_line_checkpoint() -> None:
    receipt = receipt_for(3)
    lines = receipt.to_text().split("\n")
    assert lines[:2] == ["c2sp.org/tlog-proof@v1", "index 3"]
    assert lines[2 : 2 + len(receipt.proof)] == [base64.b64encode(h).decode() for h in receipt.proof]
    assert lines[2 + len(receipt.proof)] == ""
    assert "\n".join(lines[3 + len(receipt.proof) :]) == NOTE


OTHER_TREE = MemoryNodes([*LEAVES[:-1], b"something else"])
OTHER_ROOT_NOTE = sign_checkpoint(Checkpoint(ORIGIN, OTHER_TREE.size, OTHER_TREE.root_hash()), LOG)
OTHER_ORIGIN_NOTE = sign_checkpoint(Checkpoint("example.com/other", TREE.size, TREE.root_hash()), LOG)


@pytest.mark.parametrize(
    "receipt, leaf, signer, error, message",
    [
        pytest.param(receipt_for(2, OTHER_ROOT_NOTE), LEAVES[2], LOG, ProofError, "expected the inclusion proof to lead to root", id="wrong-root"),
        pytest.param(receipt_for(2, OTHER_ORIGIN_NOTE), LEAVES[2], LOG, CheckpointError, "expected checkpoint origin 'example.com/log', got 'example.com/other'", id="other-origin"),
        pytest.param(receipt_for(2), b"not in the log", LOG, ProofError, "receipt does not prove this leaf at index 2", id="wrong-leaf"),
        pytest.param(receipt_for(2), LEAVES[3], LOG, ProofError, "receipt does not prove this leaf at index 2", id="neighbour-leaf"),
        pytest.param(receipt_for(2), LEAVES[2], STRANGER, NoteError, "expected a signature from a known key", id="other-key"),
        pytest.param(Receipt(3, receipt_for(2).proof, NOTE), LEAVES[3], LOG, ProofError, "expected the inclusion proof to lead to root", id="other-index"),
        pytest.param(Receipt(20, receipt_for(2).proof, NOTE), LEAVES[2], LOG, ProofError, "expected a leaf index below the tree size, got index 20 for size 11", id="index-beyond-size"),
        pytest.param(Receipt(2, receipt_for(2).proof[:-1], NOTE), LEAVES[2], LOG, ProofError, "expected 4 hashes in the inclusion proof", id="short-proof"),
        pytest.param(receipt_for(2, NOTE.replace("\n11\n", "\n12\n")), LEAVES[2], LOG, NoteError, "does not verify over the note text", id="edited-checkpoint"),
    ],
)
def test_failures_say_what_failed(receipt: Receipt, leaf: bytes, signer: NoteSigner, error: type, message: str) -> None:
    with pytest.raises(error, match=message):
        verify_receipt(receipt, leaf, signer.verifier(), origin=ORIGIN)


GOOD = receipt_for(1).to_text()
HEADER, INDEX_LINE, FIRST_HASH = GOOD.split("\n")[:3]


@pytest.mark.parametrize(
    "text, message",
    [
        pytest.param("", "expected the header line", id="empty"),
        pytest.param(GOOD.replace("@v1", "@v2", 1), "expected the first line 'c2sp.org/tlog-proof@v1'", id="other-version"),
        pytest.param(" " + GOOD, "expected the first line", id="leading-space"),
        pytest.param(GOOD.replace(INDEX_LINE, "index 01"), "expected a line 'index <N>'", id="leading-zero-index"),
        pytest.param(GOOD.replace(INDEX_LINE, "index -1"), "expected a line 'index <N>'", id="negative-index"),
        pytest.param(GOOD.replace(INDEX_LINE, "index"), "expected a line 'index <N>'", id="index-without-number"),
        pytest.param(GOOD.replace(INDEX_LINE, f"index {2**64}"), "expected a line 'index <N>'", id="index-too-large"),
        pytest.param(GOOD.replace(INDEX_LINE + "\n", ""), "expected a line 'index <N>'", id="missing-index"),
        pytest.param(GOOD.replace(HEADER, HEADER + "\nextra !!!"), "expected extra data in base64", id="bad-extra"),
        pytest.param(GOOD.replace(FIRST_HASH, FIRST_HASH[:-4]), "expected proof hash 0 of 32 bytes", id="short-hash"),
        pytest.param(GOOD.replace(FIRST_HASH, "not base64!"), "expected proof hash 0 in base64", id="bad-hash"),
        pytest.param(GOOD.split("\n\n")[0] + "\n", "expected a proof hash or the blank line", id="no-blank-line"),
        pytest.param(GOOD.split("\n\n")[0] + "\n\n", "expected a signed checkpoint after the blank line", id="no-checkpoint"),
        pytest.param(GOOD.replace("\n", "\r\n"), "expected the first line", id="crlf"),
    ],
)
def test_malformed_receipts_are_rejected(text: str, message: str) -> None:
    with pytest.raises(ReceiptError, match=message):
        Receipt.from_text(text)


@pytest.mark.parametrize(
    "fields, message",
    [
        pytest.param((-1, (), NOTE), "expected a leaf index", id="negative-index"),
        pytest.param((0, (b"short",), NOTE), "expected proof hash 0 of 32 bytes, got 5 bytes", id="short-hash"),
        pytest.param((0, (), "no newline"), "expected a signed checkpoint note ending in a newline", id="bad-note"),
        pytest.param((0, (leaf_hash(b""),) * 65, NOTE), "expected at most 64 proof hashes", id="too-long"),
    ],
)
def test_invalid_receipts_cannot_exist(fields: tuple, message: str) -> None:
    with pytest.raises(ReceiptError, match=message):
        Receipt(*fields)


def test_proof_lists_become_tuples() -> None:
    receipt = Receipt(1, inclusion_proof(1, TREE.size, TREE.read_node), NOTE)  # type: ignore[arg-type]
    assert isinstance(receipt.proof, tuple) and receipt == receipt_for(1)
