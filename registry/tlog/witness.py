"""A small witness: cosigns a log's checkpoints only while they stay consistent (c2sp.org/tlog-witness).

The witness knows each log by its origin and verifier key(s) and remembers, per origin, the size
and root hash of the latest checkpoint it cosigned. ``add_checkpoint`` applies the rules of the
spec's add-checkpoint call in order; each failure is its own error class, and the docstring of
each names the HTTP status the spec gives it. Pure state machine: the caller keeps the state (for
example as ``WitnessState.to_json()`` in a file, via ``persist``).

>>> from registry.tlog.checkpoint import Checkpoint, sign_checkpoint
>>> from registry.tlog.cosignature import CosignatureSigner, generate_cosignature_key
>>> from registry.tlog.memory import MemoryNodes
>>> from registry.tlog.merkle import consistency_proof
>>> from registry.tlog.note import NoteSigner, generate_note_key
>>> log = NoteSigner.from_skey(generate_note_key("example.com/log")[0])
>>> witness = Witness(CosignatureSigner.from_skey(generate_cosignature_key("witness.example/w1")[0]),
...                   {"example.com/log": log.verifier()})
>>> tree = MemoryNodes([b"a", b"b"])
>>> note = sign_checkpoint(Checkpoint("example.com/log", 2, tree.root_hash()), log)
>>> witness.add_checkpoint(0, [], note, now=1700000000).startswith("\\u2014 witness.example/w1 ")
True
>>> _ = tree.append(b"c")
>>> note = sign_checkpoint(Checkpoint("example.com/log", 3, tree.root_hash()), log)
>>> line = witness.add_checkpoint(2, consistency_proof(2, 3, tree.read_node), note, now=1700000060)
>>> witness.state.get("example.com/log").size
3
>>> witness.add_checkpoint(2, [], note, now=1700000120)
Traceback (most recent call last):
...
registry.tlog.witness.WitnessConflictError: expected old size 3 (the latest size cosigned for example.com/log), got 2
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import NamedTuple

from registry.tlog import merkle
from registry.tlog._base64 import decode_base64, encode_base64
from registry.tlog.checkpoint import MAX_TREE_SIZE, Checkpoint
from registry.tlog.cosignature import CosignatureSigner
from registry.tlog.errors import CheckpointError, LogError, NoteError, ProofError
from registry.tlog.note import NoteVerifier, open_note

STATE_FORMAT = "aigc-registry witness state v1"
MAX_CONSISTENCY_PROOF_LINES = 63
"""A client "MUST NOT send more than 63 consistency proof lines" (c2sp.org/tlog-witness)."""


# --- errors (errors.py stays the family's root; these are the witness's branches) -------------


class WitnessError(LogError):
    """The witness refuses to cosign a checkpoint."""


class UnknownOriginError(WitnessError):
    """The checkpoint names a log the witness does not know (HTTP 404 in c2sp.org/tlog-witness)."""


class UntrustedCheckpointError(WitnessError):
    """No signature on the checkpoint verifies with a key trusted for its origin (HTTP 403)."""


class WitnessRequestError(WitnessError):
    """The request is malformed, or its old size exceeds the checkpoint size (HTTP 400)."""


class WitnessConflictError(WitnessError):
    """The old size is not the latest size cosigned for the origin (HTTP 409, body ``<recorded_size>\\n``)."""

    def __init__(self, message: str, recorded_size: int) -> None:
        super().__init__(message)
        self.recorded_size = recorded_size


class WitnessForkError(WitnessConflictError):
    """A checkpoint of the recorded size with another root hash: the log forked (HTTP 409)."""

    def __init__(self, message: str, recorded_size: int, recorded_root: bytes, root_hash: bytes) -> None:
        super().__init__(message, recorded_size)
        self.recorded_root = recorded_root
        self.root_hash = root_hash


class InconsistentCheckpointError(WitnessError, ProofError):
    """The consistency proof does not lead from the recorded tree to the checkpoint (HTTP 422)."""


# --- state ------------------------------------------------------------------------------------


class TreeHead(NamedTuple):
    """Size and root hash of the latest checkpoint cosigned for one origin."""

    size: int
    root_hash: bytes


class WitnessState:
    """Per origin, the tree head of the latest checkpoint cosigned; JSON-serialisable."""

    def __init__(self, heads: Mapping[str, TreeHead | tuple[int, bytes]] | None = None) -> None:
        self._heads: dict[str, TreeHead] = {}
        for origin, (size, root_hash) in (heads or {}).items():
            # Checkpoint validates origin, size and root exactly as a checkpoint line would.
            checkpoint = Checkpoint(origin, size, root_hash)
            self._heads[origin] = TreeHead(checkpoint.size, checkpoint.root_hash)

    def get(self, origin: str) -> TreeHead | None:
        return self._heads.get(origin)

    def heads(self) -> dict[str, TreeHead]:
        return dict(self._heads)

    def recorded(self, origin: str, size: int, root_hash: bytes) -> WitnessState:
        """A new state with ``origin`` at ``size`` and ``root_hash`` (this one is left unchanged)."""
        return WitnessState({**self._heads, origin: TreeHead(size, root_hash)})

    def to_json(self) -> str:
        logs = {
            origin: {"size": head.size, "root_hash": encode_base64(head.root_hash)}
            for origin, head in sorted(self._heads.items())
        }
        return json.dumps({"format": STATE_FORMAT, "logs": logs}, indent=2, sort_keys=True) + "\n"

    @classmethod
    def from_json(cls, text: str | bytes) -> WitnessState:
        try:
            document = json.loads(text)
        except (ValueError, TypeError) as error:
            raise WitnessError(f"expected the witness state as JSON, got {str(error)[:80]}") from error
        if not isinstance(document, dict) or document.get("format") != STATE_FORMAT:
            got = document.get("format") if isinstance(document, dict) else type(document).__name__
            raise WitnessError(f"expected a witness state with format {STATE_FORMAT!r}, got {got!r}")
        logs = document.get("logs")
        if not isinstance(logs, dict):
            raise WitnessError(f"expected 'logs' to map origins to tree heads, got {type(logs).__name__}")
        heads: dict[str, TreeHead] = {}
        for origin, head in logs.items():
            well_typed = isinstance(head, dict) and isinstance(head.get("size"), int)
            if not well_typed or not isinstance(head.get("root_hash"), str):
                raise WitnessError(f"expected {{'size': int, 'root_hash': base64}} for {origin!r}, got {head!r}")
            try:
                heads[origin] = TreeHead(head["size"], decode_base64(head["root_hash"]))
            except ValueError as error:
                raise WitnessError(f"expected a base64 root hash for {origin!r}, got {head['root_hash']!r}") from error
        try:
            return cls(heads)
        except CheckpointError as error:
            raise WitnessError(f"expected valid tree heads in the witness state, got: {error}") from error

    def __eq__(self, other: object) -> bool:
        return isinstance(other, WitnessState) and self._heads == other._heads

    def __repr__(self) -> str:
        return f"WitnessState({ {o: (h.size, h.root_hash.hex()) for o, h in self._heads.items()} })"


# --- the add-checkpoint request body ----------------------------------------------------------


class AddCheckpointRequest(NamedTuple):
    """The body of POST <prefix>/add-checkpoint: ``old <N>``, proof lines, a blank line, the note."""

    old_size: int
    consistency_proof: tuple[bytes, ...]
    note: str

    def to_text(self) -> str:
        lines = [f"old {self.old_size}", *(encode_base64(node) for node in self.consistency_proof)]
        return "".join(line + "\n" for line in lines) + "\n" + self.note

    @classmethod
    def from_text(cls, body: str) -> AddCheckpointRequest:
        """Parse a request body strictly; WitnessRequestError names what is wrong (HTTP 400)."""
        if not isinstance(body, str):
            raise WitnessRequestError(f"expected the request body as text, got {type(body).__name__}")
        head, blank, note = body.partition("\n\n")
        if not blank or not note:
            raise WitnessRequestError(
                "expected an old size line, proof lines, a blank line and a checkpoint, got no blank line"
            )
        old_line, *proof_lines = head.split("\n")
        digits = old_line.removeprefix("old ")
        if digits == old_line or not digits.isascii() or not digits.isdigit() or (digits != "0" and digits[0] == "0"):
            raise WitnessRequestError(
                f"expected a first line 'old <N>' in decimal without leading zeros, got {old_line[:40]!r}"
            )
        if len(proof_lines) > MAX_CONSISTENCY_PROOF_LINES:
            raise WitnessRequestError(
                f"expected at most {MAX_CONSISTENCY_PROOF_LINES} consistency proof lines, got {len(proof_lines)}"
            )
        proof = []
        for position, line in enumerate(proof_lines):
            try:
                proof.append(decode_base64(line))
            except ValueError as error:
                raise WitnessRequestError(
                    f"expected consistency proof line {position} in base64, got {line[:60]!r}"
                ) from error
        return cls(int(digits), tuple(proof), note)


# --- the witness ------------------------------------------------------------------------------


def _checkpoint_origin(note: str) -> str:
    if not isinstance(note, str) or "\n" not in note:
        raise WitnessRequestError(f"expected a signed checkpoint note, got {str(note)[:60]!r}")
    return note.partition("\n")[0]


class Witness:
    """Cosigns checkpoints of known logs that extend what it cosigned before (c2sp.org/tlog-witness).

    ``logs`` maps each origin to the verifier key(s) trusted for it. ``persist``, when given, is
    called with the new state before a cosignature is returned; if it raises, nothing changes.
    Checking and recording happen under one lock, so concurrent requests cannot roll a log back.
    """

    def __init__(
        self,
        signer: CosignatureSigner,
        logs: Mapping[str, NoteVerifier | Iterable[NoteVerifier]],
        state: WitnessState | None = None,
        *,
        persist: Callable[[WitnessState], None] | None = None,
    ) -> None:
        self._signer = signer
        self._logs = {origin: [keys] if isinstance(keys, NoteVerifier) else list(keys) for origin, keys in logs.items()}
        for origin, keys in self._logs.items():
            Checkpoint(origin, 0, merkle.EMPTY_ROOT)  # the origin must be a valid checkpoint line
            if not keys:
                raise WitnessError(f"expected at least one verifier key for {origin}, got none")
        self._state = state if state is not None else WitnessState()
        self._persist = persist
        self._lock = threading.Lock()

    @property
    def state(self) -> WitnessState:
        return self._state

    @property
    def name(self) -> str:
        return self._signer.name

    def verifier_key(self) -> str:
        """The witness key (type 0x04) that clients configure to check its cosignatures."""
        return self._signer.verifier_key()

    def add_request(self, body: str, now: int) -> str:
        """``add_checkpoint`` for a tlog-witness request body; returns the response body."""
        request = AddCheckpointRequest.from_text(body)
        return self.add_checkpoint(request.old_size, request.consistency_proof, request.note, now)

    def add_checkpoint(self, old_size: int, consistency_proof: Sequence[bytes], note: str, now: int) -> str:
        """Verify ``note`` and its consistency with the recorded tree head; record it and cosign it.

        Returns the cosignature line (ending in a newline) with timestamp ``now``. Raises, in this
        order: UnknownOriginError, UntrustedCheckpointError, WitnessRequestError (malformed body, old
        size beyond the checkpoint size), WitnessConflictError (old size is not the recorded size),
        WitnessForkError (the recorded size with another root; checked before the proof so that it
        is the spec's 409, not a 422), InconsistentCheckpointError (the proof does not verify).
        """
        origin = _checkpoint_origin(note)
        verifiers = self._logs.get(origin)
        if verifiers is None:
            known = ", ".join(sorted(self._logs)) or "none"
            raise UnknownOriginError(f"expected a checkpoint of a known log ({known}), got origin {origin!r}")
        try:
            text = open_note(note, verifiers).text
        except NoteError as error:
            raise UntrustedCheckpointError(
                f"expected a checkpoint signed by a key trusted for {origin}, got: {error}"
            ) from error
        try:
            checkpoint = Checkpoint.from_note_text(text)
        except CheckpointError as error:
            raise WitnessRequestError(f"expected a well-formed checkpoint body, got: {error}") from error
        if not isinstance(old_size, int) or isinstance(old_size, bool) or not 0 <= old_size <= MAX_TREE_SIZE:
            raise WitnessRequestError(f"expected an old size in 0..2**64-1, got {old_size!r}")
        if old_size > checkpoint.size:
            raise WitnessRequestError(
                f"expected an old size at most the checkpoint size {checkpoint.size}, got {old_size}"
            )
        proof = list(consistency_proof)
        with self._lock:
            recorded = self._state.get(origin)
            self._check_extends(checkpoint, recorded, old_size, proof)
            line = self._signer.cosign(text, now)
            new_state = self._state.recorded(origin, checkpoint.size, checkpoint.root_hash)
            if self._persist is not None:
                self._persist(new_state)
            self._state = new_state
        return line

    @staticmethod
    def _check_extends(checkpoint: Checkpoint, recorded: TreeHead | None, old_size: int, proof: list[bytes]) -> None:
        origin = checkpoint.origin
        recorded_size = recorded.size if recorded is not None else 0
        if old_size != recorded_size:
            raise WitnessConflictError(
                f"expected old size {recorded_size} (the latest size cosigned for {origin}), got {old_size}",
                recorded_size,
            )
        if recorded is not None and recorded.size == checkpoint.size and recorded.root_hash != checkpoint.root_hash:
            raise WitnessForkError(
                f"expected root {recorded.root_hash.hex()} at size {checkpoint.size} of {origin} (cosigned before), "
                f"got {checkpoint.root_hash.hex()}: the log forked",
                recorded.size, recorded.root_hash, checkpoint.root_hash,
            )
        try:
            if old_size == 0:
                if proof:
                    raise ProofError(f"expected an empty consistency proof from old size 0, got {len(proof)} hashes")
                if checkpoint.size == 0:
                    merkle.verify_consistency(0, 0, merkle.EMPTY_ROOT, checkpoint.root_hash, proof)
            else:
                assert recorded is not None  # old_size == recorded_size > 0
                merkle.verify_consistency(
                    recorded.size, checkpoint.size, recorded.root_hash, checkpoint.root_hash, proof
                )
        except ProofError as error:
            raise InconsistentCheckpointError(
                f"expected a consistency proof from size {old_size} to {checkpoint.size} of {origin}, "
                f"got one that fails: {error}"
            ) from error
