"""The log monitor accepts a growing, consistent log and raises on forks, rollbacks and forgeries."""

from __future__ import annotations

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from registry.tlog.checkpoint import Checkpoint, sign_checkpoint
from registry.tlog.errors import CheckpointError, NoteError, ProofError
from registry.tlog.memory import MemoryNodes
from registry.tlog.merkle import consistency_proof
from registry.tlog.monitor import LogForkError, LogMonitor
from registry.tlog.note import NoteSigner

ORIGIN = "example.org/log"
SIGNER = NoteSigner(ORIGIN, Ed25519PrivateKey.generate())


def _note(tree: MemoryNodes, signer: NoteSigner = SIGNER, origin: str = ORIGIN) -> str:
    return sign_checkpoint(Checkpoint(origin, tree.size, tree.root_hash()), signer)


def _proofs(tree: MemoryNodes):
    return lambda old, new: consistency_proof(old, new, tree.read_node)


def test_a_growing_log_is_followed():
    tree = MemoryNodes([b"0"])
    monitor = LogMonitor(SIGNER.verifier())
    kinds = [monitor.observe(_note(tree), _proofs(tree)).kind]
    for n in range(1, 40):
        tree.append(str(n).encode())
        if n % 7 == 0:
            kinds.append(monitor.observe(_note(tree), _proofs(tree)).kind)
    kinds.append(monitor.observe(_note(tree), _proofs(tree)).kind)
    assert kinds == ["first"] + ["grew"] * 5 + ["grew"] and monitor.seen.size == 40
    assert monitor.observe(_note(tree), _proofs(tree)).kind == "same"


def test_empty_log_then_growth_needs_no_proof():
    tree = MemoryNodes()
    monitor = LogMonitor(SIGNER.verifier())
    monitor.observe(_note(tree), _proofs(tree))
    tree.append(b"x")
    assert monitor.observe(_note(tree), lambda old, new: pytest.fail("no proof from size 0")).kind == "grew"


@pytest.mark.parametrize(
    ("make_note", "error", "message"),
    [
        (lambda seen, other: _note(other), LogForkError, "two roots for size"),  # fork at the same size
        (lambda seen, other: _note(MemoryNodes([b"a"])), LogForkError, "shrank"),  # rollback
        (lambda seen, other: _note(other, NoteSigner(ORIGIN, Ed25519PrivateKey.generate())), NoteError, None),  # forged
        (lambda seen, other: _note(seen, origin="other.org/log"), (NoteError, CheckpointError), None),  # other log
    ],
    ids=["fork", "rollback", "other-key", "other-origin"],
)
def test_history_that_cannot_extend_is_refused(make_note, error, message):
    seen = MemoryNodes([b"a", b"b", b"c"])
    other = MemoryNodes([b"a", b"B", b"c"])
    monitor = LogMonitor(SIGNER.verifier())
    monitor.observe(_note(seen), _proofs(seen))
    with pytest.raises(error, match=message):
        monitor.observe(make_note(seen, other), _proofs(seen))
    assert monitor.seen.size == 3  # nothing learnt from a bad checkpoint


def test_a_grown_fork_fails_its_consistency_proof():
    seen = MemoryNodes([b"a", b"b", b"c"])
    fork = MemoryNodes([b"a", b"B", b"c", b"d"])
    monitor = LogMonitor(SIGNER.verifier())
    monitor.observe(_note(seen), _proofs(seen))
    with pytest.raises(ProofError):
        monitor.observe(_note(fork), _proofs(fork))
