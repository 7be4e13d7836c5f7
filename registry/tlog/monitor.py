"""A log monitor: follow a log's signed checkpoints and prove each consistent with the last seen.

Pure: the caller fetches checkpoints and consistency proofs (over HTTP, say) and hands them in. A log
that shrinks, or shows two roots for one size, or cannot prove its new tree extends the old one, is
caught here: that is what stops a log from rewriting history or showing users different ones.

>>> from registry.tlog.memory import MemoryNodes
>>> from registry.tlog.note import NoteSigner
>>> from registry.tlog.checkpoint import Checkpoint, sign_checkpoint
>>> from registry.tlog.merkle import consistency_proof
>>> from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
>>> signer = NoteSigner("example.org/log", Ed25519PrivateKey.generate())
>>> tree = MemoryNodes([b"a", b"b"])
>>> def note(): return sign_checkpoint(Checkpoint("example.org/log", tree.size, tree.root_hash()), signer)
>>> proofs = lambda old, new: consistency_proof(old, new, tree.read_node)
>>> monitor = LogMonitor(signer.verifier())
>>> monitor.observe(note(), proofs).kind
'first'
>>> _ = tree.append(b"c")
>>> event = monitor.observe(note(), proofs)
>>> event.kind, event.previous_size, event.size
('grew', 2, 3)
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from .checkpoint import Checkpoint, open_checkpoint
from .errors import LogError
from .merkle import verify_consistency
from .note import NoteVerifier
from .witness import TreeHead

ConsistencyFetcher = Callable[[int, int], Sequence[bytes]]


class LogForkError(LogError):
    """The log showed a history that cannot extend the one seen before: a fork or a rollback."""


@dataclass(frozen=True)
class MonitorEvent:
    kind: str  # "first" | "same" | "grew"
    size: int
    root_hash: bytes
    previous_size: int | None = None

    def describe(self) -> str:
        root = self.root_hash.hex()[:16]
        if self.kind == "first":
            return f"first checkpoint: size {self.size}, root {root}…"
        if self.kind == "same":
            return f"unchanged: size {self.size}"
        return f"grew {self.previous_size} -> {self.size}, consistent; root {root}…"


class LogMonitor:
    def __init__(self, verifier: NoteVerifier, *, origin: str | None = None, seen: TreeHead | None = None) -> None:
        self.verifier = verifier
        self.origin = origin or verifier.name
        self.seen = seen

    def observe(self, note: str, fetch_consistency: ConsistencyFetcher) -> MonitorEvent:
        """Check one signed checkpoint against the last one seen; remember it if it checks out."""
        checkpoint: Checkpoint = open_checkpoint(note, self.verifier, origin=self.origin)
        head = TreeHead(checkpoint.size, checkpoint.root_hash)
        seen = self.seen
        if seen is None:
            self.seen = head
            return MonitorEvent("first", head.size, head.root_hash)
        if head.size < seen.size:
            raise LogForkError(f"log shrank: expected size at least {seen.size}, got {head.size}")
        if head.size == seen.size:
            if head.root_hash != seen.root_hash:
                raise LogForkError(f"two roots for size {head.size}: expected {seen.root_hash.hex()} (seen before), "
                                   f"got {head.root_hash.hex()}")
            return MonitorEvent("same", head.size, head.root_hash, seen.size)
        if seen.size > 0:
            proof = fetch_consistency(seen.size, head.size)
            verify_consistency(seen.size, head.size, seen.root_hash, head.root_hash, proof)
        self.seen = head
        return MonitorEvent("grew", head.size, head.root_hash, seen.size)
