"""Offline receipt verification (``aigc-registry log verify RECEIPT --key VKEY``): keys only, no server."""

from __future__ import annotations

import base64
import doctest
import json

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

import registry.tlog.offline as offline_module
from registry.tlog.checkpoint import Checkpoint, sign_checkpoint
from registry.tlog.cosignature import CosignatureSigner, add_cosignatures
from registry.tlog.errors import CheckpointError, LogError, NoteError, ProofError, ReceiptError
from registry.tlog.memory import MemoryNodes
from registry.tlog.merkle import consistency_proof, inclusion_proof, leaf_hash
from registry.tlog.note import NoteSigner
from registry.tlog.offline import OfflineVerdict, verify_receipt_offline
from registry.tlog.receipt import Receipt
from registry.tlog.witness import Witness

ORIGIN = "example.com/log"
LOG = NoteSigner(ORIGIN, Ed25519PrivateKey.from_private_bytes(b"\x01" * 32))
STRANGER = NoteSigner(ORIGIN, Ed25519PrivateKey.from_private_bytes(b"\x02" * 32))
W1 = CosignatureSigner("witness.example/w1", Ed25519PrivateKey.from_private_bytes(b"\x11" * 32))
W2 = CosignatureSigner("witness.example/w2", Ed25519PrivateKey.from_private_bytes(b"\x12" * 32))
W3 = CosignatureSigner("witness.example/w3", Ed25519PrivateKey.from_private_bytes(b"\x13" * 32))
STATEMENTS = [json.dumps({"work_id": f"w-{i}", "kind": "article"}, sort_keys=True).encode() for i in range(7)]
TREE = MemoryNodes(STATEMENTS)
CHECKPOINT = Checkpoint(ORIGIN, TREE.size, TREE.root_hash())
TEXT = CHECKPOINT.to_note_text()
T = 1_700_000_000
NOTE = sign_checkpoint(CHECKPOINT, LOG)
COSIGNED = add_cosignatures(NOTE, [W1.cosign(TEXT, T), W2.cosign(TEXT, T + 1)])


def receipt(index: int = 3, note: str = COSIGNED, extra: bytes | None = STATEMENTS[3]) -> str:
    return Receipt(index, tuple(inclusion_proof(index, TREE.size, TREE.read_node)), note, extra).to_text()


def keys(*witnesses: CosignatureSigner) -> list[str]:
    return [w.verifier_key() for w in witnesses]


def test_module_docstring_example_runs() -> None:
    result = doctest.testmod(offline_module, optionflags=doctest.ELLIPSIS)
    assert result.failed == 0 and result.attempted > 0


@pytest.mark.parametrize(
    "witness_keys, required, witnesses",
    [
        pytest.param([], 0, (), id="no-witnesses"),
        pytest.param(keys(W1, W2, W3), 0, ("witness.example/w1", "witness.example/w2"), id="0-required-reports-all"),
        pytest.param(keys(W1), 1, ("witness.example/w1",), id="1-of-1"),
        pytest.param(keys(W3, W2), 1, ("witness.example/w2",), id="1-of-2-one-missing"),
        pytest.param(keys(W1, W2), 2, ("witness.example/w1", "witness.example/w2"), id="2-of-2"),
        pytest.param(keys(W1, W2, W3), 2, ("witness.example/w1", "witness.example/w2"), id="2-of-3"),
    ],
)
def test_required_cosignatures(witness_keys: list[str], required: int, witnesses: tuple[str, ...]) -> None:
    verdict = verify_receipt_offline(
        receipt(), None, LOG.verifier_key(), witness_vkeys=witness_keys, required_cosignatures=required, origin=ORIGIN
    )
    assert verdict.witnesses == witnesses
    assert (verdict.index, verdict.size, verdict.root_hex, verdict.origin) == (3, 7, TREE.root_hash().hex(), ORIGIN)
    assert verdict.leaf_hash_hex == leaf_hash(STATEMENTS[3]).hex()
    assert verdict.statement == {"work_id": "w-3", "kind": "article"}


def test_verdict_as_json() -> None:
    verdict = verify_receipt_offline(receipt(), None, LOG.verifier_key(), witness_vkeys=keys(W2), required_cosignatures=1)
    assert json.loads(json.dumps(verdict.to_dict())) == {
        "index": 3, "size": 7, "root": TREE.root_hash().hex(), "origin": ORIGIN,
        "leaf_hash": leaf_hash(STATEMENTS[3]).hex(),
        "cosignatures": [{"witness": "witness.example/w2", "timestamp": T + 1}],
        "statement": {"work_id": "w-3", "kind": "article"},
    }


@pytest.mark.parametrize(
    "receipt_text, leaf, statement",
    [
        pytest.param(receipt(extra=None), STATEMENTS[3], {"work_id": "w-3", "kind": "article"}, id="leaf-given-no-extra"),
        pytest.param(receipt(), STATEMENTS[3], {"work_id": "w-3", "kind": "article"}, id="leaf-given-equal-to-extra"),
        pytest.param(receipt(), None, {"work_id": "w-3", "kind": "article"}, id="leaf-from-extra"),
    ],
)
def test_where_the_leaf_comes_from(receipt_text: str, leaf: bytes | None, statement: object) -> None:
    assert verify_receipt_offline(receipt_text, leaf, LOG.verifier_key()).statement == statement


def test_a_leaf_that_is_not_json_has_no_statement() -> None:
    tree = MemoryNodes([b"\xff binary", b"plain"])
    note = sign_checkpoint(Checkpoint(ORIGIN, 2, tree.root_hash()), LOG)
    text = Receipt(0, tuple(inclusion_proof(0, 2, tree.read_node)), note, b"\xff binary").to_text()
    verdict = verify_receipt_offline(text, None, LOG.verifier_key())
    assert verdict.statement is None and verdict.index == 0


def _forged(line: str) -> str:
    name, blob = line.rstrip("\n").split(" ")[1:]
    payload = base64.b64decode(blob)
    return f"\u2014 {name} {base64.b64encode(payload[:12] + bytes(64)).decode()}\n"


OLD_TREE_NOTE_TEXT = Checkpoint(ORIGIN, 5, MemoryNodes(STATEMENTS[:5]).root_hash()).to_note_text()
OTHER_ORIGIN = NoteSigner("example.com/other", Ed25519PrivateKey.from_private_bytes(b"\x01" * 32))


@pytest.mark.parametrize(
    "receipt_text, leaf, log_key, witness_keys, required, origin, error, message",
    [
        pytest.param(receipt(extra=None), None, LOG.verifier_key(), [], 0, None, ReceiptError,
                     "expected the leaf: give the registration statement, or a receipt whose extra line carries it; got neither", id="no-leaf"),
        pytest.param(receipt(), STATEMENTS[4], LOG.verifier_key(), [], 0, None, ReceiptError,
                     "expected the receipt's extra data to be the leaf given, got other bytes", id="extra-disagrees"),
        pytest.param(receipt(extra=None), STATEMENTS[4], LOG.verifier_key(), [], 0, None, ProofError,
                     "receipt does not prove this leaf at index 3", id="wrong-leaf"),
        pytest.param(receipt(), None, STRANGER.verifier_key(), [], 0, None, NoteError,
                     r"expected a signature from a known key \(example.com/log\+", id="wrong-log-key"),
        pytest.param(receipt(), None, W1.verifier_key(), [], 0, None, NoteError,
                     r"expected the log's verifier key \(type 0x01\), got the witness key of witness.example/w1 \(type 0x04\)", id="witness-key-as-log-key"),
        pytest.param(receipt(), None, LOG.verifier_key(), [LOG.verifier_key()], 0, None, NoteError,
                     r"expected a witness key \(type 0x04\), got the log key of example.com/log \(type 0x01\)", id="log-key-as-witness-key"),
        pytest.param(receipt(), None, "not a key", [], 0, None, NoteError, "expected the log's verifier key <name>", id="garbage-log-key"),
        pytest.param(receipt(), None, LOG.verifier_key(), ["not a key"], 0, None, NoteError, "expected a witness key <name>", id="garbage-witness-key"),
        pytest.param(receipt(), None, LOG.verifier_key(), [], 0, "example.com/other", CheckpointError,
                     "expected checkpoint origin 'example.com/other', got 'example.com/log'", id="wrong-origin"),
        pytest.param(receipt(note=sign_checkpoint(Checkpoint("example.com/other", 7, TREE.root_hash()), OTHER_ORIGIN)),
                     None, OTHER_ORIGIN.verifier_key(), [], 0, ORIGIN, CheckpointError,
                     "expected checkpoint origin 'example.com/log', got 'example.com/other'", id="receipt-for-another-origin"),
        pytest.param(receipt(), None, LOG.verifier_key(), keys(W1, W2, W3), 3, None, NoteError,
                     r"expected cosignatures from at least 3 of the witnesses .* got 2 \(witness.example/w1, witness.example/w2\)", id="too-few-cosignatures"),
        pytest.param(receipt(note=NOTE), None, LOG.verifier_key(), keys(W1), 1, None, NoteError,
                     r"got 0 \(none\)", id="no-cosignatures"),
        pytest.param(receipt(), None, LOG.verifier_key(), keys(W1), 2, None, NoteError,
                     r"expected required cosignatures in 0..1 \(the witness keys given\), got 2", id="more-required-than-keys"),
        pytest.param(receipt(), None, LOG.verifier_key(), [], 1, None, NoteError,
                     r"expected required cosignatures in 0..0", id="required-without-keys"),
        pytest.param(receipt(note=NOTE + _forged(W1.cosign(TEXT, T))), None, LOG.verifier_key(), keys(W1), 1, None, NoteError,
                     "expected a valid cosignature/v1 from witness.example/w1.*does not verify", id="forged-cosignature"),
        pytest.param(receipt(note=NOTE + W1.cosign(OLD_TREE_NOTE_TEXT, T)), None, LOG.verifier_key(), keys(W1), 1, None, NoteError,
                     "does not verify", id="cosignature-of-an-older-checkpoint"),
        pytest.param(receipt().replace("index 3", "index 03"), None, LOG.verifier_key(), [], 0, None, ReceiptError,
                     "expected a line 'index <N>'", id="malformed-receipt"),
    ],
)
def test_failures_say_what_failed(
    receipt_text: str, leaf: bytes | None, log_key: str, witness_keys: list[str], required: int,
    origin: str | None, error: type, message: str,
) -> None:
    with pytest.raises(error, match=message) as raised:
        verify_receipt_offline(
            receipt_text, leaf, log_key, witness_vkeys=witness_keys, required_cosignatures=required, origin=origin
        )
    assert isinstance(raised.value, LogError)


def test_end_to_end_with_two_witnesses_that_follow_the_log() -> None:
    witnesses = [Witness(signer, {ORIGIN: LOG.verifier()}) for signer in (W1, W2)]
    for size in (4, TREE.size):
        note = sign_checkpoint(Checkpoint(ORIGIN, size, MemoryNodes(STATEMENTS[:size]).root_hash()), LOG)
        lines = []
        for witness in witnesses:
            recorded = witness.state.get(ORIGIN)
            old = recorded.size if recorded else 0
            proof = consistency_proof(old, size, TREE.read_node) if old else []
            lines.append(witness.add_checkpoint(old, proof, note, now=T + size))
        note = add_cosignatures(note, lines)
    verdict = verify_receipt_offline(
        receipt(6, note=note, extra=STATEMENTS[6]), None, LOG.verifier_key(),
        witness_vkeys=keys(W1, W2), required_cosignatures=2, origin=ORIGIN,
    )
    assert isinstance(verdict, OfflineVerdict)
    assert verdict.witnesses == ("witness.example/w1", "witness.example/w2")
    assert [c.timestamp for c in verdict.cosignatures] == [T + TREE.size] * 2
