"""Offline receipt verification: a tlog-proof@v1 receipt, the log's key, optional witness keys.

What ``aigc-registry log verify RECEIPT --key VKEY`` runs: no database, no server. The receipt's
checkpoint must carry the log's signature (and name ``origin`` when given), the inclusion proof
must lead from the leaf to that checkpoint's root, and at least ``required_cosignatures`` of the
given witnesses must have cosigned the checkpoint (c2sp.org/tlog-cosignature). The leaf is the
registration statement; the registry also puts it in the receipt's ``extra`` line, so it can be
omitted.

>>> from registry.tlog.checkpoint import Checkpoint, sign_checkpoint
>>> from registry.tlog.cosignature import CosignatureSigner, add_cosignatures, generate_cosignature_key
>>> from registry.tlog.memory import MemoryNodes
>>> from registry.tlog.merkle import inclusion_proof
>>> from registry.tlog.note import NoteSigner, generate_note_key
>>> from registry.tlog.receipt import Receipt
>>> log_skey, log_vkey = generate_note_key("example.com/log")
>>> w_skey, w_vkey = generate_cosignature_key("witness.example/w1")
>>> tree = MemoryNodes([b'{"work_id":"w-0"}', b'{"work_id":"w-1"}'])
>>> checkpoint = Checkpoint("example.com/log", 2, tree.root_hash())
>>> note = sign_checkpoint(checkpoint, NoteSigner.from_skey(log_skey))
>>> note = add_cosignatures(note, CosignatureSigner.from_skey(w_skey).cosign(checkpoint.to_note_text(), 1700000000))
>>> receipt = Receipt(1, tuple(inclusion_proof(1, 2, tree.read_node)), note, extra=b'{"work_id":"w-1"}')
>>> verdict = verify_receipt_offline(receipt.to_text(), None, log_vkey, witness_vkeys=[w_vkey],
...                                  required_cosignatures=1, origin="example.com/log")
>>> verdict.index, verdict.size, verdict.witnesses, verdict.statement
(1, 2, ('witness.example/w1',), {'work_id': 'w-1'})
>>> verify_receipt_offline(receipt.to_text(), None, w_vkey)
Traceback (most recent call last):
...
registry.tlog.errors.NoteError: expected the log's verifier key (type 0x01), got the witness key of witness.example/w1 ...
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from registry.tlog.cosignature import Cosignature, CosignatureVerifier, open_cosignatures
from registry.tlog.errors import NoteError, ReceiptError
from registry.tlog.merkle import leaf_hash
from registry.tlog.note import NoteVerifier
from registry.tlog.receipt import Receipt, verify_receipt


@dataclass(frozen=True)
class OfflineVerdict:
    """What a verified receipt proves: leaf ``index`` is in the log ``origin`` at ``size`` with ``root_hex``,
    as cosigned by ``cosignatures``; ``statement`` is the leaf parsed as JSON (None if it is not JSON)."""

    index: int
    size: int
    root_hex: str
    origin: str
    leaf_hash_hex: str
    cosignatures: tuple[Cosignature, ...] = ()
    statement: Any = field(default=None, compare=False)

    @property
    def witnesses(self) -> tuple[str, ...]:
        """Names of the witnesses whose cosignature verified."""
        return tuple(cosignature.name for cosignature in self.cosignatures)

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready summary (for ``log verify --json``)."""
        return {
            "index": self.index,
            "size": self.size,
            "root": self.root_hex,
            "origin": self.origin,
            "leaf_hash": self.leaf_hash_hex,
            "cosignatures": [{"witness": c.name, "timestamp": c.timestamp} for c in self.cosignatures],
            "statement": self.statement,
        }


def _log_verifier(log_vkey: str) -> NoteVerifier:
    """The log's key (type 0x01); a witness key given by mistake is named as such."""
    try:
        return NoteVerifier.from_vkey(log_vkey)
    except NoteError as error:
        try:
            witness = CosignatureVerifier.from_vkey(log_vkey)
        except NoteError:
            raise NoteError(f"expected the log's verifier key <name>+<hex key id>+<base64 key>: {error}") from error
        raise NoteError(
            f"expected the log's verifier key (type 0x01), got the witness key of {witness.name} (type 0x04)"
        ) from error


def _witness_verifier(vkey: str) -> CosignatureVerifier:
    """A witness key (type 0x04); a log key given by mistake is named as such."""
    try:
        return CosignatureVerifier.from_vkey(vkey)
    except NoteError as error:
        try:
            log = NoteVerifier.from_vkey(vkey)
        except NoteError:
            raise NoteError(f"expected a witness key <name>+<hex key id>+<base64 key>: {error}") from error
        raise NoteError(f"expected a witness key (type 0x04), got the log key of {log.name} (type 0x01)") from error


def _statement(leaf: bytes) -> Any:
    try:
        return json.loads(leaf.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        return None


def verify_receipt_offline(
    receipt_text: str,
    leaf: bytes | None,
    log_vkey: str,
    *,
    witness_vkeys: Sequence[str] = (),
    required_cosignatures: int = 0,
    origin: str | None = None,
) -> OfflineVerdict:
    """Verify a receipt with keys only; return what it proves or raise a LogError saying what failed.

    ``leaf`` None means: take the leaf from the receipt's ``extra`` line. When both are present
    they must agree. Errors: ReceiptError (malformed receipt, no leaf, extra disagreeing with the
    leaf), NoteError (wrong log key, a witness key where the log key belongs or the reverse, a bad
    cosignature from a given witness, too few cosignatures), CheckpointError (another origin),
    ProofError (the leaf is not at that index under that root).
    """
    receipt = Receipt.from_text(receipt_text)
    log_verifier = _log_verifier(log_vkey)
    if isinstance(witness_vkeys, str):
        witness_vkeys = [witness_vkeys]
    witnesses = [_witness_verifier(vkey) for vkey in witness_vkeys]
    if leaf is None:
        if receipt.extra is None:
            raise ReceiptError(
                "expected the leaf: give the registration statement, or a receipt whose extra line carries it; "
                "got neither"
            )
        leaf = receipt.extra
    elif receipt.extra is not None and receipt.extra != bytes(leaf):
        raise ReceiptError("expected the receipt's extra data to be the leaf given, got other bytes")
    checkpoint = verify_receipt(receipt, bytes(leaf), log_verifier, origin)
    cosignatures = open_cosignatures(receipt.checkpoint_note, witnesses, required_cosignatures)
    return OfflineVerdict(
        index=receipt.index,
        size=checkpoint.size,
        root_hex=checkpoint.root_hash.hex(),
        origin=checkpoint.origin,
        leaf_hash_hex=leaf_hash(bytes(leaf)).hex(),
        cosignatures=tuple(cosignatures),
        statement=_statement(bytes(leaf)),
    )
