"""The witness (c2sp.org/tlog-witness add-checkpoint rules): it cosigns growth and refuses the rest."""

from __future__ import annotations

import base64
import doctest
import threading

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from hypothesis import given, settings
from hypothesis import strategies as st

import registry.tlog.witness as witness_module
from registry.tlog.checkpoint import Checkpoint, sign_checkpoint
from registry.tlog.cosignature import CosignatureSigner, add_cosignatures, verify_cosignatures
from registry.tlog.errors import LogError, ProofError
from registry.tlog.memory import MemoryNodes
from registry.tlog.merkle import EMPTY_ROOT, consistency_proof, leaf_hash, root_hash
from registry.tlog.note import NoteSigner
from registry.tlog.witness import (
    AddCheckpointRequest,
    InconsistentCheckpointError,
    TreeHead,
    UnknownOriginError,
    UntrustedCheckpointError,
    Witness,
    WitnessConflictError,
    WitnessError,
    WitnessForkError,
    WitnessRequestError,
    WitnessState,
)

ORIGIN = "example.com/log"
LOG = NoteSigner(ORIGIN, Ed25519PrivateKey.from_private_bytes(b"\x01" * 32))
STRANGER = NoteSigner(ORIGIN, Ed25519PrivateKey.from_private_bytes(b"\x02" * 32))
OTHER_LOG = NoteSigner("example.com/other", Ed25519PrivateKey.from_private_bytes(b"\x03" * 32))
SIGNER = CosignatureSigner("witness.example/w1", Ed25519PrivateKey.from_private_bytes(b"\x11" * 32))
TREE = MemoryNodes(f"entry {i}".encode() for i in range(64))
FORK = MemoryNodes([*(f"entry {i}".encode() for i in range(5)), b"rewritten", *(f"entry {i}".encode() for i in range(6, 64))])
T = 1_700_000_000


def note_at(size: int, tree: MemoryNodes = TREE, signer: NoteSigner = LOG) -> str:
    return sign_checkpoint(Checkpoint(signer.name, size, root_hash(size, tree.read_node)), signer)


def proof(old: int, new: int, tree: MemoryNodes = TREE) -> list[bytes]:
    return [] if old == 0 else consistency_proof(old, new, tree.read_node)


def new_witness(state: WitnessState | None = None, **kwargs) -> Witness:
    return Witness(SIGNER, {ORIGIN: LOG.verifier(), OTHER_LOG.name: [OTHER_LOG.verifier()]}, state, **kwargs)


def witness_at(size: int) -> Witness:
    """A witness that has cosigned TREE at ``size``."""
    return new_witness(WitnessState({ORIGIN: TreeHead(size, root_hash(size, TREE.read_node))}))


def test_module_docstring_example_runs() -> None:
    result = doctest.testmod(witness_module, optionflags=doctest.ELLIPSIS)
    assert result.failed == 0 and result.attempted > 0


def test_first_checkpoint_is_cosigned_and_recorded() -> None:
    witness = new_witness()
    line = witness.add_checkpoint(0, [], note_at(7), now=T)
    assert witness.state.get(ORIGIN) == TreeHead(7, root_hash(7, TREE.read_node))
    assert witness.state.get(OTHER_LOG.name) is None
    cosigned = add_cosignatures(note_at(7), line)
    assert verify_cosignatures(cosigned, [SIGNER.verifier()], required=1) == [SIGNER.name]
    assert SIGNER.verifier().verify(Checkpoint.from_note_text(cosigned.split("\n\n")[0] + "\n").to_note_text(), line) == T


def test_a_growing_sequence_is_cosigned_with_real_consistency_proofs() -> None:
    witness = new_witness()
    sizes = [0, 1, 2, 3, 4, 8, 9, 16, 17, 31, 32, 33, 64]
    previous = 0
    for step, size in enumerate(sizes):
        line = witness.add_checkpoint(previous, proof(previous, size), note_at(size), now=T + step)
        assert SIGNER.verifier().verify(Checkpoint(ORIGIN, size, root_hash(size, TREE.read_node)).to_note_text(), line) == T + step
        assert witness.state.get(ORIGIN).size == size
        previous = size


def test_the_same_checkpoint_again_gets_a_fresh_cosignature() -> None:
    witness = witness_at(9)
    line = witness.add_checkpoint(9, [], note_at(9), now=T + 60)
    assert SIGNER.verifier().verify(Checkpoint.from_note_text(note_at(9).split("\n\n")[0] + "\n").to_note_text(), line) == T + 60


def test_logs_are_tracked_separately() -> None:
    witness = witness_at(9)
    witness.add_checkpoint(0, [], note_at(3, signer=OTHER_LOG), now=T)
    assert witness.state.get(OTHER_LOG.name).size == 3 and witness.state.get(ORIGIN).size == 9


def test_a_checkpoint_with_extension_lines_is_cosigned_verbatim() -> None:
    checkpoint = Checkpoint(ORIGIN, 4, root_hash(4, TREE.read_node), ("extension one",))
    line = new_witness().add_checkpoint(0, [], sign_checkpoint(checkpoint, LOG), now=T)
    assert SIGNER.verifier().verify(checkpoint.to_note_text(), line) == T


ROOT_6 = root_hash(6, TREE.read_node)


@pytest.mark.parametrize(
    "recorded, old_size, proof_hashes, note, error, message",
    [
        pytest.param(6, 6, [], note_at(8, signer=NoteSigner("example.com/unknown", Ed25519PrivateKey.from_private_bytes(b"\x04" * 32))),
                     UnknownOriginError, r"expected a checkpoint of a known log \(example.com/log, example.com/other\), got origin 'example.com/unknown'", id="unknown-origin-404"),
        pytest.param(6, 6, proof(6, 8), note_at(8, signer=STRANGER), UntrustedCheckpointError,
                     "expected a checkpoint signed by a key trusted for example.com/log, got: expected a signature from a known key", id="untrusted-key-403"),
        pytest.param(6, 6, proof(6, 8), note_at(8).replace("\n8\n", "\n9\n"), UntrustedCheckpointError, "does not verify over the note text", id="edited-checkpoint-403"),
        pytest.param(6, 9, [], note_at(8), WitnessRequestError, "expected an old size at most the checkpoint size 8, got 9", id="old-size-beyond-size-400"),
        pytest.param(6, -1, [], note_at(8), WitnessRequestError, "expected an old size in 0..2", id="negative-old-size-400"),
        pytest.param(6, 4, proof(4, 8), note_at(8), WitnessConflictError, r"expected old size 6 \(the latest size cosigned for example.com/log\), got 4", id="stale-old-size-409"),
        pytest.param(6, 7, proof(7, 8), note_at(8), WitnessConflictError, "expected old size 6 .* got 7", id="old-size-ahead-409"),
        pytest.param(6, 0, [], note_at(8), WitnessConflictError, "expected old size 6 .* got 0", id="old-size-zero-after-cosigning-409"),
        pytest.param(6, 6, [], note_at(5), WitnessRequestError, "expected an old size at most the checkpoint size 5, got 6", id="rollback-400"),
        pytest.param(6, 6, [], note_at(6, FORK), WitnessForkError, f"expected root {ROOT_6.hex()} at size 6 .* the log forked", id="fork-same-size-409"),
        pytest.param(6, 6, proof(6, 8, FORK), note_at(8, FORK), InconsistentCheckpointError, "expected a consistency proof from size 6 to 8 of example.com/log, got one that fails: expected the consistency proof to lead to old root", id="fork-larger-size-422"),
        pytest.param(6, 6, proof(6, 9), note_at(8), InconsistentCheckpointError, "expected 3 hashes in the consistency proof from size 6 to 8, got 4", id="proof-for-other-sizes-422"),
        pytest.param(6, 6, [leaf_hash(b"junk")] * 3, note_at(8), InconsistentCheckpointError, "got one that fails", id="junk-proof-422"),
        pytest.param(6, 6, [], note_at(8), InconsistentCheckpointError, "expected 3 hashes .* got 0", id="missing-proof-422"),
        pytest.param(6, 6, [leaf_hash(b"x")], note_at(6), InconsistentCheckpointError, "expected an empty consistency proof between equal sizes", id="proof-between-equal-sizes-422"),
        pytest.param(None, 0, [leaf_hash(b"x")], note_at(8), InconsistentCheckpointError, "expected an empty consistency proof from old size 0, got 1 hashes", id="proof-from-zero-422"),
        pytest.param(None, 2, proof(2, 8), note_at(8), WitnessConflictError, r"expected old size 0 \(the latest size cosigned", id="never-cosigned-409"),
        pytest.param(None, 0, [], sign_checkpoint(Checkpoint(ORIGIN, 0, leaf_hash(b"x")), LOG), InconsistentCheckpointError, "expected the empty-tree root", id="empty-tree-with-a-root-422"),
        pytest.param(6, 6, [], sign_checkpoint(Checkpoint(ORIGIN, 8, EMPTY_ROOT), LOG).replace("\n8\n", "\nx\n"), UntrustedCheckpointError, "does not verify", id="edited-size-403"),
        pytest.param(6, 6, [], "no checkpoint here", WitnessRequestError, "expected a signed checkpoint note", id="not-a-note-400"),
    ],
)
def test_refusals_say_what_failed_and_change_nothing(
    recorded: int | None, old_size: int, proof_hashes: list[bytes], note: str, error: type, message: str
) -> None:
    witness = new_witness() if recorded is None else witness_at(recorded)
    before = witness.state.to_json()
    with pytest.raises(error, match=message) as raised:
        witness.add_checkpoint(old_size, proof_hashes, note, now=T)
    assert isinstance(raised.value, WitnessError) and isinstance(raised.value, LogError)
    assert witness.state.to_json() == before


def test_conflict_carries_the_recorded_size() -> None:
    with pytest.raises(WitnessConflictError) as raised:
        witness_at(6).add_checkpoint(4, proof(4, 8), note_at(8), now=T)
    assert raised.value.recorded_size == 6


def test_fork_carries_both_roots_and_is_a_conflict() -> None:
    with pytest.raises(WitnessForkError) as raised:
        witness_at(6).add_checkpoint(6, [], note_at(6, FORK), now=T)
    fork = raised.value
    assert isinstance(fork, WitnessConflictError) and fork.recorded_size == 6
    assert (fork.recorded_root, fork.root_hash) == (ROOT_6, root_hash(6, FORK.read_node))


def test_inconsistent_proof_is_a_proof_error() -> None:
    with pytest.raises(ProofError):
        witness_at(6).add_checkpoint(6, proof(6, 8, FORK), note_at(8, FORK), now=T)


# --- persistence ------------------------------------------------------------------------------


def test_persist_sees_the_new_state_before_the_cosignature_is_returned() -> None:
    saved: list[str] = []
    witness = new_witness(persist=lambda state: saved.append(state.to_json()))
    witness.add_checkpoint(0, [], note_at(3), now=T)
    assert WitnessState.from_json(saved[-1]).get(ORIGIN).size == 3


def test_a_failing_persist_leaves_the_state_unchanged() -> None:
    def fail(state: WitnessState) -> None:
        raise OSError("disk full")

    witness = new_witness(witness_at(3).state, persist=fail)
    with pytest.raises(OSError, match="disk full"):
        witness.add_checkpoint(3, proof(3, 5), note_at(5), now=T)
    assert witness.state.get(ORIGIN).size == 3


def test_concurrent_requests_from_one_old_size_cosign_exactly_one() -> None:
    witness = witness_at(4)
    outcomes: list[str] = []

    def submit(size: int) -> None:
        try:
            witness.add_checkpoint(4, proof(4, size), note_at(size), now=T)
            outcomes.append(f"cosigned {size}")
        except WitnessConflictError:
            outcomes.append("conflict")

    threads = [threading.Thread(target=submit, args=(size,)) for size in range(5, 21)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    cosigned = [o for o in outcomes if o.startswith("cosigned")]
    assert len(cosigned) == 1 and outcomes.count("conflict") == 15
    assert witness.state.get(ORIGIN).size == int(cosigned[0].split()[1])


def test_state_json_round_trip() -> None:
    state = WitnessState({ORIGIN: TreeHead(6, ROOT_6), "example.com/other": (0, EMPTY_ROOT)})
    text = state.to_json()
    assert WitnessState.from_json(text) == state and WitnessState.from_json(text.encode()) == state
    assert WitnessState.from_json(WitnessState().to_json()) == WitnessState()
    assert f'"root_hash": "{base64.b64encode(ROOT_6).decode()}"' in text and '"size": 6' in text


@pytest.mark.parametrize(
    "text, message",
    [
        pytest.param("{", "expected the witness state as JSON", id="not-json"),
        pytest.param("[]", "expected a witness state with format", id="list"),
        pytest.param('{"format": "v0", "logs": {}}', "expected a witness state with format 'aigc-registry witness state v1', got 'v0'", id="other-format"),
        pytest.param('{"format": "aigc-registry witness state v1"}', "expected 'logs' to map origins", id="no-logs"),
        pytest.param('{"format": "aigc-registry witness state v1", "logs": {"a": {"size": "1", "root_hash": ""}}}', "expected {'size': int", id="size-as-string"),
        pytest.param('{"format": "aigc-registry witness state v1", "logs": {"a": {"size": 1, "root_hash": "!"}}}', "expected a base64 root hash for 'a'", id="bad-base64"),
        pytest.param('{"format": "aigc-registry witness state v1", "logs": {"a": {"size": -1, "root_hash": "AAAA"}}}', "expected valid tree heads", id="negative-size"),
        pytest.param('{"format": "aigc-registry witness state v1", "logs": {"a": {"size": 1, "root_hash": "AAAA"}}}', "expected valid tree heads.*32 bytes", id="short-root"),
    ],
)
def test_malformed_state_is_rejected(text: str, message: str) -> None:
    with pytest.raises(WitnessError, match=message):
        WitnessState.from_json(text)


# --- the request body -------------------------------------------------------------------------
# The example request body of c2sp.org/tlog-witness "add-checkpoint" (C2SP/C2SP tlog-witness.md, CC BY 4.0).
SPEC_REQUEST = """old 20852014
PlRNCrwHpqhGrupue0L7gxbjbMiKA9temvuZZDDpkaw=
jrJZDmY8Y7SyJE0MWLpLozkIVMSMZcD5kvuKxPC3swk=
5+pKlUdi2LeF/BcMHBn+Ku6yhPGNCswZZD1X/6QgPd8=
/6WVhPs2CwSsb5rYBH5cjHV/wSmA79abXAwhXw3Kj/0=

example.com/behind-the-sofa
20852163
CsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=

\u2014 example.com/behind-the-sofa Az3grlgtzPICa5OS8npVmf1Myq/5IZniMp+ZJurmRDeOoRDe4URYN7u5/Zhcyv2q1gGzGku9nTo+zyWE+xeMcTOAYQ8=
\u2014 example.com/behind-the-sofa opLqBQsREYCgu6xQkYQwJr9fo45a62DN9EdmHXnZdXNqlcVGlCum2Wks+49/V6267UEjw6QUXTS5Rovnzv++qbSzm9Q=
"""


def test_spec_request_body_parses_and_reprints_identically() -> None:
    request = AddCheckpointRequest.from_text(SPEC_REQUEST)
    assert request.old_size == 20852014 and len(request.consistency_proof) == 4
    assert request.consistency_proof[0] == base64.b64decode("PlRNCrwHpqhGrupue0L7gxbjbMiKA9temvuZZDDpkaw=")
    assert request.note.startswith("example.com/behind-the-sofa\n20852163\n")
    assert request.to_text() == SPEC_REQUEST


def test_add_request_answers_with_the_response_body() -> None:
    witness = witness_at(6)
    body = AddCheckpointRequest(6, tuple(proof(6, 8)), note_at(8)).to_text()
    response = witness.add_request(body, now=T)
    assert response.startswith("\u2014 witness.example/w1 ") and response.endswith("\n")
    assert verify_cosignatures(add_cosignatures(note_at(8), response), [SIGNER.verifier()], 1) == [SIGNER.name]


@pytest.mark.parametrize(
    "body, message",
    [
        pytest.param(SPEC_REQUEST.replace("old 20852014", "old 020852014"), "expected a first line 'old <N>'", id="leading-zero"),
        pytest.param(SPEC_REQUEST.replace("old 20852014", "old -1"), "expected a first line 'old <N>'", id="negative"),
        pytest.param(SPEC_REQUEST.replace("old 20852014", "20852014"), "expected a first line 'old <N>'", id="no-old"),
        pytest.param(SPEC_REQUEST.replace("old 20852014", "old \u0661"), "expected a first line 'old <N>'", id="arabic-digit"),
        pytest.param(SPEC_REQUEST.replace("PlRN", "!lRN"), "expected consistency proof line 0 in base64", id="bad-hash"),
        pytest.param("old 0\n" + "AAAA\n" * 64 + "\n" + SPEC_REQUEST.split("\n\n", 1)[1], "expected at most 63 consistency proof lines, got 64", id="64-lines"),
        pytest.param("old 0\n", "got no blank line", id="no-checkpoint"),
        pytest.param(b"old 0\n\n", "expected the request body as text", id="bytes"),
    ],
)
def test_malformed_request_bodies_are_rejected(body: str, message: str) -> None:
    with pytest.raises(WitnessRequestError, match=message):
        AddCheckpointRequest.from_text(body)


def test_a_log_without_keys_cannot_be_configured() -> None:
    with pytest.raises(WitnessError, match="expected at least one verifier key for example.com/log"):
        Witness(SIGNER, {ORIGIN: []})


# --- property: growth is cosigned, another tree never is --------------------------------------


@settings(max_examples=60, deadline=None)
@given(
    sizes=st.lists(st.integers(1, 64), min_size=1, max_size=8).map(sorted),
    data=st.data(),
)
def test_growth_of_one_tree_is_always_cosigned_and_any_other_tree_refused(sizes: list[int], data: st.DataObject) -> None:
    witness = new_witness()
    previous = 0
    for size in sizes:
        witness.add_checkpoint(previous, proof(previous, size), note_at(size), now=T)
        previous = size
    assert witness.state.get(ORIGIN) == TreeHead(previous, root_hash(previous, TREE.read_node))
    # Another tree: it differs from TREE at some leaf the witness has already cosigned.
    changed = data.draw(st.integers(0, previous - 1), label="changed leaf")
    other = MemoryNodes(b"changed" if i == changed else f"entry {i}".encode() for i in range(64))
    new_size = data.draw(st.integers(previous, 64), label="other tree size")
    with pytest.raises((WitnessForkError, InconsistentCheckpointError)):
        witness.add_checkpoint(previous, proof(previous, new_size, other), note_at(new_size, other), now=T)
    with pytest.raises((WitnessForkError, InconsistentCheckpointError)):  # even with TREE's own proof
        witness.add_checkpoint(previous, proof(previous, new_size), note_at(new_size, other), now=T)
    assert witness.state.get(ORIGIN).size == previous
